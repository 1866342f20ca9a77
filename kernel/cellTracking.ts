/**
 * Tells display code which notebook cell is running.
 *
 * Charts embed plotly.js once per notebook, in the first chart's output. When
 * the cell holding that output runs again, the front end clears it, so the
 * next chart must embed the bundle again; so must it when the page was
 * reloaded (a new client session) and lost it. tslab does not pass the cell's
 * identity to user code; the kernel launcher records it here from each
 * `execute_request` (`metadata.cellId` as JupyterLab, Notebook and nbclient
 * send it; the code text when a client sends none).
 */

/** What `globalThis.__embedlabKernel__` holds inside the embedlab kernel. */
export interface KernelCellState {
  /** The execution running now (or that ran last), and the client session (page) that asked for it. */
  current?: { cellKey: string; execution: number; session?: string };
  /** Cell key → number of its latest execution. */
  latestExecutionByCell: Map<string, number>;
}

export const KERNEL_STATE_GLOBAL = '__embedlabKernel__';

/** Reads the state the launcher installed, if this is the embedlab kernel. */
export function kernelCellState(): KernelCellState | undefined {
  return (globalThis as Record<string, unknown>)[KERNEL_STATE_GLOBAL] as KernelCellState | undefined;
}

/**
 * Records that the cell identified by `metadata.cellId` (or, from a client
 * that sends none, by its code) runs now as execution `execution`.
 */
export function recordCellExecution(
  metadata: { cellId?: unknown; cell_id?: unknown },
  code: string,
  execution: number,
  session?: string,
): void {
  const global = globalThis as Record<string, unknown>;
  const state = (global[KERNEL_STATE_GLOBAL] ??= { latestExecutionByCell: new Map() }) as KernelCellState;
  const cellId = metadata.cellId ?? metadata.cell_id;
  const cellKey = typeof cellId === 'string' && cellId ? `cell:${cellId}` : `code:${code}`;
  state.current = { cellKey, execution, session };
  state.latestExecutionByCell.set(cellKey, execution);
}
