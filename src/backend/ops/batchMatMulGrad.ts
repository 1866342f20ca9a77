/**
 * Gradient of `matMul` (`BatchMatMul`) that also handles broadcast batches.
 *
 * tfjs-core's gradient returns a gradient with the *output's* batch shape, so
 * `matMul(x [B, S, H], w [H, N])` — a rank-3 activation times a weight —
 * fails in backprop ("gradient of input 'b' has shape 'B,H,N'"). Here the
 * gradient of a broadcast operand is summed over the broadcast axes, and in
 * the common case (a batched, b a single matrix, a not transposed) it is one
 * folded product `reshape(a, [B·S, H])ᵀ · reshape(dy, [B·S, N])` instead of B
 * products and a sum. The other formulas are tfjs's own; on wasm the
 * transposed products they use are made fast by the `BatchMatMul` kernel.
 */
import * as tf from '@tensorflow/tfjs';

function batchSize(shape: readonly number[]): number {
  return tf.util.sizeFromShape(shape.slice(0, -2));
}

/** Sums `grad` over the axes along which `shape` was broadcast, then reshapes to `shape`. */
function reduceTo(grad: tf.Tensor, shape: number[]): tf.Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const axes = tf.broadcast_util.getReductionAxes(shape, grad.shape);
  const summed = axes.length > 0 ? tf.sum(grad, axes) : grad;
  return tf.reshape(summed, shape);
}

export const batchMatMulGradConfig: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const g = dy as tf.Tensor;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const mm = tf.matMul;
    let da: () => tf.Tensor;
    let db: () => tf.Tensor;
    if (!transposeA && !transposeB) {
      da = () => mm(g, b, false, true);
      db = () => mm(a, g, true, false);
    } else if (!transposeA && transposeB) {
      da = () => mm(g, b, false, false);
      db = () => mm(g, a, true, false);
    } else if (transposeA && !transposeB) {
      da = () => mm(b, g, false, true);
      db = () => mm(a, g, false, false);
    } else {
      da = () => mm(b, g, true, true);
      db = () => mm(g, a, true, true);
    }
    const foldB = !transposeA && batchSize(b.shape) === 1 && batchSize(a.shape) > 1;
    if (foldB) {
      // every batch row of a meets the same b: one product over all rows
      const K = a.shape[a.rank - 1]!;
      const N = g.shape[g.rank - 1]!;
      const a2 = () => tf.reshape(a, [-1, K]);
      const g2 = () => tf.reshape(g, [-1, N]);
      db = transposeB ? () => mm(g2(), a2(), true, false) : () => mm(a2(), g2(), true, false);
    }
    return {
      a: () => reduceTo(da(), a.shape),
      b: () => reduceTo(db(), b.shape),
    };
  },
};
