/**
 * Starts embedlab's backend before the first cell that imports embedlab, so
 * that nothing runs on the pure-JS backend TensorFlow.js would pick by itself
 * (8× slower, with its "install our node backend" banner), and prints the
 * one-line summary once per kernel.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { CellRun } from './cellRun';

let started = false;

/** Whether a cell imports embedlab (`from 'embedlab'`, `require("embedlab/…")`). */
export function importsEmbedlab(code: string): boolean {
  return /(['"])embedlab(?:\/[^'"]*)?\1/.test(code);
}

/**
 * Before `run`: the first time a cell imports embedlab, starts the best
 * backend of the embedlab the notebook resolves and writes its summary.
 */
export async function startBackendFor(run: CellRun, write: (name: string, text: string) => void): Promise<void> {
  if (started || !importsEmbedlab(run.code)) return;
  started = true;
  try {
    // the copy the cell's own import will load (the kernel links this package when the folder has none)
    const fromNotebook = createRequire(join(process.cwd(), 'notebook.js'));
    const { initBackend } = fromNotebook('embedlab') as { initBackend(): Promise<{ summary: string }> };
    write('stdout', `${(await initBackend()).summary}\n`);
  } catch (error) {
    write('stderr', `embedlab could not start a backend: ${(error as Error).message}\n`);
  }
}
