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
  /** How far the latest of them got ("12 steps"), for the interrupt message. */
  progress?: string;
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
  if (current) current.progress = undefined;
}

/**
 * Aborts the signal if a long call observes it and says how far it got;
 * returns undefined (aborting nothing) when no long call is running, so the
 * caller can interrupt the cell another way.
 */
export function interruptLongCalls(): { progress?: string } | undefined {
  const current = state();
  if (!current || current.observers === 0 || current.controller.signal.aborted) return undefined;
  current.controller.abort(new InterruptedError('interrupted by the user'));
  return { progress: current.progress };
}

/** Records how far the long call observing the signal got. */
export function reportInterruptibleProgress(signal: AbortSignal | undefined, progress: string): void {
  const current = state();
  if (current && signal === current.controller.signal) current.progress = progress;
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
