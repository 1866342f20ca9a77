import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../util/errors';
import { range } from '../util/range';
import { crossEntropy } from './crossEntropy';
import { cosSim } from './similarity';
import type { Loss, LossRequirements } from './types';

/** Options for {@link mnrl}. */
export interface MnrlOptions {
  /**
   * Multiplies the cosine similarities before the softmax (inverse temperature).
   * @default 20
   */
  scale?: number;
}

/**
 * MultipleNegativesRankingLoss (InfoNCE with in-batch negatives), as in
 * sentence-transformers v5.
 *
 * For anchors `A` (`B×d`) and candidates `C` = all positives stacked above
 * every hard-negative column (`(1+n)·B` rows):
 *
 * ```text
 * loss = mean_i CrossEntropy(scale · cos(A_i, C), target = i)
 *      = mean_i [ log Σ_j exp(scale · cos(A_i, C_j)) − scale · cos(A_i, P_i) ]
 * ```
 *
 * Every other row's positive and every row's hard negatives are negatives for
 * each anchor. A text that appears twice in a batch is therefore a false
 * negative: train with the no-duplicates batch sampler (the trainer's default
 * for this loss). Bigger batches give more negatives; gradient accumulation
 * does not (see {@link cachedMnrl} for large batches in little memory).
 *
 * Inputs: `(anchor, positive)` pairs or `(anchor, positive, negative_1, …, negative_n)`.
 *
 * @example
 * import { mnrl, finetune } from 'embedlab';
 * const run = await finetune(model, rows, { loss: mnrl(), batchSize: 32 });
 *
 * // or on embeddings directly:
 * const loss = mnrl({ scale: 20 }).compute([anchors, positives, hardNegatives]);
 */
export class MultipleNegativesRankingLoss implements Loss {
  readonly name: string = 'MultipleNegativesRankingLoss';
  readonly requires: LossRequirements = { negatives: 'any', score: false, teacherScores: false, inBatchNegatives: true };
  readonly scale: number;

  constructor(options: MnrlOptions = {}) {
    this.scale = options.scale ?? 20;
    if (!Number.isFinite(this.scale) || this.scale <= 0) {
      throw new EmbedlabError(`${this.name}: scale must be a positive number, got ${options.scale}`);
    }
  }

  compute(embeddings: tf.Tensor2D[]): tf.Scalar {
    if (embeddings.length < 2) {
      throw new EmbedlabError(`${this.name} needs (anchor, positive[, negatives…]) columns, got ${embeddings.length}`);
    }
    const [anchors, ...candidateColumns] = embeddings as [tf.Tensor2D, ...tf.Tensor2D[]];
    return tf.tidy(() => {
      const scores = tf.mul(cosSim(anchors, tf.concat(candidateColumns, 0)), this.scale) as tf.Tensor2D;
      return crossEntropy(scores, range(anchors.shape[0]));
    });
  }

  config(): Record<string, unknown> {
    return { scale: this.scale, similarity_fct: 'cos_sim' };
  }
}

/**
 * MultipleNegativesRankingLoss with `scale` (default 20) and cosine similarity.
 * See {@link MultipleNegativesRankingLoss} for the formula.
 *
 * @example
 * const loss = mnrl();                 // scale 20
 * const sharper = mnrl({ scale: 50 }); // temperature 0.02
 */
export function mnrl(options: MnrlOptions = {}): MultipleNegativesRankingLoss {
  return new MultipleNegativesRankingLoss(options);
}
