import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../util/errors';
import { Random } from '../util/random';
import { l2Normalize } from './similarity';
import type { BatchGradients, GradientContext, Loss, LossExtra, LossRequirements } from './types';

/** Options for {@link matryoshka}. */
export interface MatryoshkaOptions {
  /** Prefix lengths to train, e.g. `[768, 512, 256, 128, 64]` (any order; sorted largest first). */
  dims: number[];
  /**
   * One weight per dim, in the order given.
   * @default all 1
   */
  weights?: number[];
  /**
   * Train only this many randomly chosen dims per step; -1 trains all of them.
   * The choice is seeded per optimizer step, so runs and resumes reproduce it.
   * @default -1
   */
  nDimsPerStep?: number;
}

/**
 * MatryoshkaLoss (Kusupati et al., 2022) as in sentence-transformers v5: the
 * inner loss applied to the first `d` dimensions of every embedding, for each
 * `d` in `dims`, summed with weights:
 *
 * ```text
 * L = Σ_d w_d · L_inner( normalize(E[:, :d]) )      (dims largest first, w_d default 1)
 * ```
 *
 * The embeddings are computed once per step and truncated per dim (not one
 * forward pass per dim); each truncated prefix is re-normalised, which is
 * what cosine-similarity losses see anyway. Models trained this way can be
 * used at any of the dims with little loss of quality.
 *
 * This is a **sum**, as sentence-transformers does: with 5 dims the loss (and
 * the gradient scale) is ~5× the inner loss. FlagEmbedding and open-retrievals
 * **average** over dims instead; to reproduce them, pass `weights` of `1/dims.length`.
 *
 * Wraps any loss, including {@link cachedMnrl} (the GradCache path then
 * differentiates this whole sum w.r.t. the cached embeddings).
 *
 * @example
 * import { matryoshka, mnrl } from 'embedlab';
 * const loss = matryoshka(mnrl(), { dims: [768, 512, 256, 128, 64] });
 * const weighted = matryoshka(mnrl(), { dims: [768, 256, 64], weights: [1, 0.5, 0.25] });
 */
export class MatryoshkaLoss implements Loss {
  readonly name = 'MatryoshkaLoss';
  readonly requires: LossRequirements;
  readonly miniBatchSize?: number;
  /** The inner loss's own gradient path (GradCache), applied to this whole sum. */
  readonly gradients?: (context: GradientContext) => Promise<BatchGradients>;
  /** Dims, largest first. */
  readonly dims: number[];
  /** Weights matching {@link dims}. */
  readonly weights: number[];
  readonly nDimsPerStep: number;
  private readonly fallbackRandom = new Random(0);

  constructor(
    readonly inner: Loss,
    options: MatryoshkaOptions,
  ) {
    const { dims, weights = dims.map(() => 1), nDimsPerStep = -1 } = options;
    if (!Array.isArray(dims) || dims.length === 0) {
      throw new EmbedlabError('MatryoshkaLoss: dims must be a non-empty list, e.g. [768, 512, 256, 128, 64]');
    }
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 1) throw new EmbedlabError(`MatryoshkaLoss: dim ${d} is not a positive integer`);
    }
    if (new Set(dims).size !== dims.length) throw new EmbedlabError(`MatryoshkaLoss: dims [${dims}] repeat a value`);
    if (weights.length !== dims.length) {
      throw new EmbedlabError(`MatryoshkaLoss: ${weights.length} weights for ${dims.length} dims; give one weight per dim`);
    }
    for (const w of weights) {
      if (!Number.isFinite(w)) throw new EmbedlabError(`MatryoshkaLoss: weight ${w} is not a finite number`);
    }
    if (!Number.isInteger(nDimsPerStep) || nDimsPerStep === 0 || nDimsPerStep < -1) {
      throw new EmbedlabError(`MatryoshkaLoss: nDimsPerStep must be -1 (all) or a positive integer, got ${nDimsPerStep}`);
    }
    const order = dims.map((_, i) => i).sort((a, b) => dims[b]! - dims[a]!);
    this.dims = order.map((i) => dims[i]!);
    this.weights = order.map((i) => weights[i]!);
    this.nDimsPerStep = nDimsPerStep;
    this.requires = inner.requires;
    if (inner.miniBatchSize !== undefined) this.miniBatchSize = inner.miniBatchSize;
    if (inner.gradients) this.gradients = inner.gradients;
  }

  compute(embeddings: tf.Tensor2D[], labels?: tf.Tensor1D, extra?: LossExtra): tf.Scalar {
    const full = embeddings[0]?.shape[1] ?? 0;
    if (this.dims[0]! > full) {
      throw new EmbedlabError(`MatryoshkaLoss: dim ${this.dims[0]} is larger than the embedding dimension ${full}`);
    }
    const chosen = this.chooseDims(extra?.random ?? this.fallbackRandom);
    return tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      for (const k of chosen) {
        const dim = this.dims[k]!;
        const truncated = embeddings.map((e) => l2Normalize(dim === full ? e : tf.slice(e, [0, 0], [-1, dim])));
        const value = this.inner.compute(truncated, labels, extra);
        total = tf.add(total, tf.mul(value, this.weights[k]!));
      }
      return total;
    });
  }

  /** Indices into {@link dims} trained this step, in descending-dim order. */
  private chooseDims(random: Random): number[] {
    const all = this.dims.map((_, i) => i);
    if (this.nDimsPerStep === -1 || this.nDimsPerStep >= all.length) return all;
    return random.shuffle(all).slice(0, this.nDimsPerStep).sort((a, b) => a - b);
  }

  config(): Record<string, unknown> {
    return {
      loss: this.inner.name,
      matryoshka_dims: this.dims,
      matryoshka_weights: this.weights,
      n_dims_per_step: this.nDimsPerStep,
    };
  }
}

/**
 * Wraps `inner` in a {@link MatryoshkaLoss}.
 *
 * @example
 * const loss = matryoshka(mnrl(), { dims: [768, 512, 256, 128, 64] });
 */
export function matryoshka(inner: Loss, options: MatryoshkaOptions): MatryoshkaLoss {
  return new MatryoshkaLoss(inner, options);
}
