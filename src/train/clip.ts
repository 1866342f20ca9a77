import * as tf from '@tensorflow/tfjs';

/**
 * Scales gradients in place so their global L2 norm is at most `maxNorm`,
 * as `torch.nn.utils.clip_grad_norm_`: `coef = min(1, maxNorm / (norm + 1e-6))`.
 * Returns the norm before clipping (NaN/Infinity when a gradient is not finite).
 * Replaced tensors are disposed.
 */
export async function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<number> {
  if (grads.size === 0) return 0;
  const normTensor = tf.tidy(() => {
    const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(tf.addN(squares));
  });
  const norm = (await normTensor.data())[0]!;
  normTensor.dispose();
  if (maxNorm > 0 && Number.isFinite(norm)) {
    const coef = Math.min(1, maxNorm / (norm + 1e-6));
    if (coef < 1) {
      for (const [name, g] of grads) {
        grads.set(name, tf.mul(g, coef));
        g.dispose();
      }
    }
  }
  return norm;
}
