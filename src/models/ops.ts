/**
 * Small differentiable building blocks shared by the encoders. Shapes are
 * chosen for the wasm backend, whose fast matmul path is a plain 2-D `A·B`
 * (transposed operands are much slower there): Linear weights are held as
 * `[in, out]` so a layer is `x·W + b`.
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../tokenizer/types';
import { fillTensor } from '../backend/fillTensor';
import type { SeedSource } from './recompute';

/**
 * `x·W + b` for `x` `[n, in]`, `W` `[in, out]`, `b` `[out]` (one fused matmul + bias kernel).
 * Its gradient keeps only `x` and `W` (tfjs's fused matMul also keeps the
 * output, which a linear activation never needs: one more activation per
 * layer on the tape).
 */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args) => {
    const [input, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([input, w]);
    const value = tf.fused.matMul({ a: input, b: w, bias: b });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedInput, savedWeight] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, savedWeight, false, true), tf.matMul(savedInput, dy as tf.Tensor2D, true, false), tf.sum(dy, 0)];
    };
    return { value, gradFunc };
  });
  return op(x, weight, bias) as tf.Tensor2D;
}

/**
 * LayerNorm over the last axis: `(x − mean) / sqrt(var + eps) · γ + β` (biased variance, as torch).
 * Its gradient is the closed form (one op, saving only the normalised `x̂`
 * and `1/σ`), not tfjs's walk back through the ~10 ops of the forward.
 */
export function layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): T {
  const op = tf.customGrad((...args) => {
    const [input, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(input, -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const normed = tf.mul(tf.sub(input, mean), rstd);
    save([normed, rstd]);
    const value = tf.add(tf.mul(normed, g), b);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xHat, r] = saved as [tf.Tensor, tf.Tensor];
      const rows = [-1, xHat.shape[xHat.shape.length - 1]!];
      // dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·γ
      const gHat = tf.mul(dy, g);
      const dx = tf.mul(r, tf.sub(tf.sub(gHat, tf.mean(gHat, -1, true)), tf.mul(xHat, tf.mean(tf.mul(gHat, xHat), -1, true))));
      const dy2 = tf.reshape(dy, rows);
      return [dx, tf.sum(tf.mul(dy2, tf.reshape(xHat, rows)), 0), tf.sum(dy2, 0)];
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta) as T;
}

/**
 * Exact GELU, `0.5·x·(1 + erf(x/√2))` (Hugging Face `hidden_act: "gelu"`).
 * The gradient `Φ(x) + x·φ(x)` is one op that keeps only `x`.
 */
export function geluErf<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((...args) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    const value = tf.mul(tf.mul(input, 0.5), tf.add(tf.erf(tf.mul(input, Math.SQRT1_2)), 1));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [t] = saved as [tf.Tensor];
      const cdf = tf.mul(tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1), 0.5);
      // exp(−x²/2) as elu(−x²/2) + 1 (the argument is ≤ 0): tfjs-wasm's Exp is a
      // scalar loop ~10× slower than its vectorised Elu
      const pdf = tf.mul(tf.add(tf.elu(tf.mul(tf.square(t), -0.5)), 1), 1 / Math.sqrt(2 * Math.PI));
      return tf.mul(dy, tf.add(cdf, tf.mul(t, pdf)));
    };
    return { value, gradFunc };
  });
  return op(x) as T;
}

/** tanh-approximated GELU (`gelu_new`, `gelu_pytorch_tanh`). */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}

/** The activation named by a Hugging Face `hidden_act`, or undefined if unsupported. */
export function activation(name: string): (<T extends tf.Tensor>(x: T) => T) | undefined {
  switch (name) {
    case 'gelu':
      return geluErf;
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return geluTanh;
    case 'relu':
      return (x) => tf.relu(x);
    case 'silu':
    case 'swish':
      return (x) => tf.mul(x, tf.sigmoid(x));
    default:
      return undefined;
  }
}

