import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../util/errors';
import { pairwiseCosSim } from './similarity';
import type { Loss, LossRequirements } from './types';

/** Options for {@link cosent}. */
export interface CosentOptions {
  /**
   * Multiplies the cosine similarities (inverse temperature).
   * @default 20
   */
  scale?: number;
}

/**
 * CoSENTLoss (Su, 2022) for pairs with a similarity score, as in
 * sentence-transformers v5. With `s_i = scale · cos(u_i, v_i)` for pair i
 * and its label `y_i`:
 *
 * ```text
 * loss = log(1 + Σ_{(i, j): y_i < y_j} exp(s_i − s_j))
 * ```
 *
 * It penalises every pair of pairs whose similarities are ordered against
 * their labels; equal labels never count. Only the order of labels matters,
 * so any score range works (0..1, 0..5).
 *
 * Inputs: `(sentence1, sentence2)` columns (the trainer uses `anchor`,
 * `positive`) and `labels` = the rows' `score`.
 *
 * @example
 * import { cosent, finetune } from 'embedlab';
 * // rows: { anchor, positive, negatives: [], score: 0.8 }
 * await finetune(model, stsRows, { loss: cosent(), batchSize: 16 });
 */
export class CoSENTLoss implements Loss {
  readonly name = 'CoSENTLoss';
  readonly requires: LossRequirements = { negatives: 'ignored', score: true, teacherScores: false, inBatchNegatives: false };
  readonly scale: number;

  constructor(options: CosentOptions = {}) {
    this.scale = options.scale ?? 20;
    if (!Number.isFinite(this.scale) || this.scale <= 0) {
      throw new EmbedlabError(`CoSENTLoss: scale must be a positive number, got ${options.scale}`);
    }
  }

  compute(embeddings: tf.Tensor2D[], labels?: tf.Tensor1D): tf.Scalar {
    if (embeddings.length < 2) throw new EmbedlabError(`CoSENTLoss needs (sentence1, sentence2) columns, got ${embeddings.length}`);
    if (!labels) throw new EmbedlabError('CoSENTLoss needs a similarity score per pair (the "score" field)');
    const [u, v] = embeddings as [tf.Tensor2D, tf.Tensor2D];
    return tf.tidy(() => {
      const s = tf.mul(pairwiseCosSim(u, v), this.scale);
      // diff[i, j] = s_i − s_j, kept only where label_i < label_j; the rest
      // is pushed to −1e12 (exp → 0), as upstream does.
      const diff = tf.sub(tf.expandDims(s, 1), tf.expandDims(s, 0));
      const ordered = tf.cast(tf.less(tf.expandDims(labels, 1), tf.expandDims(labels, 0)), 'float32');
      const masked = tf.sub(diff, tf.mul(tf.sub(1, ordered), 1e12));
      const withZero = tf.concat([tf.zeros([1]), tf.reshape(masked, [-1])]);
      return tf.logSumExp(withZero) as tf.Scalar;
    });
  }

  config(): Record<string, unknown> {
    return { scale: this.scale, similarity_fct: 'pairwise_cos_sim' };
  }
}

/**
 * CoSENT loss for scored pairs; see {@link CoSENTLoss}.
 *
 * @example
 * const loss = cosent({ scale: 20 });
 */
export function cosent(options: CosentOptions = {}): CoSENTLoss {
  return new CoSENTLoss(options);
}
