/**
 * Works around a tslab bug: a shorthand property naming a variable from an
 * earlier cell (`finetune(model, rows, { loss })` after `const loss = …` in
 * another cell) fails with "ReferenceError: loss is not defined". tslab turns
 * references to earlier cells' variables into `exports.loss`, but skips the
 * name inside `{ loss }`. Before a cell runs, the kernel rewrites every
 * shorthand property `{ x }` to the equivalent `{ x: x }`, which tslab
 * handles.
 */
import { classPrototype } from './tslabInternals';

/** The parts of TypeScript's API the rewrite uses (tslab's bundled TypeScript). */
export interface TypeScriptApi {
  createSourceFile(fileName: string, text: string, target: number, setParentNodes?: boolean, kind?: number): TsNode;
  forEachChild(node: TsNode, visit: (child: TsNode) => void): void;
  isShorthandPropertyAssignment(node: TsNode): boolean;
  ScriptTarget: { Latest: number };
  ScriptKind: { TS: number };
}
interface TsNode {
  name?: TsNode;
  end: number;
  getText(): string;
}

/**
 * Returns `code` with every shorthand property `{ x }` written as `{ x: x }`
 * (and `{ x = 1 }` in destructuring assignments as `{ x: x = 1 }`).
 *
 * @example
 * expandShorthandProperties(ts, 'f({ loss, lr: 2 })'); // 'f({ loss: loss, lr: 2 })'
 */
export function expandShorthandProperties(ts: TypeScriptApi, code: string): string {
  if (!code.includes('{')) return code;
  const source = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: TsNode) => {
    if (ts.isShorthandPropertyAssignment(node) && node.name) {
      inserts.push({ at: node.name.end, text: `: ${node.name.getText()}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = code;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/** Wraps `JupyterHandlerImpl.prototype.handleExecuteImpl` to rewrite each cell; false when tslab's shape differs. */
export function rewriteShorthandProperties(tslabJupyter: Record<string, unknown>, ts: TypeScriptApi): boolean {
  const handler = classPrototype(tslabJupyter, 'JupyterHandlerImpl');
  if (typeof handler?.handleExecuteImpl !== 'function') return false;
  const handleExecuteImpl = handler.handleExecuteImpl;
  handler.handleExecuteImpl = function (this: unknown, ...args: unknown[]) {
    const request = args[0] as { code?: unknown } | undefined;
    if (request && typeof request.code === 'string') {
      let code = request.code;
      try {
        code = expandShorthandProperties(ts, request.code);
      } catch {
        // leave the cell as written; tslab reports any syntax error itself
      }
      if (code !== request.code) args[0] = { ...request, code };
    }
    return handleExecuteImpl.apply(this, args);
  };
  return true;
}