/**
 * Inverted dropout with a seeded mask; the identity when `rate` is 0 or not
 * training (so inference and rate-0 training are exact). Each element is
 * dropped with probability `rate` and the rest scaled by `1 / (1 − rate)`;
 * the mask depends only on the seed drawn from `random` and the element's
 * index, on every backend. The op keeps only the mask for its gradient
 * (`dy · mask`).
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, random: SeedSource): T {
  if (!training || rate <= 0) return x;
  const seed = random.int(2 ** 31);
  const op = tf.customGrad((...args) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const multiplier = dropoutMultiplier(input.shape, rate, seed);
    save([multiplier]);
    return { value: tf.mul(input, multiplier), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!) };
  });
  return op(x) as T;
}

/**
 * Writes an inverted-dropout multiplier into `out`: 0 with probability
 * `rate`, else `1 / (1 − rate)`, element `i` decided by a hash of
 * (`seed`, `i`): a Weyl sequence, xor-ed with a second key from the seed
 * (so two seeds' masks are not shifted copies of each other), through
 * MurmurHash3's finaliser. A few ns per element, which matters for the
 * `[batch, heads, seq, seq]` attention masks of every layer.
 */
export function dropoutMask(out: Float32Array, rate: number, seed: number): void {
  const threshold = rate * 2 ** 32;
  const scale = Math.fround(1 / (1 - rate));
  let state = Math.imul(seed | 0, 0x2c1b3c6d);
  const key = Math.imul((seed | 0) ^ 0x5bd1e995, 0x27d4eb2d);
  for (let i = 0; i < out.length; i++) {
    state = (state + 0x9e3779b9) | 0;
    const w = state ^ key;
    let z = Math.imul(w ^ (w >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    out[i] = z >>> 0 < threshold ? 0 : scale;
  }
}

/**
 * Rows `ids` of `table` (`[vocab, dim]`) → `[ids.length, dim]`. The gradient
 * w.r.t. the table is a `scatterND` of the incoming rows (duplicates add up),
 * which every backend has — tfjs's own gather gradient needs
 * `UnsortedSegmentSum`, which the wasm backend lacks.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const lookup = tf.customGrad((...args) => {
    const [t, indices, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([indices]); // kept alive for the backward pass (the forward's tidy would dispose it)
    // same values either way; wasm's GatherV2 copies element by element, GatherNd whole rows
    const value = (tf.getBackend() === 'wasm' ? tf.gatherND(t, tf.expandDims(indices, 1)) : tf.gather(t, indices)) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const kept = saved[0] as tf.Tensor1D;
      return [tf.scatterND(tf.expandDims(kept, 1), dy, t.shape), tf.zerosLike(kept)];
    };
    return { value, gradFunc };
  });
  return lookup(table, ids);
}

/** The inverted-dropout multiplier of `shape` for `seed` (see {@link dropoutMask}), written where the backend keeps it. */
function dropoutMultiplier(shape: number[], rate: number, seed: number): tf.Tensor {
  return fillTensor(shape, (values) => dropoutMask(values, rate, seed));
}

/** Options of {@link attentionCore}. */
export interface AttentionCoreOptions {
  /** Multiplies the scores `q·kᵀ` (usually `1/√headDim`). */
  scale: number;
  /** Dropout on the attention probabilities. @default 0 */
  dropoutRate?: number;
  /** Seed of the dropout mask (see {@link dropoutMask}); no dropout without one. */
  dropoutSeed?: number;
}

/**
 * Scaled dot-product attention of every head as one op:
 * `dropout(softmax(q·kᵀ·scale + mask))·v` for `q`, `v` `[batch, heads, seq,
 * headDim]`, `kT` `[batch, heads, headDim, seq]` and an additive `mask`
 * broadcast to the scores (not differentiated). Its gradient is the closed
 * form and keeps `q`, `kT`, `v`, the probabilities and the dropout mask —
 * not the scores, the masked scores or the dropped probabilities that the
 * ops of the forward would each keep.
 */
export function attentionCore(q: tf.Tensor4D, kT: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor, options: AttentionCoreOptions): tf.Tensor4D {
  const { scale, dropoutRate = 0, dropoutSeed } = options;
  const dropping = dropoutSeed !== undefined && dropoutRate > 0;
  const op = tf.customGrad((...args) => {
    const [query, keyT, value, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const probs = tf.softmax(tf.add(tf.matMul(tf.mul(query, scale), keyT), mask));
    const multiplier = dropping ? dropoutMultiplier(probs.shape, dropoutRate, dropoutSeed) : undefined;
    save(multiplier ? [query, keyT, value, probs, multiplier] : [query, keyT, value, probs]);
    const out = tf.matMul(multiplier ? tf.mul(probs, multiplier) : probs, value);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sq, sk, sv, p, m] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D | undefined];
      const dOut = dy as tf.Tensor4D;
      const dValue = tf.matMul(m ? tf.mul(p, m) : p, dOut, true, false);
      const dDropped = tf.matMul(dOut, sv, false, true);
      const dProbs = m ? tf.mul(dDropped, m) : dDropped;
      // softmax: dz = p ⊙ (dp − Σ p ⊙ dp)
      const dScores = tf.mul(p, tf.sub(dProbs, tf.sum(tf.mul(p, dProbs), -1, true)));
      const dQuery = tf.mul(tf.matMul(dScores, sk, false, true), scale);
      const dKeyT = tf.matMul(tf.mul(sq, scale), dScores, true, false);
      return [dQuery, dKeyT, dValue];
    };
    return { value: out, gradFunc };
  });
  return op(q, kT, v) as tf.Tensor4D;
}

