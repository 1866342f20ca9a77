import type { ProgressInfo } from './types';

/**
 * Measures throughput and time left for {@link ProgressInfo}, from the
 * meter's creation and over the steps after `firstStep`: a baseline
 * evaluation and a resumed run's earlier steps do not count.
 */
export class ProgressMeter {
  private readonly started = performance.now();
  private examples = 0;

  constructor(
    private readonly firstStep: number,
    private readonly totalSteps: number,
    private readonly epochs: number,
  ) {}

  /** Counts the rows of a finished step. */
  count(examples: number): void {
    this.examples += examples;
  }

  /** Progress after optimizer step `step` (1-based). */
  at(step: number, epoch: number, loss: number, lr: number): ProgressInfo {
    const seconds = (performance.now() - this.started) / 1000;
    const done = step - this.firstStep;
    return {
      step,
      totalSteps: this.totalSteps,
      epoch,
      epochs: this.epochs,
      loss,
      lr,
      examplesPerSec: seconds > 0 ? this.examples / seconds : 0,
      etaSeconds: done > 0 ? (seconds / done) * (this.totalSteps - step) : 0,
    };
  }
}
