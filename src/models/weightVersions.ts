/**
 * Write counters for weights changed in place (without `Variable.assign`,
 * which gives the variable new data): whoever writes a weight's memory
 * directly calls {@link markWeightWritten}, so copies of the weights (the
 * onnxruntime inference session) know to refresh.
 */
import type * as tf from '@tensorflow/tfjs';

const versions = new WeakMap<tf.Variable, number>();

export function markWeightWritten(variable: tf.Variable): void {
  versions.set(variable, (versions.get(variable) ?? 0) + 1);
}

/**
 * A token that changes whenever any of `variables` is assigned or written in
 * place: each variable's data handle and write count.
 */
export function weightsFingerprint(variables: Iterable<tf.Variable>): unknown[] {
  const out: unknown[] = [];
  for (const v of variables) out.push((v as unknown as { dataId: object }).dataId, versions.get(v) ?? 0);
  return out;
}

export function sameFingerprint(a: unknown[] | undefined, b: unknown[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}
