/**
 * sentence-transformers `Normalize` module: each sentence embedding divided by
 * its L2 norm, so cosine similarity is a dot product.
 *
 * @example
 * const unit = l2Normalize(tf.tensor2d([[3, 4], [0, 0]])); // [[0.6, 0.8], [0, 0]]
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Row-wise L2 normalisation with torch's eps, `x / max(‖x‖, 1e-12)`, written
 * as `x · rsqrt(max(Σx², 1e-24))` so an all-zero row has a zero gradient, not NaN.
 */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), 1e-24))));
}
