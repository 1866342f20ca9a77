/**
 * Tensors whose values are computed in JavaScript, written where the backend
 * keeps them.
 */
import * as tf from '@tensorflow/tfjs';
import { isWasmBackend } from './ops/wasmBackend';

/**
 * A float32 tensor of `shape` whose values `fill` writes. On wasm `fill`
 * writes straight into the tensor's memory in the wasm heap; elsewhere into a
 * fresh `Float32Array` that becomes the tensor. Large masks made this way
 * skip a JavaScript array the size of the tensor and its copy (on wasm a
 * fresh array also costs page faults on every use).
 *
 * @example
 * const ramp = fillTensor([2, 3], (values) => values.forEach((_, i) => (values[i] = i)));
 */
export function fillTensor(shape: number[], fill: (values: Float32Array) => void): tf.Tensor {
  const backend = tf.backend();
  if (isWasmBackend(backend)) {
    const info = backend.makeOutput(shape, 'float32');
    fill(backend.typedArrayFromHeap(info) as Float32Array);
    return tf.engine().makeTensorFromTensorInfo(info, backend);
  }
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  fill(values);
  return tf.tensor(values, shape, 'float32');
}
