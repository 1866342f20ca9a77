import * as tf from '@tensorflow/tfjs';
import type { TrainingRow } from '../data/types';
import type { Loss } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { Random } from '../util/random';
import { clipGradNorm } from './clip';
import { addGradients, batchGradients } from './gradients';
import type { AdamW } from './optimizer';
import { makeBatch } from './rows';

/** What every step of a run shares. */
export interface StepSetup {
  model: SentenceEmbedder;
  loss: Loss;
  optimizer: AdamW;
  rows: TrainingRow[];
  /** Hard-negative columns per batch. */
  negatives: number;
  seed: number;
  maxGradNorm: number;
  /** Each column's prompt (`''` for none). */
  prompts?: string[];
}

/** Which step this is: it seeds the step's draws and locates a failure. */
export interface StepPosition {
  /** Optimizer steps done before this one. */
  globalStep: number;
  epoch: number;
  /** Index within the epoch of the step's first batch. */
  firstBatch: number;
  lr: number;
  /** Named when training stops, so the user knows where to resume from. */
  lastCheckpoint?: string;
}

/** What one optimizer step did. */
export interface StepResult {
  /** Mean loss over the step's batches. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Rows trained on. */
  examples: number;
}

/**
 * One optimizer update from `batches` (lists of row indices): each batch's
 * gradients, scaled by 1 / batches.length and summed (gradient accumulation;
 * each batch keeps its own in-batch negatives); the global norm clipped to
 * `maxGradNorm`; then an AdamW step. A non-finite loss or gradient norm stops
 * training before the weights change. The gradients are disposed.
 */
export async function optimizerStep(setup: StepSetup, batches: number[][], at: StepPosition): Promise<StepResult> {
  const { model, loss, optimizer } = setup;
  let grads: Map<string, tf.Tensor> | undefined;
  let lossSum = 0;
  let examples = 0;
  try {
    for (let k = 0; k < batches.length; k++) {
      const batch = makeBatch(setup.rows, batches[k]!, setup.negatives, loss.requires, setup.prompts);
      const seed = stepSeed(setup.seed, at.globalStep, k);
      const result = await batchGradients(model, loss, batch, { scale: 1 / batches.length, random: new Random(seed), dropoutSeed: seed });
      grads = addGradients(grads, result.grads);
      if (!Number.isFinite(result.loss)) throw trainingStopped(`the loss is ${result.loss}`, at, at.firstBatch + k);
      lossSum += result.loss;
      examples += batches[k]!.length;
    }
    const gradNorm = await clipGradNorm(grads!, setup.maxGradNorm);
    if (!Number.isFinite(gradNorm)) throw trainingStopped(`the gradient norm is ${gradNorm}`, at, at.firstBatch);
    optimizer.step(grads!, at.lr);
    return { loss: lossSum / batches.length, gradNorm, examples };
  } finally {
    if (grads) tf.dispose([...grads.values()]);
  }
}

/**
 * The 32-bit seed of batch `k` of optimizer step `step`. Every draw in a step
 * (Matryoshka `nDimsPerStep`, dropout masks) derives from it, so a resumed
 * run replays them without saving generator state.
 */
function stepSeed(seed: number, step: number, k: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35) ^ Math.imul(k + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

function trainingStopped(what: string, at: StepPosition, batch: number): EmbedlabError {
  return new EmbedlabError(
    `training stopped: ${what} at step ${at.globalStep + 1} (epoch ${at.epoch + 1}, batch ${batch + 1}). ` +
      `Try a lower learning rate (it was ${at.lr.toExponential(2)}; peak set by lr), a warm-up, or gradient clipping (maxGradNorm), ` +
      `and check the data for empty or extreme texts. ` +
      (at.lastCheckpoint ? `The last good checkpoint is ${at.lastCheckpoint}.` : 'No checkpoint was written.'),
  );
}
