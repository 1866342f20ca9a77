import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../util/errors';
import { range } from '../util/range';
import { crossEntropy } from './crossEntropy';
import { cosSim, pairwiseCosSim } from './similarity';
import type { Loss, LossExtra, LossRequirements } from './types';

/** Options for {@link distillKL}. */
export interface DistillKLOptions {
  /**
   * Student temperature τ: scores are `cos / τ` (FlagEmbedding's bge recipe).
   * @default 0.02
   */
  temperature?: number;
  /**
   * Teacher temperature τ_t: targets are `softmax(teacher / τ_t)` (as FlagEmbedding).
   * @default 1
   */
  teacherTemperature?: number;
  /**
   * Add the contrastive term over all in-batch candidates (as FlagEmbedding
   * without `no_in_batch_neg`); false uses only each row's own positive and
   * negatives.
   * @default true
   */
  inBatchNegatives?: boolean;
}

/**
 * Knowledge distillation from teacher scores, FlagEmbedding `kl_div` style
 * (`FlagEmbedding/abc/finetune/embedder/AbsModeling.py`). Each row carries
 * `teacherScores = [positive, negative_1, …, negative_n]` (`pos_scores` /
 * `neg_scores` in FlagEmbedding data, e.g. from a cross-encoder).
 *
 * With the student's own group scores `s_ig = cos(A_i, G_ig) / τ`
 * (`G_i0` = positive, `G_ig` = negative g) and teacher targets
 * `t_i = softmax(teacher_i / τ_t)`:
 *
 * ```text
 * L_kd  = −mean_i Σ_g t_ig · log_softmax(s_i)_g
 * loss  = L_kd + mean_i CrossEntropy(cos(A_i, C) / τ, target = positive_i)
 * ```
 *
 * where `C` is every candidate of the batch (in-batch negatives), or just the
 * row's own group when `inBatchNegatives` is false. `L_kd` is the cross-entropy
 * form FlagEmbedding uses: it equals `KL(t_i ‖ softmax(s_i))` plus the
 * teacher's entropy, a constant, so the gradients are those of the KL divergence.
 *
 * @example
 * import { distillKL, finetune } from 'embedlab';
 * // rows: { anchor, positive, negatives: [n1, n2], teacherScores: [0.92, 0.31, 0.05] }
 * await finetune(model, rows, { loss: distillKL({ temperature: 0.02 }) });
 */
export class DistillKLLoss implements Loss {
  readonly name = 'DistillKLLoss';
  readonly requires: LossRequirements;
  readonly temperature: number;
  readonly teacherTemperature: number;
  readonly inBatchNegatives: boolean;

  constructor(options: DistillKLOptions = {}) {
    this.temperature = options.temperature ?? 0.02;
    this.teacherTemperature = options.teacherTemperature ?? 1;
    this.inBatchNegatives = options.inBatchNegatives ?? true;
    for (const [key, value] of [['temperature', this.temperature], ['teacherTemperature', this.teacherTemperature]] as const) {
      if (!Number.isFinite(value) || value <= 0) throw new EmbedlabError(`DistillKLLoss: ${key} must be a positive number, got ${value}`);
    }
    this.requires = { negatives: 'any', score: false, teacherScores: true, inBatchNegatives: this.inBatchNegatives };
  }

  compute(embeddings: tf.Tensor2D[], _labels?: tf.Tensor1D, extra?: LossExtra): tf.Scalar {
    const teacher = extra?.teacherScores;
    if (!teacher) throw new EmbedlabError('DistillKLLoss needs teacher scores per row ("teacherScores", or pos_scores/neg_scores)');
    if (embeddings.length < 2) throw new EmbedlabError(`DistillKLLoss needs (anchor, positive[, negatives…]) columns, got ${embeddings.length}`);
    const [anchors, ...groupColumns] = embeddings as [tf.Tensor2D, ...tf.Tensor2D[]];
    if (teacher.shape[1] !== groupColumns.length || teacher.shape[0] !== anchors.shape[0]) {
      throw new EmbedlabError(
        `DistillKLLoss: teacher scores are [${teacher.shape}], expected [${anchors.shape[0]}, ${groupColumns.length}] (positive + ${groupColumns.length - 1} negatives)`,
      );
    }
    const B = anchors.shape[0];
    return tf.tidy(() => {
      // s_ig: each row against its own positive and negatives.
      const own = tf.stack(groupColumns.map((c) => pairwiseCosSim(anchors, c)), 1) as tf.Tensor2D;
      const studentScores = tf.div(own, this.temperature) as tf.Tensor2D;
      const targets = tf.softmax(tf.div(teacher, this.teacherTemperature));
      const kd = tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(studentScores), targets), 1)));
      let contrastive: tf.Scalar;
      if (this.inBatchNegatives) {
        const all = tf.div(cosSim(anchors, tf.concat(groupColumns, 0)), this.temperature) as tf.Tensor2D;
        contrastive = crossEntropy(all, range(B));
      } else {
        contrastive = crossEntropy(studentScores, new Array<number>(B).fill(0));
      }
      return tf.add(kd, contrastive) as tf.Scalar;
    });
  }

  config(): Record<string, unknown> {
    return {
      temperature: this.temperature,
      teacher_temperature: this.teacherTemperature,
      in_batch_negatives: this.inBatchNegatives,
      kd_loss_type: 'kl_div',
    };
  }
}

/**
 * FlagEmbedding-style distillation from teacher scores; see {@link DistillKLLoss}.
 *
 * @example
 * const loss = distillKL({ temperature: 0.02, teacherTemperature: 1 });
 */
export function distillKL(options: DistillKLOptions = {}): DistillKLLoss {
  return new DistillKLLoss(options);
}
