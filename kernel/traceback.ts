/**
 * A failed cell as the Jupyter `error` message shows it: `ename`, `evalue`
 * and traceback lines, in the user's terms.
 *
 * - Type errors name the cell and the position in the code as written (the
 *   launcher's rewrites mapped back), show the offending line and mark it.
 * - Runtime errors keep the frames of the user's code — the cell, and files
 *   outside node_modules, Node and embedlab — with cell positions mapped to
 *   the cell's lines; the compiled code and the kernel's own frames are left
 *   out. `EMBEDLAB_DEBUG=1` shows every frame.
 * - An EmbedlabError (input the user can fix) is one paragraph, no frames.
 * - An interrupt is a `KeyboardInterrupt`, as in Python.
 */
import { inspect } from 'node:util';
import type { CellRun } from './cellRun';
import { applyInserts, originalOffset } from './shorthandProperties';

/** The content of an `error` message (and of a failed `execute_reply`). */
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Where the kernel's traceback looks things up. */
export interface TracebackContext {
  /** The embedlab package root: its frames are not the user's. */
  packageRoot: string;
  /** The cell whose script has this name (`Cell In[7]`), if it is one. */
  cellOf(file: string): CellRun | undefined;
  /** A 1-based position in a cell's script, in the cell as written; undefined when unknown. */
  mapPosition(run: CellRun, line: number, column: number): { line: number; column: number } | undefined;
  /** Show every frame. */
  debug?: boolean;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** The 1-based position in the code as written of a 1-based position in the code tslab checked. */
export function writtenPosition(run: CellRun, line: number, column: number): { line: number; column: number } {
  if (run.inserts.length === 0) return { line, column };
  // inserts hold no line breaks: the line is the same, the column shifts
  const rewrittenStarts = lineStarts(applyInserts(run.code, run.inserts));
  const offset = (rewrittenStarts[line - 1] ?? 0) + column - 1;
  const original = originalOffset(run.inserts, offset);
  const starts = lineStarts(run.code);
  return { line, column: original - (starts[line - 1] ?? 0) + 1 };
}

/** The source line and a marker under the token at `column` (1-based). */
function markedLine(source: string, line: number, column: number): string[] {
  const text = source.split('\n')[line - 1];
  if (text === undefined) return [];
  const rest = text.slice(column - 1);
  const token = /^[\w$]+/.exec(rest)?.[0].length ?? 1;
  const trimmed = text.trimStart();
  const indent = text.length - trimmed.length;
  return [`    ${trimmed}`, `    ${' '.repeat(Math.max(0, column - 1 - indent))}${'^'.repeat(Math.max(1, token))}`];
}

/** Type errors: where (in the code as written), the line, the message. */
export function diagnosticsError(run: CellRun): ErrorContent {
  const lines: string[] = [];
  const summaries: string[] = [];
  let lastWhere = '';
  for (const d of run.diagnostics) {
    const at = d.file ? { line: d.line, column: d.column } : writtenPosition(run, d.line, d.column);
    const where = `${d.file ?? run.name}, line ${at.line}, column ${at.column}`;
    if (where === lastWhere) {
      // the rest of a message chain: same position, indented under its head
      lines.push(`  ${d.message}`);
      continue;
    }
    lastWhere = where;
    lines.push(`${where}:`, ...(d.file ? [] : markedLine(run.code, at.line, at.column)), d.message);
    summaries.push(`${at.line}:${at.column} - ${d.message}`);
  }
  return { ename: 'TypeScript', evalue: summaries[0] ?? 'type error', traceback: lines };
}

/** Whether the value ended a cell because of an interrupt. */
function interruptMessage(value: unknown): string | undefined {
  const error = value as { name?: string; message?: string; code?: string } | undefined;
  if (!error || typeof error !== 'object') return undefined;
  if (error.name === 'KeyboardInterrupt') return error.message;
  if (error.message === 'Interrupted asynchronously') return 'the cell was abandoned; work it started may still be running';
  if (error.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') return 'interrupted by the user';
  return undefined;
}

interface Frame {
  text: string;
  file?: string;
  line?: number;
  column?: number;
  fn?: string;
}

function parseFrame(line: string): Frame {
  const text = line.trim().replace(/^at /, '');
  const located = /^(?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/.exec(text);
  if (!located) return { text };
  return { text, fn: located[1], file: located[2], line: Number(located[3]), column: Number(located[4]) };
}

/** Frames of Node itself, of installed packages and of embedlab: not the user's. */
export function isInternalFile(file: string, packageRoot: string): boolean {
  return (
    file.startsWith('node:') ||
    file.includes('/node_modules/') ||
    file.startsWith(packageRoot + '/dist/') ||
    file === 'native' ||
    file === '<anonymous>'
  );
}

/** A runtime error: the error line and the user's frames. */
export function runtimeError(value: unknown, context: TracebackContext): ErrorContent {
  const interrupted = interruptMessage(value);
  if (interrupted !== undefined) {
    return { ename: 'KeyboardInterrupt', evalue: interrupted, traceback: [`KeyboardInterrupt: ${interrupted}`] };
  }
  if (!(value instanceof Error) && !(value && typeof value === 'object' && 'stack' in value)) {
    const shown = inspect(value);
    return { ename: 'Uncaught', evalue: shown, traceback: [`Uncaught ${shown}`] };
  }
  const error = value as Error;
  const ename = error.name || error.constructor?.name || 'Error';
  const evalue = String(error.message ?? '');
  if (ename === 'EmbedlabError' && !context.debug) {
    return { ename, evalue, traceback: [`EmbedlabError: ${evalue.trim()}`] };
  }
  const shown: string[] = [];
  let hidden = 0;
  for (const line of String(error.stack ?? '').split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    const frame = parseFrame(line);
    const cell = frame.file !== undefined ? context.cellOf(frame.file) : undefined;
    if (cell) {
      // the wrapper that calls the cell's code is the kernel's, not the user's
      if (cell.compiled && frame.line === cell.compiled.split('\n').length) continue;
      const at = frame.line !== undefined ? context.mapPosition(cell, frame.line, frame.column ?? 1) : undefined;
      const where = at ? `${cell.name}, line ${at.line}` : cell.name;
      shown.push(`    at ${frame.fn ? `${frame.fn} (${where})` : where}`);
      if (at) shown.push(`    ${markedLine(cell.code, at.line, at.column)[0] ?? ''}`);
      continue;
    }
    if (!context.debug && (frame.file === undefined || isInternalFile(frame.file, context.packageRoot))) {
      hidden++;
      continue;
    }
    shown.push(`    at ${frame.text}`);
  }
  const traceback = [`${ename}: ${evalue}`, ...shown];
  if (hidden > 0) {
    traceback.push(`    (${hidden} frame${hidden === 1 ? '' : 's'} of Node, packages and embedlab hidden; EMBEDLAB_DEBUG=1 shows them)`);
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) traceback.push(`Caused by ${cause.name}: ${cause.message}`);
  return { ename, evalue, traceback };
}
