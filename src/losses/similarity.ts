import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../models/pooling/normalize';

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
