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
   * Texts per forward pass with gradients, for a loss that computes its
   * gradients in mini-batches (GradCache); shown in reports and the model card.
   */
  readonly miniBatchSize?: number;
  /**
   * Computes the batch's loss and weight gradients itself, in place of the
   * trainer's single forward-backward pass over the whole batch:
   * {@link CachedMultipleNegativesRankingLoss} runs GradCache here. The
   * context's `scaledLoss` is the loss being trained, so a wrapper
   * (MatryoshkaLoss) passes its inner loss's function on unchanged.
   */
  readonly gradients?: (context: GradientContext) => Promise<BatchGradients>;
  compute(embeddings: tf.Tensor2D[], labels?: tf.Tensor1D, extra?: LossExtra): tf.Scalar;
  /** Hyper-parameters, for checkpoints and the model card. */
  config(): Record<string, unknown>;
}

/** One batch, as the loss sees it: texts per column, plus labels / teacher scores. */
export interface TextBatch {
  /** `[anchor[], positive[], negative_1[], …]`, each `batchSize` long. */
  columns: string[][];
  /** Per-row similarity score (CoSENT). */
  labels?: Float32Array;
  /** Per-row teacher scores, `[positive, ...negatives]` (distillation). */
  teacherScores?: number[][];
  /** The prompt already prepended to each column's texts (`''` for none), so pooling can leave its tokens out. */
  prompts?: string[];
}

/** The loss of one batch and its gradients w.r.t. the model weights (by HF name). */
export interface BatchGradients {
  /** The unscaled loss value. */
  loss: number;
  /** Gradients of `scale · loss`; the caller disposes them. Weights the loss does not reach are absent. */
  grads: Map<string, tf.Tensor>;
}

/**
 * What the trainer hands {@link Loss.gradients} for one batch: the model and
 * the loss as functions, so a loss can run its own forward/backward schedule.
 */
export interface GradientContext {
  readonly batch: TextBatch;
  /** The factor `scaledLoss` multiplies by (1 / gradient-accumulation steps). */
  readonly scale: number;
  /**
   * Embeds `texts` — mini-batch `chunk` of column `column` — with gradients
   * recorded when called under a tape. The model's dropout masks are seeded
   * by (column, chunk), so embedding the same mini-batch again sees the same masks.
   */
  embed(texts: string[], column: number, chunk: number): tf.Tensor2D;
  /** `scale ·` the loss being trained on `embeddings` (one tensor per column). */
  scaledLoss(embeddings: tf.Tensor2D[]): tf.Scalar;
  /** Adds the gradients of `f` w.r.t. every trainable weight into `total`, by weight name. */
  addWeightGradients(f: () => tf.Scalar, total: Map<string, tf.Tensor>): void;
  /** The value of `f` (divided by `scale`) and its gradients w.r.t. every trainable weight. */
  gradientsOf(f: () => tf.Scalar): Promise<BatchGradients>;
  /**
   * Whether the model keeps only each layer's input on the tape and recomputes
   * the layer in the backward pass: one taped pass over many mini-batches then
   * fits where GradCache's two passes were needed.
   */
  readonly recomputesActivations: boolean;
  /** Tokens per text (special tokens included, after truncation). */
  tokenCounts(texts: string[]): number[];
  /** The trainer's own path: one forward-backward pass over the whole batch. */
  plain(): Promise<BatchGradients>;
}
