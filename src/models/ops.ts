/**
 * Small differentiable building blocks shared by the encoders. Shapes are
 * chosen for the wasm backend, whose fast matmul path is a plain 2-D `A·B`
 * (transposed operands are much slower there): Linear weights are held as
 * `[in, out]` so a layer is `x·W + b`.
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../tokenizer/types';
import type { Random } from '../util/random';

/** `x·W + b` for `x` `[n, in]`, `W` `[in, out]`, `b` `[out]` (one fused matmul + bias kernel). */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: weight, bias }) as tf.Tensor2D;
}

/** LayerNorm over the last axis: `(x − mean) / sqrt(var + eps) · γ + β` (biased variance, as torch). */
export function layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gamma), beta) as T;
  });
}

/** Exact GELU, `0.5·x·(1 + erf(x/√2))` (Hugging Face `hidden_act: "gelu"`). */
export function geluErf<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
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
 * training (so inference and rate-0 training are exact).
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, random: Random): T {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, random.int(2 ** 31)) as T;
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
