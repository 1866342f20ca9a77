/**
 * Memory-bound wasm kernels that tfjs-backend-wasm runs far below memory
 * speed, rewritten in JavaScript on the wasm heap:
 *
 * - `Identity` shares the input's memory (reference-counted, as tfjs's cpu
 *   backend does) instead of copying it. tfjs clones every tensor a taped op
 *   saves for its backward pass, so a training step copied each saved
 *   activation once more.
 * - `Transpose` of the last two axes of large matrices (after merging axes
 *   that stay adjacent, e.g. `[b, s, h, d] → [b, h, d, s]`) is tiled: tfjs's
 *   loop writes one element per cache line there and runs 3–4× slower. The
 *   transposed operand of a weight gradient (`xᵀ·dy`) is such a matrix.
 * - `Sum` over leading axes (bias and LayerNorm gradients) adds rows into
 *   float64 accumulators, one pass over the input; the XNNPACK product with a
 *   row of ones that it replaces packs the whole input first.
 *
 * Nothing here writes to an input, so sharing memory in `Identity` is safe;
 * in-place writers check that a tensor's memory is not shared
 * (`writableValues`).
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './wasmBackend';

/** `Identity`: the output shares the input's memory. */
export function identityShared(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * `perm` as a transpose of the last two axes of `[batch, rows, cols]`, or
 * undefined when it moves axes otherwise. Size-1 axes are dropped and axes
 * that stay adjacent and in order are merged first.
 */
export function asSwapOfLastTwo(shape: readonly number[], perm: readonly number[]): [number, number, number] | undefined {
  const kept = perm.filter((axis) => shape[axis]! !== 1);
  // groups of input axes that move together, in output order
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    const previous = last?.[last.length - 1];
    if (last && previous !== undefined && nextKept(shape, previous) === axis) last.push(axis);
    else groups.push([axis]);
  }
  const size = (group: number[]) => group.reduce((n, axis) => n * shape[axis]!, 1);
  if (groups.length === 2 && groups[0]![0]! > groups[1]![0]!) return [1, size(groups[1]!), size(groups[0]!)];
  if (groups.length === 3 && groups[0]![0]! < groups[2]![0]! && groups[2]![0]! < groups[1]![0]!) {
    return [size(groups[0]!), size(groups[2]!), size(groups[1]!)];
  }
  return undefined;
}

/** The next axis after `axis` whose size is not 1. */
function nextKept(shape: readonly number[], axis: number): number {
  let next = axis + 1;
  while (next < shape.length && shape[next] === 1) next++;
  return next;
}

const TILE = 64;

/**
 * Whether tiling beats tfjs's loop for `[rows, cols]` matrices (measured on
 * x86-64): tfjs's is fast while a matrix fits in cache and slow once the
 * stride of its writes (`rows` floats) reaches a page.
 */
function tilingPays(rows: number, cols: number): boolean {
  return rows >= 1024 || rows * cols >= 2 ** 20;
}

/**
 * Writes the `[batch, cols, rows]` transpose of `x` (`[batch, rows, cols]`)
 * into `out`, in tiles that keep reads and writes within cache.
 */
export function transposeLastTwo(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void {
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r0 = 0; r0 < rows; r0 += TILE) {
        const r1 = Math.min(r0 + TILE, rows);
        for (let c = c0; c < c1; c++) {
          let to = base + c * rows + r0;
          let from = base + r0 * cols + c;
          for (let r = r0; r < r1; r++, to++, from += cols) out[to] = x[from]!;
        }
      }
    }
  }
}

/** A wasm `Transpose` kernel: tiled for last-two-axes swaps of float32, `fallback` otherwise. */
export function transposeKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const swap = x.dtype === 'float32' ? asSwapOfLastTwo(x.shape, perm) : undefined;
    if (!swap || !tilingPays(swap[1], swap[2])) return fallback(args);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(perm.map((axis) => x.shape[axis]!), 'float32');
    // views after makeOutput: allocating may grow (and detach) the heap
    transposeLastTwo(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array, ...swap);
    return out;
  };
}

/**
 * `out[o, j] = Σ_r x[o, r, j]` for `x` as `[outer, reduced, rest]`, added in
 * float64.
 */
export function sumMiddle(x: Float32Array, out: Float32Array, outer: number, reduced: number, rest: number): void {
  const acc = new Float64Array(rest);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let at = o * reduced * rest;
    let r = 0;
    // four rows per pass over the accumulators
    for (; r + 4 <= reduced; r += 4, at += 4 * rest) {
      for (let j = 0, a = at; j < rest; j++, a++) acc[j] += x[a]! + x[a + rest]! + x[a + 2 * rest]! + x[a + 3 * rest]!;
    }
    for (; r < reduced; r++, at += rest) {
      for (let j = 0; j < rest; j++) acc[j] += x[at + j]!;
    }
    for (let j = 0; j < rest; j++) out[o * rest + j] = acc[j]!;
  }
}

/**
 * A wasm `Sum` kernel: reductions over leading or middle axes of float32
 * (`x` as `[outer, reduced, rest]`) by {@link sumMiddle}; `fallback` for
 * innermost reductions (tfjs's are fast) and other dtypes.
 */
export function sumKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 2) return fallback(args);
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    const first = axes[0];
    const last = axes[axes.length - 1];
    if (first === undefined || last === undefined || last === rank - 1 || last - first + 1 !== axes.length) {
      return fallback(args);
    }
    const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
    const reduced = tf.util.sizeFromShape(x.shape.slice(first, last + 1));
    const rest = tf.util.sizeFromShape(x.shape.slice(last + 1));
    if (outer === 0 || reduced === 0 || rest === 0) return fallback(args);
    const shape = keepDims
      ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : x.shape.filter((_, i) => i < first || i > last);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(shape, 'float32');
    sumMiddle(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array, outer, reduced, rest);
    return out;
  };
}
