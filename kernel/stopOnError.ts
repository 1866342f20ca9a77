/**
 * Honours `stop_on_error: false` in execute requests.
 *
 * After a failed cell tslab aborts every execute request that arrives in the
 * next 200 ms, whatever the request asked. Clients that expect the failure
 * and mean to go on — nbclient / `nbconvert --execute` for a cell tagged
 * `raises-exception`, or `allow_errors` — send `stop_on_error: false` and
 * send the next cell as soon as the reply comes, so tslab would silently
 * abort it. Like ipykernel, the kernel then aborts nothing; with
 * `stop_on_error: true` (the default) tslab's behaviour is kept, so "Run all"
 * still stops at the first error.
 */
import { classPrototype } from './tslabInternals';

/** Wraps tslab's handler and task queue (`dist/jupyter.js`, `dist/util.js`); false when their shape differs. */
export function honourStopOnError(tslabJupyter: Record<string, unknown>, tslabUtil: Record<string, unknown>): boolean {
  const handler = classPrototype(tslabJupyter, 'JupyterHandlerImpl');
  const queue = classPrototype(tslabUtil, 'TaskQueue');
  if (typeof handler?.handleExecuteImpl !== 'function' || typeof queue?.reset !== 'function') return false;

  // handleExecuteImpl runs requests one at a time, and the failed request's
  // reset(200) follows its failure before any other request runs.
  let stopOnError = true;
  const handleExecuteImpl = handler.handleExecuteImpl;
  handler.handleExecuteImpl = function (this: unknown, ...args: unknown[]) {
    stopOnError = (args[0] as { stop_on_error?: boolean } | undefined)?.stop_on_error !== false;
    return handleExecuteImpl.apply(this, args);
  };
  const reset = queue.reset;
  queue.reset = function (this: unknown, ...args: unknown[]) {
    // reset(delay) is the abort window after an error; reset() clears at once.
    return args[0] !== undefined && !stopOnError ? reset.call(this) : reset.apply(this, args);
  };
  return true;
}
