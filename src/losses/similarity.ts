import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../models/normalize';

// The losses normalise as the Normalize module does (torch's F.normalize).
export { l2Normalize };

/**
 * Cosine similarity of every row of `a` with every row of `b`: `[a.rows, b.rows]`
 * (sentence-transformers `util.cos_sim`). Uses an explicit transpose: plain
 * matMul is far faster than `transposeB` on the wasm backend.
 */
export function cosSim(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(l2Normalize(a), tf.transpose(l2Normalize(b))));
}

/** Cosine similarity of row i of `a` with row i of `b` (`util.pairwise_cos_sim`). */
export function pairwiseCosSim(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1));
}

/** A `[rows, cols]` 0/1 matrix with ones at `(i, targets[i])`, built on the host (no kernels). */
function oneHotMatrix(targets: ArrayLike<number>, cols: number): tf.Tensor2D {
  const data = new Float32Array(targets.length * cols);
  for (let i = 0; i < targets.length; i++) data[i * cols + targets[i]!] = 1;
  return tf.tensor2d(data, [targets.length, cols]);
}

/**
 * Mean cross-entropy of `logits` `[B, C]` against class `targets[i]` for row i,
 * as `torch.nn.CrossEntropyLoss()`: `mean_i(logsumexp(logits_i) − logits_i[targets_i])`.
 * Uses a one-hot mask rather than `gather`, whose gradient the wasm backend lacks.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: ArrayLike<number>): tf.Scalar {
  return tf.tidy(() => {
    const mask = oneHotMatrix(targets, logits.shape[1]);
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), mask), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** `[0, 1, …, n-1]`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
