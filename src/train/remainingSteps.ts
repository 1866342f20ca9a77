import type { ResumePosition } from './checkpointWriter';

/** One optimizer step still to take, and where it sits in the data. */
export interface PlannedStep {
  epoch: number;
  /** Index within the epoch of the step's first batch. */
  firstBatch: number;
  /** The step's batches (row indices): `gradAccumSteps` of them, fewer at the end of an epoch. */
  batches: number[][];
  /** Fractional epoch once the step is done (1.5 = half-way through the second epoch). */
  epochProgress: number;
  /** Whether the step finishes its epoch. */
  endsEpoch: boolean;
  /** Where training continues after the step. */
  next: ResumePosition;
}

/**
 * The next `count` optimizer steps, starting at `from`: each takes
 * `gradAccumSteps` consecutive batches of its epoch, the epoch's last step
 * whatever is left. Epochs are planned only when a step reaches them.
 */
export function* remainingSteps(
  batchesFor: (epoch: number) => number[][],
  gradAccumSteps: number,
  from: ResumePosition,
  count: number,
): Generator<PlannedStep> {
  let left = count;
  for (let epoch = from.epoch; left > 0; epoch++) {
    const batches = batchesFor(epoch);
    for (let b = epoch === from.epoch ? from.batchInEpoch : 0; b < batches.length && left > 0; b += gradAccumSteps) {
      const end = Math.min(b + gradAccumSteps, batches.length);
      const endsEpoch = end >= batches.length;
      left -= 1;
      yield {
        epoch,
        firstBatch: b,
        batches: batches.slice(b, end),
        epochProgress: epoch + end / batches.length,
        endsEpoch,
        next: endsEpoch ? { epoch: epoch + 1, batchInEpoch: 0 } : { epoch, batchInEpoch: b + gradAccumSteps },
      };
    }
  }
}
