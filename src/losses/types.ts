import type * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random';

/** What a loss needs from each training row, so the trainer can check the data up front. */
export interface LossRequirements {
  /**
   * Hard-negative columns: `'any'` uses every `negative_*` column the rows have
   * (0..n), `'ignored'` drops them, `'required'` needs at least one.
   */
  negatives: 'any' | 'ignored' | 'required';
  /** Needs `TrainingRow.score` (scored pairs, e.g. CoSENT). */
  score: boolean;
  /** Needs `TrainingRow.teacherScores` = `[positive, ...negatives]` (distillation). */
  teacherScores: boolean;
  /**
   * Other rows of the batch act as negatives, so a text repeated inside a batch
   * becomes a false negative: the trainer then uses the no-duplicates sampler.
   */
  inBatchNegatives: boolean;
}

/** Per-batch inputs besides the embeddings. */
export interface LossExtra {
  /** Teacher scores `[batchSize, 1 + negatives]`: positive first, then each negative column. */
  teacherScores?: tf.Tensor2D;
  /** A generator seeded for this optimizer step (e.g. Matryoshka `nDimsPerStep` sampling). */
  random?: Random;
}

/**
 * A training objective over sentence embeddings.
 *
 * `compute` receives one `[batchSize, dim]` tensor per column — anchor,
 * positive, then `negative_1..n` — and returns a differentiable scalar, so a
 * loss can be checked alone with `tf.grads` and the trainer can differentiate
 * it with respect to the embeddings (GradCache) or the model weights.
 */
export interface Loss {
  /** The sentence-transformers class name, e.g. `MultipleNegativesRankingLoss`. */
  readonly name: string;
  readonly requires: LossRequirements;
  /**
   * When set, the trainer uses GradCache: it embeds the batch in mini-batches of
   * this size without gradients, differentiates the loss w.r.t. the embeddings,
   * then re-runs each mini-batch with gradients. Same loss and gradients as the
   * plain path, with memory set by the mini-batch instead of the batch.
   */
  readonly miniBatchSize?: number;
  compute(embeddings: tf.Tensor2D[], labels?: tf.Tensor1D, extra?: LossExtra): tf.Scalar;
  /** Hyper-parameters, for checkpoints and the model card. */
  config(): Record<string, unknown>;
}
