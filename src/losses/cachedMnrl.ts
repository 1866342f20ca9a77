import { EmbedlabError } from '../util/errors';
import { gradCache } from './gradCache';
import { MultipleNegativesRankingLoss, type MnrlOptions } from './mnrl';
import type { BatchGradients, GradientContext } from './types';

/** Options for {@link cachedMnrl}. */
export interface CachedMnrlOptions extends MnrlOptions {
  /**
   * Texts per forward pass with gradients. Sets memory use, not the result.
   * @default 32
   */
  miniBatchSize?: number;
}

/**
 * CachedMultipleNegativesRankingLoss — MultipleNegativesRankingLoss computed
 * with GradCache (Gao et al., 2021), so the contrastive batch can be far larger
 * than what fits in memory at once.
 *
 * The loss value and gradients are those of {@link MultipleNegativesRankingLoss}
 * on the whole batch. Each step runs in three stages ({@link gradCache}):
 *
 * 1. embed every column in mini-batches of `miniBatchSize` **without** gradients;
 * 2. compute the loss on the stacked embeddings `E` and its gradient `G = ∂L/∂E`;
 * 3. re-run each mini-batch **with** gradients and back-propagate `Σ(E_mb ⊙ G_mb)`,
 *    whose gradient w.r.t. the weights is exactly the mini-batch's share of `∂L/∂θ`.
 *
 * Peak memory is that of one mini-batch plus the `B×d` embeddings; compute is
 * about 1.3× plain MNRL (one extra forward). Unlike gradient accumulation,
 * this really enlarges the set of in-batch negatives.
 * It composes with {@link matryoshka}: `matryoshka(cachedMnrl({ miniBatchSize: 16 }), { dims })`.
 *
 * With dropout on, the two forward passes see the same dropout masks only if the
 * model replays its randomness; otherwise stage 3 uses fresh masks (a small,
 * usually harmless, mismatch).
 *
 * @example
 * import { cachedMnrl, finetune } from 'embedlab';
 * // batch of 512 pairs, 32 texts per forward pass
 * await finetune(model, rows, { loss: cachedMnrl({ miniBatchSize: 32 }), batchSize: 512 });
 */
export class CachedMultipleNegativesRankingLoss extends MultipleNegativesRankingLoss {
  override readonly name: string = 'CachedMultipleNegativesRankingLoss';
  readonly miniBatchSize: number;
  /** GradCache in mini-batches of {@link miniBatchSize} texts. */
  readonly gradients = (context: GradientContext): Promise<BatchGradients> => gradCache(context, this.miniBatchSize);

  constructor(options: CachedMnrlOptions = {}) {
    super(options);
    this.miniBatchSize = options.miniBatchSize ?? 32;
    if (!Number.isInteger(this.miniBatchSize) || this.miniBatchSize < 1) {
      throw new EmbedlabError(`${this.name}: miniBatchSize must be a positive integer, got ${options.miniBatchSize}`);
    }
  }

  override config(): Record<string, unknown> {
    return { ...super.config(), mini_batch_size: this.miniBatchSize };
  }
}

/**
 * MultipleNegativesRankingLoss through GradCache; see {@link CachedMultipleNegativesRankingLoss}.
 *
 * @example
 * const loss = cachedMnrl({ miniBatchSize: 16, scale: 20 });
 */
export function cachedMnrl(options: CachedMnrlOptions = {}): CachedMultipleNegativesRankingLoss {
  return new CachedMultipleNegativesRankingLoss(options);
}
