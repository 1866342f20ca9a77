/**
 * Works around a tslab bug: a shorthand property naming a variable from an
 * earlier cell (`finetune(model, rows, { loss })` after `const loss = …` in
 * another cell) fails with "ReferenceError: loss is not defined". tslab turns
 * references to earlier cells' variables into `exports.loss`, but skips the
 * name inside `{ loss }`. Before a cell runs, the kernel rewrites every
 * shorthand property `{ x }` to the equivalent `{ x: x }`, which tslab
 * handles, and maps error positions back to the code as written.
 */
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

/** Text inserted into a cell: `text` goes in at offset `at` of the original code. */
export interface Insert {
  at: number;
  text: string;
  /** Where the shorthand name starts (errors inside the insert point there). */
  nameStart: number;
}

/**
 * Where `{ x }` becomes `{ x: x }` (and `{ x = 1 }` in destructuring
 * assignments `{ x: x = 1 }`), in ascending order.
 */
export function shorthandInserts(ts: TypeScriptApi, code: string): Insert[] {
  if (!code.includes('{')) return [];
  const source = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: Insert[] = [];
  const visit = (node: TsNode) => {
    if (ts.isShorthandPropertyAssignment(node) && node.name) {
      const name = node.name.getText();
      inserts.push({ at: node.name.end, text: `: ${name}`, nameStart: node.name.end - name.length });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return inserts.sort((a, b) => a.at - b.at);
}

/** `code` with `inserts` applied. */
export function applyInserts(code: string, inserts: readonly Insert[]): string {
  let out = '';
  let from = 0;
  for (const { at, text } of inserts) {
    out += code.slice(from, at) + text;
    from = at;
  }
  return out + code.slice(from);
}

/**
 * Maps an offset in the rewritten code back to the original: inserts before
 * it are subtracted; an offset inside an insert points at its name.
 */
export function originalOffset(inserts: readonly Insert[], offset: number): number {
  let shift = 0;
  for (const insert of inserts) {
    const start = insert.at + shift;
    if (offset < start) break;
    if (offset < start + insert.text.length) return insert.nameStart;
    shift += insert.text.length;
  }
  return offset - shift;
}

/**
 * Returns `code` with every shorthand property `{ x }` written as `{ x: x }`
 * (and `{ x = 1 }` in destructuring assignments as `{ x: x = 1 }`). Lines do
 * not change; columns after an insert do, and {@link originalOffset} maps
 * them back.
 *
 * @example
 * expandShorthandProperties(ts, 'f({ loss, lr: 2 })'); // 'f({ loss: loss, lr: 2 })'
 */
export function expandShorthandProperties(ts: TypeScriptApi, code: string): string {
  return applyInserts(code, shorthandInserts(ts, code));
}
