/** How often something happens during training: every N optimizer steps and/or at each epoch end. */
export interface Cadence {
  everySteps?: number;
  atEpochEnd: boolean;
}

/**
 * Whether `cadence` calls for it after optimizer step `step`. `epochBoundary`:
 * the step ended an epoch, or the run (`maxSteps` can end it mid-epoch).
 */
export function isDue(cadence: Cadence, step: number, epochBoundary: boolean): boolean {
  return (cadence.everySteps !== undefined && step % cadence.everySteps === 0) || (epochBoundary && cadence.atEpochEnd);
}
