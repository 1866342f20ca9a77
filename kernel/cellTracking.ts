/**
 * Tells display code which notebook cell is running.
 *
 * Charts embed plotly.js once per notebook, in the first chart's output. When
 * the cell holding that output runs again, the front end clears it, so the
 * next chart must embed the bundle again. tslab does not pass the cell's
 * identity to user code; the kernel launcher records it here from each
 * `execute_request` (`metadata.cellId` as JupyterLab, Notebook and nbclient
 * send it; the code text when a client sends none).
 */
import { classPrototype } from './tslabInternals';

/** What `globalThis.__embedlabKernel__` holds inside the embedlab kernel. */
export interface KernelCellState {
  /** The execution running now (or that ran last). */
  current?: { cellKey: string; execution: number };
  /** Cell key → number of its latest execution. */
  latestExecutionByCell: Map<string, number>;
}

export const KERNEL_STATE_GLOBAL = '__embedlabKernel__';

/** Reads the state the launcher installed, if this is the embedlab kernel. */
export function kernelCellState(): KernelCellState | undefined {
  return (globalThis as Record<string, unknown>)[KERNEL_STATE_GLOBAL] as KernelCellState | undefined;
}

interface ExecuteMessage {
  content: { code?: string };
  metadata?: { cellId?: string; cell_id?: string };
}

/**
 * Wraps tslab's message handlers (from its `dist/jupyter.js`) to record cell
 * identities. Returns false, changing nothing, when tslab's internals differ
 * from the expected shape; charts then fall back to one bundle per kernel.
 */
export function trackCells(tslabJupyter: Record<string, unknown>): boolean {
  const server = classPrototype(tslabJupyter, 'ZmqServer');
  const handler = classPrototype(tslabJupyter, 'JupyterHandlerImpl');
  if (typeof server?.handleExecute !== 'function' || typeof handler?.handleExecuteImpl !== 'function') return false;

  const state: KernelCellState = { latestExecutionByCell: new Map() };
  (globalThis as Record<string, unknown>)[KERNEL_STATE_GLOBAL] = state;
  const cellIdOfRequest = new WeakMap<object, string>();
  let executions = 0;

  const handleExecute = server.handleExecute;
  server.handleExecute = function (this: unknown, ...args: unknown[]) {
    const msg = args[1] as ExecuteMessage | undefined;
    const cellId = msg?.metadata?.cellId ?? msg?.metadata?.cell_id;
    if (msg && typeof msg.content === 'object' && cellId) cellIdOfRequest.set(msg.content, `cell:${cellId}`);
    return handleExecute.apply(this, args);
  };

  // Requests are queued; handleExecuteImpl runs them one at a time, in order.
  const handleExecuteImpl = handler.handleExecuteImpl;
  handler.handleExecuteImpl = function (this: unknown, ...args: unknown[]) {
    const request = args[0] as ExecuteMessage['content'];
    const cellKey = cellIdOfRequest.get(request) ?? `code:${request.code ?? ''}`;
    const execution = ++executions;
    state.current = { cellKey, execution };
    state.latestExecutionByCell.set(cellKey, execution);
    return handleExecuteImpl.apply(this, args);
  };
  return true;
}
