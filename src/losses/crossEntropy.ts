import * as tf from '@tensorflow/tfjs';

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
