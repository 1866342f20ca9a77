/**
 * Writing a tensor's values in place, where the backend allows it.
 *
 * Replacing a large weight each step (`variable.assign(newTensor)`) makes the
 * wasm backend allocate a second copy before freeing the first; with weights
 * of every size being replaced, the heap fragments and grows well past what
 * is live. An optimizer that updates the weight's own memory avoids that.
 */
import * as tf from '@tensorflow/tfjs';
import { fastKernelsInEffect } from './ops';
import { isWasmBackend } from './ops/wasmBackend';

/**
 * A view of `tensor`'s float32 values in the wasm heap that may be written,
 * or undefined when that is not possible or not safe: another backend,
 * another tensor sharing the same memory, or tfjs's own matMul kernels
 * (they cache an XNNPACK operator with a packed copy of a weight per tensor,
 * which an in-place write would leave stale; embedlab's pass weights as
 * fresh views). Valid until the next allocation on the backend (the heap may
 * grow and move).
 *
 * @example
 * const values = writableValues(weight);
 * if (values) for (let i = 0; i < values.length; i++) values[i] *= 0.5;
 * else weight.assign(tf.mul(weight, 0.5));
 */
export function writableValues(tensor: tf.Tensor): Float32Array | undefined {
  if (tensor.dtype !== 'float32' || tensor.isDisposed) return undefined;
  const backend = tf.backend();
  if (!isWasmBackend(backend) || !fastKernelsInEffect().includes('_FusedMatMul')) return undefined;
  const data = backend.dataIdMap.get(tensor.dataId);
  if (!data || data.refCount !== 1 || data.memoryOffset == null) return undefined;
  return new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, tensor.size);
}
