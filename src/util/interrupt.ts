/**
 * The process-wide interrupt: Kernel → Interrupt in a notebook. The kernel
 * launcher enables it and aborts it on SIGINT or an `interrupt_request`;
 * every long call (finetune, evaluate, encode, mining) observes it when its
 * options give no `signal`, and stops after the current step or batch.
 *
 * The state lives on `globalThis` under a registered symbol, so a notebook
 * that imports its own copy of embedlab still sees the kernel's interrupt.
 */

const STATE = Symbol.for('embedlab.interrupt');

interface InterruptState {
  controller: AbortController;
  /** Long calls observing the signal now. */
  observers: number;
}

function state(): InterruptState | undefined {
  return (globalThis as Record<symbol, InterruptState | undefined>)[STATE];
}

/** Why a long call stopped: the user interrupted it. */
export class InterruptedError extends Error {
  override readonly name: string = 'KeyboardInterrupt';
  constructor(message = 'interrupted') {
    super(message);
  }
}

/** Turns the process-wide interrupt on (the kernel launcher does, once). */
export function enableInterrupts(): void {
  const global = globalThis as Record<symbol, InterruptState | undefined>;
  global[STATE] ??= { controller: new AbortController(), observers: 0 };
}

/** The process-wide interrupt signal, or undefined outside the embedlab kernel. */
export function interruptSignal(): AbortSignal | undefined {
  return state()?.controller.signal;
}

/** A fresh signal for the next cell, once the previous one was used. */
export function resetInterrupt(): void {
  const current = state();
  if (current?.controller.signal.aborted) current.controller = new AbortController();
}

/**
 * Aborts the signal if a long call observes it and returns true; returns
 * false (aborting nothing) when no long call is running, so the caller can
 * interrupt the cell another way.
 */
export function interruptLongCalls(): boolean {
  const current = state();
  if (!current || current.observers === 0 || current.controller.signal.aborted) return false;
  current.controller.abort(new InterruptedError('interrupted by the user'));
  return true;
}

/** Counts a long call as observing the signal until the returned function runs. */
export function observeInterrupt(signal: AbortSignal | undefined): () => void {
  const current = state();
  if (!current || signal !== current.controller.signal) return () => {};
  current.observers++;
  let done = false;
  return () => {
    if (!done) current.observers--;
    done = true;
  };
}