/** Added to attention scores of padded keys: exp() of it underflows to exactly 0. */
export const MASKED_SCORE = -1e9;

/** `[batch, 1, 1, seq]` additive key mask of `batch`: 0 for real tokens, {@link MASKED_SCORE} for padding. */
export function attentionMaskBias(batch: TokenBatch): tf.Tensor4D {
  return tf.tidy(() =>
    tf.reshape(tf.mul(tf.sub(1, tf.tensor1d(batch.attentionMask, 'float32')), MASKED_SCORE), [batch.batchSize, 1, 1, batch.seqLength]),
  );
}

export interface SelfAttentionShape {
  batchSize: number;
  seqLength: number;
  heads: number;
  /** `[batch, 1, 1, seq]` from {@link attentionMaskBias}. */
  mask: tf.Tensor;
  /** Added to the scores before the mask, broadcast to `[batch, heads, seq, seq]` (e.g. MPNet's relative position bias). */
  bias?: tf.Tensor;
  /** Applied to the attention probabilities (dropout). */
  dropProbs?: (probs: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * Multi-head self-attention `softmax(q·kᵀ + bias + mask)·v` over `heads` for
 * `q`, `k`, `v` `[batch·seq, hidden]` (`q` already scaled by `1/√headDim`, as
 * DistilBERT does; the same scores as scaling the product). Returns the
 * heads' contexts concatenated, `[batch·seq, hidden]`.
 */
export function selfAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, shape: SelfAttentionShape): tf.Tensor2D {
  const { batchSize: b, seqLength: len, heads } = shape;
  const hidden = q.shape[1];
  const headDim = hidden / heads;
  return tf.tidy(() => {
    // q, v → [b, heads, len, headDim]; k → [b, heads, headDim, len] so scores are a plain q·kᵀ
    const qh = tf.transpose(tf.reshape(q, [b, len, heads, headDim]), [0, 2, 1, 3]);
    const kT = tf.transpose(tf.reshape(k, [b, len, heads, headDim]), [0, 2, 3, 1]);
    const vh = tf.transpose(tf.reshape(v, [b, len, heads, headDim]), [0, 2, 1, 3]);
    let scores = tf.matMul(qh, kT) as tf.Tensor4D;
    if (shape.bias) scores = tf.add(scores, shape.bias);
    let probs = tf.softmax(tf.add(scores, shape.mask)) as tf.Tensor4D;
    if (shape.dropProbs) probs = shape.dropProbs(probs);
    return tf.reshape(tf.transpose(tf.matMul(probs, vh), [0, 2, 1, 3]), [b * len, hidden]) as tf.Tensor2D;
  });
}

/** `x·W` for `x` `[n, in]`, `W` `[in, out]`: a Linear layer without bias (`nn.Linear(bias=False)`). */
export function linearNoBias(x: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, weight);
}

/** LayerNorm over the last axis without the shift β (`nn.LayerNorm(bias=False)`): `(x − mean) / sqrt(var + eps) · γ`. */
export function layerNormNoBias<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma) as T;
  });
}

/**
 * Rotary position embedding in the GPT-NeoX layout (transformers'
 * `apply_rotary_pos_emb` with `rotate_half`): `x·cos + rotate_half(x)·sin`,
 * where `rotate_half([x₁, x₂]) = [−x₂, x₁]` over the two halves of the last
 * axis. `cos` and `sin` broadcast against `x` (last axis the head size).
 */
export function rotary<T extends tf.Tensor>(x: T, cos: tf.Tensor, sin: tf.Tensor): T {
  return tf.tidy(() => {
    const half = x.shape[x.rank - 1]! / 2;
    const [x1, x2] = tf.split(x, [half, half], -1);
    const rotated = tf.concat([tf.neg(x2!), x1!], -1);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as T;
  });
}
