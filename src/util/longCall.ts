/**
 * What every long call (finetune, evaluate, encode, mining) does the same
 * way, so that a notebook or a terminal needs no extra code:
 *
 * - it observes the process-wide interrupt (Kernel → Interrupt) when its
 *   options give no `signal`;
 * - it shows a progress bar when its options give no `onProgress`, unless it
 *   runs inside another long call or inside `withProgress` (one bar, as with
 *   tqdm); the widgets install the bar ({@link setDefaultProgress}), which
 *   draws only in a notebook or on a terminal;
 * - between steps it lets the event loop run ({@link breathe}), or neither an
 *   interrupt nor a progress update would get through before the end.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { interruptSignal, observeInterrupt, reportInterruptibleProgress } from './interrupt';

/** A progress bar a long call opens by itself. */
export interface DefaultProgress {
  (first: never, total?: number): void;
  /** Shows the final state, with an optional note. */
  finish(note?: string): void;
  /** Shows that the work stopped early (interrupted), with a note. */
  stop(note: string): void;
  /** Shows that the work failed. */
  fail(error?: unknown): void;
  /** Removes the bar (the call failed before any progress). */
  dismiss(): void;
}

/** Opens a bar for `label`, or returns undefined where none should show (no notebook, no terminal). */
export type ProgressFactory = (label: string, unit?: string) => DefaultProgress | undefined;

let openBar: ProgressFactory | undefined;

/** Installs the default progress bar (the widgets do, when they load). */
export function setDefaultProgress(factory: ProgressFactory | undefined): void {
  openBar = factory;
}

const running = new AsyncLocalStorage<string>();

/** Runs `work` as the owner of progress: long calls inside it open no bar of their own. */
export function ownProgress<T>(label: string, work: () => T): T {
  return running.run(label, work);
}

/** The two options a long call defaults. */
export interface LongCallHooks<P> {
  signal?: AbortSignal;
  onProgress?: P;
}

/**
 * Runs a long call with its `signal` and `onProgress` defaulted as described
 * above. `stopped` says whether (and where) the result is a stop before the
 * end, which the bar then shows instead of 100%.
 *
 * @example
 * return longCall('Encoding', options, ({ signal, onProgress }) => encodeAll(texts, signal, onProgress), { unit: 'texts' });
 */
export async function longCall<T, P>(
  label: string,
  options: LongCallHooks<P>,
  work: (hooks: LongCallHooks<P>) => Promise<T>,
  settings: { unit?: string; stopped?: (result: T) => string | undefined } = {},
): Promise<T> {
  const signal = options.signal ?? interruptSignal();
  const bar = options.onProgress !== undefined || running.getStore() !== undefined ? undefined : openBar?.(label, settings.unit);
  let reported = false;
  const given = (options.onProgress ?? bar) as ((first: unknown, total?: number) => void) | undefined;
  const onProgress = ((first: unknown, total?: number) => {
    reported = true;
    const step = (first as { step?: unknown } | undefined)?.step;
    reportInterruptibleProgress(signal, typeof step === 'number' ? `${step} steps` : `${first} of ${total} ${settings.unit ?? 'items'}`);
    given?.(first, total);
  }) as unknown as P;
  const release = observeInterrupt(signal);
  try {
    const result = await running.run(label, () => work({ signal, onProgress }));
    const stopped = settings.stopped?.(result);
    if (stopped) bar?.stop(stopped);
    else bar?.finish();
    return result;
  } catch (error) {
    if (reported) bar?.fail(error);
    else bar?.dismiss();
    throw error;
  } finally {
    release();
  }
}

/** Lets timers, signals and pending output through between two steps of a long computation. */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
