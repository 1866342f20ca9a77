/**
 * Short errors in notebook cells. tslab prints a failed cell's error with
 * `console.error(error)`, which shows the whole stack. For an EmbedlabError —
 * bad input the user can fix — the stack only hides the message, so inside
 * tslab embedlab prints it as one paragraph ("EmbedlabError: <message>") and
 * the cell fails as usual; the kernel keeps running. Other errors (bugs) keep
 * their stack. Set EMBEDLAB_DEBUG=1 to see stacks of EmbedlabErrors too.
 */
import { inspect } from 'node:util';
import { EmbedlabError } from '../src/util/errors';
import { inTslab } from './tslabBridge';

/** One paragraph for an error the user can fix; the full inspection for anything else. */
export function formatCellError(error: unknown): string {
  if (error instanceof EmbedlabError && !process.env.EMBEDLAB_DEBUG) {
    const message = error.message.trim();
    return `EmbedlabError: ${message}`;
  }
  return inspect(error);
}

let installed = false;

/**
 * Makes EmbedlabErrors print as one paragraph wherever Node inspects them
 * (the failed-cell output, `console.log(error)`, unhandled rejections).
 * Runs on import inside tslab; harmless to call again.
 */
export function installCellErrorFormatting(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(EmbedlabError.prototype, inspect.custom, {
    configurable: true,
    value(this: EmbedlabError, _depth: number, options: unknown, inspectFn?: typeof inspect) {
      if (process.env.EMBEDLAB_DEBUG) {
        // Default inspection: hide this hook for one call.
        const hook = Object.getOwnPropertyDescriptor(EmbedlabError.prototype, inspect.custom)!;
        delete (EmbedlabError.prototype as unknown as Record<symbol, unknown>)[inspect.custom];
        try {
          return (inspectFn ?? inspect)(this, options as never);
        } finally {
          Object.defineProperty(EmbedlabError.prototype, inspect.custom, hook);
        }
      }
      return formatCellError(this);
    },
  });
}

/**
 * Runs a cell's work and prints an EmbedlabError as one paragraph on stderr
 * instead of failing the cell; other errors are rethrown. Resolves to the
 * work's result, or undefined after a printed error.
 *
 * @example
 * const table = await guard(() => loadTable('missing.jsonl')); // prints one paragraph, table is undefined
 */
export async function guard<T>(work: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof EmbedlabError)) throw error;
    console.error(formatCellError(error));
    return undefined;
  }
}

if (inTslab()) installCellErrorFormatting();
