/**
 * What one cell's execution produced, as tslab's executor reports it.
 *
 * tslab's executor prints everything through the `console` it is created
 * with: type errors as `console.error("%s%d:%d - %s", …)`, a runtime error as
 * `console.error(error)`, the cell's last value as `console.log(value)`. The
 * launcher creates the executor with {@link executorConsole} instead, which
 * records them on the running cell, so the kernel can answer with `error`
 * and `execute_result` messages rather than text on stderr and stdout.
 */
import { format } from 'node:util';
import type { Insert } from './shorthandProperties';

/** A type-check diagnostic, 1-based, in the code tslab checked. */
export interface Diagnostic {
  /** Another file (a local module the cell imports), relative to the notebook's folder. */
  file?: string;
  line: number;
  column: number;
  message: string;
}

/** One execution of a cell. */
export class CellRun {
  readonly diagnostics: Diagnostic[] = [];
  /** The thrown value, when the cell failed at run time. */
  error?: { value: unknown };
  /** The cell's last expression value, when it has one. */
  result?: { value: unknown };
  /** The JavaScript tslab ran (its wrapper included), once it runs. */
  compiled?: string;

  constructor(
    /** The execution count, `In [count]`. */
    readonly count: number,
    /** The code as the user wrote it. */
    readonly code: string,
    /** What the launcher inserted before tslab saw the code. */
    readonly inserts: readonly Insert[] = [],
  ) {}

  /** The name stack frames and messages give this cell. */
  get name(): string {
    return `Cell In[${this.count}]`;
  }
}

let running: CellRun | undefined;
/** Recent runs by name: a function defined in one cell may fail in a later one. */
const byName = new Map<string, CellRun>();
const KEEP = 500;

/** Makes `run` the cell the executor reports to. */
export function startCellRun(run: CellRun): void {
  running = run;
  byName.set(run.name, run);
  if (byName.size > KEEP) byName.delete(byName.keys().next().value!);
}

/** The run whose script has this name (`Cell In[7]`), if it is recent. */
export function cellRunNamed(name: string): CellRun | undefined {
  return byName.get(name);
}

/** The cell running now (or that ran last). */
export function currentCellRun(): CellRun | undefined {
  return running;
}

const DIAGNOSTIC_FORMAT = '%s%d:%d - %s';

/** The console tslab's executor writes to. */
export const executorConsole = {
  log(...args: unknown[]): void {
    if (running && args.length === 1) running.result = { value: args[0] };
    else console.log(...args);
  },
  error(...args: unknown[]): void {
    if (running && args[0] === DIAGNOSTIC_FORMAT && args.length === 5) {
      const [, file, line, column, message] = args as [string, string, number, number, string];
      running.diagnostics.push({ file: file ? file.trim() : undefined, line, column, message: String(message) });
      return;
    }
    if (running && args.length === 1 && !running.error) {
      running.error = { value: args[0] };
      return;
    }
    process.stderr.write(format(...args) + '\n');
  },
};
