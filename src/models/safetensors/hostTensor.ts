/** Helpers between checkpoint tensors in host memory ({@link HostTensor}) and tfjs variables. */
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from './dtypes';

/** `[rows, cols]` → `[cols, rows]` on the host (row-major). */
export function transposeHost({ shape, data }: HostTensor): HostTensor {
  const [rows, cols] = shape as [number, number];
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!;
  }
  return { shape: [cols, rows], data: out };
}

/** Whether two shapes have the same dimensions in the same order. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A trainable float32 variable holding `tensor` (tfjs gives it a unique name). */
export function toVariable({ shape, data }: HostTensor): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), true));
}
