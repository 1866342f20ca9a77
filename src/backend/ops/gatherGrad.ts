/**
 * Gradient of `gather` (`GatherV2`), as tfjs-core computes it, minus waste.
 *
 * tfjs moves the gathered axis to the front with `transpose` before
 * `unsortedSegmentSum` and moves it back after — for `axis = 0` both are
 * identity permutations, which the backends still execute as full copies of
 * the gradient (for a 30k × 384 embedding table, two 47 MB copies per step).
 * For `axis = 0, batchDims = 0` (every embedding lookup) this computes the
 * segment sum directly; other cases keep tfjs's own formula.
 */
import * as tf from '@tensorflow/tfjs';

type GradFunc = tf.GradConfig['gradFunc'];

const original = tf.getGradient('GatherV2');

const gradFunc: GradFunc = (dy, saved, attrs) => {
  const [x, indices] = saved as [tf.Tensor, tf.Tensor];
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
  const parsedAxis = axis < 0 ? axis + x.rank : axis;
  if (parsedAxis !== 0 || (batchDims ?? 0) !== 0) {
    if (!original) throw new Error('GatherV2 gradient: tfjs-core gradient not registered');
    return original.gradFunc(dy, saved, attrs);
  }
  return {
    x: () => {
      const rows = indices.size;
      const values = tf.reshape(dy as tf.Tensor, [rows, ...x.shape.slice(1)]);
      const ids = tf.reshape(indices, [rows]) as tf.Tensor1D;
      return tf.unsortedSegmentSum(values, ids, x.shape[0]!);
    },
    indices: () => indices,
  };
};

export const gatherGradConfig: tf.GradConfig = {
  kernelName: 'GatherV2',
  inputsToSave: ['x', 'indices'],
  gradFunc,
};
