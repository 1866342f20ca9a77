/**
 * Faster `BatchMatMul` and `_FusedMatMul` kernels for the wasm backend.
 *
 * tfjs-backend-wasm multiplies through XNNPACK only when both operands are
 * single matrices (batch 1) and neither is transposed; every other case —
 * `transposeA`, `transposeB`, batched attention products, even a rank-3
 * activation times a rank-2 weight — falls to a scalar triple loop that is
 * 10–50× slower. Every matMul gradient is one of those cases.
 *
 * These kernels route every case to the XNNPACK path:
 * - a transposed operand is transposed explicitly first (the Transpose kernel
 *   is memory-bound and cheap), or, when that moves fewer elements, the
 *   product is computed as `Cᵀ = op(B)ᵀ·op(A)ᵀ` and the result transposed;
 * - `[batch, M, K] · [K, N]` is folded into one `[batch·M, K] · [K, N]`;
 * - `[batch, M, K] · [batch, K, N]` runs one XNNPACK product per batch entry
 *   on zero-copy views into the operands' memory.
 * Results are the same float32 products, summed by XNNPACK instead of the
 * triple loop (so they agree to float32 rounding, not bit for bit).
 */
import * as tf from '@tensorflow/tfjs';
import {
  CFunction,
  WasmBackend,
  WasmTensorData,
  createView,
  releaseView,
  shapeBytes,
} from './wasmBackend';

/** Cost of packing one element of a product's right operand, in element copies (measured on x86-64). */
const PACK_COST = 2;

/** tfjs-backend-wasm's FusableActivation enum values we can pass through. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

interface MatMulCall {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** Rank-1 bias of length N (fused kernel only). */
  bias?: tf.TensorInfo;
  /** FusableActivation value (linear, relu or relu6). */
  activation: number;
}

/** Operand shapes as [batch, rows, cols]. */
function as3d(shape: readonly number[]): [number, number, number] {
  const rank = shape.length;
  return [tf.util.sizeFromShape(shape.slice(0, -2)), shape[rank - 2]!, shape[rank - 1]!];
}

/**
 * Creates the fast kernels for one backend instance; `fallback` runs the
 * cases they do not handle (non-float32, odd broadcasting, fused activations
 * other than relu/relu6, PReLU weights).
 */
export function createWasmMatMulKernels(
  backend: WasmBackend,
  originalBatchMatMul: tf.KernelFunc,
  originalFusedMatMul: tf.KernelFunc | undefined,
): { batchMatMul: tf.KernelFunc; fusedMatMul: tf.KernelFunc } {
  // _FusedMatMul's C entry covers plain products too (linear, no bias).
  const cFusedMatMul: CFunction = backend.wasm.cwrap('_FusedMatMul', null, [
    'number', 'array', 'number', 'number', 'array', 'number',
    'number', 'number', 'number', 'number', 'number', 'number', 'number',
  ]);
  const data = (info: tf.TensorInfo): WasmTensorData => backend.dataIdMap.get(info.dataId);

  /** Transposes the last two axes of a [batch, r, c] tensor. */
  function transpose3d(info: tf.TensorInfo, shape3: [number, number, number]): tf.TensorInfo {
    const x = { dataId: info.dataId, shape: shape3, dtype: info.dtype };
    // looked up per call: the registered kernel is embedlab's tiled one (see wasmMemoryKernels.ts)
    return tf.getKernel('Transpose', 'wasm')!.kernelFunc({ inputs: { x }, backend, attrs: { perm: [0, 2, 1] } }) as tf.TensorInfo;
  }

  /** One XNNPACK product `out[M,N] = a[M,K]·b[K,N]` on C tensor ids. */
  function callPlain(aId: number, M: number, K: number, bId: number, N: number, outId: number, biasId: number, activation: number): void {
    cFusedMatMul(aId, shapeBytes([1, M, K]), 3, bId, shapeBytes([1, K, N]), 3, false, false, activation, biasId, 0, 0, outId);
  }

  /**
   * `a [batchA, M, K] · b [batchB, K, N]` with no transposes, written into a
   * new [batch, M, N] output; batchA and batchB are equal or one of them is 1.
   */
  function plainProduct(
    a: tf.TensorInfo, batchA: number, M: number, K: number,
    b: tf.TensorInfo, batchB: number, N: number,
    bias: tf.TensorInfo | undefined, activation: number,
  ): tf.TensorInfo {
    const batch = Math.max(batchA, batchB);
    const out = backend.makeOutput([batch, M, N], 'float32');
    const aData = data(a);
    const bData = data(b);
    const outData = data(out);
    const biasId = bias ? data(bias).id : 0;
    if (batchB === 1) {
      // One product: the batch rows of `a` are just more rows. `b` goes in as
      // a temporary view even here: the C side caches an XNNPACK operator
      // (with a packed copy of b) per b id until that tensor is disposed —
      // memory held for every activation used as b, and a stale operator if
      // the same tensor is later used with another 2-D interpretation.
      const bView = createView(backend, bData, 0, K * N);
      callPlain(aData.id, batchA * M, K, bView, N, outData.id, biasId, activation);
      releaseView(backend, bView);
      return out;
    }
    for (let i = 0; i < batch; i++) {
      const aView = batchA === 1 ? -1 : createView(backend, aData, i * M * K, M * K);
      const bView = createView(backend, bData, i * K * N, K * N);
      const outView = createView(backend, outData, i * M * N, M * N);
      callPlain(aView === -1 ? aData.id : aView, M, K, bView, N, outView, biasId, activation);
      if (aView !== -1) releaseView(backend, aView);
      releaseView(backend, bView);
      releaseView(backend, outView);
    }
    return out;
  }

  /** Returns the [batch, M, N] product, or undefined to use the fallback. */
  function product(call: MatMulCall): tf.TensorInfo | undefined {
    const { a, b, transposeA, transposeB, bias, activation } = call;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const aShape = as3d(a.shape);
    const bShape = as3d(b.shape);
    const [batchA] = aShape;
    const [batchB] = bShape;
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
    const M = transposeA ? aShape[2] : aShape[1];
    const K = transposeA ? aShape[1] : aShape[2];
    const N = transposeB ? bShape[1] : bShape[2];
    if (M === 0 || N === 0 || K === 0) return undefined;
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== N)) return undefined;
    const batch = Math.max(batchA, batchB);

    // Memory traffic of each plan, transpose the operands or compute Cᵀ, in
    // element copies: every product also packs its right operand (XNNPACK
    // repacks it on each call, single-threaded, at about twice the cost of a
    // tiled transpose per element), so the larger operand should be on the left.
    const direct = (transposeA ? batchA * M * K : 0) + (transposeB ? batchB * K * N : 0) + PACK_COST * batchB * K * N;
    const swapped = (transposeB ? 0 : batchB * K * N) + (transposeA ? 0 : batchA * M * K) + batch * M * N + PACK_COST * batchA * M * K;
    const temps: tf.TensorInfo[] = [];
    try {
      if (direct <= swapped || bias) {
        const aPlain = transposeA ? transpose3d(a, aShape) : a;
        const bPlain = transposeB ? transpose3d(b, bShape) : b;
        if (transposeA) temps.push(aPlain);
        if (transposeB) temps.push(bPlain);
        return plainProduct(aPlain, batchA, M, K, bPlain, batchB, N, bias, activation);
      }
      // Cᵀ [N, M] = op(B)ᵀ [N, K] · op(A)ᵀ [K, M]
      const bT = transposeB ? b : transpose3d(b, bShape);
      const aT = transposeA ? a : transpose3d(a, aShape);
      if (!transposeB) temps.push(bT);
      if (!transposeA) temps.push(aT);
      const outT = plainProduct(bT, batchB, N, K, aT, batchA, M, undefined, activation);
      temps.push(outT);
      return transpose3d(outT, [batch, N, M]);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  }

  const batchMatMul: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const out = product({ a, b, transposeA, transposeB, activation: 0 });
    if (!out) return originalBatchMatMul(args);
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    out.shape = [...outer, out.shape[1]!, out.shape[2]!];
    return out;
  };

  const fusedMatMul: tf.KernelFunc = (args) => {
    const inputs = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean; activation: string };
    const activation = ACTIVATIONS[attrs.activation];
    const out =
      activation === undefined || inputs.preluActivationWeights
        ? undefined
        : product({ a: inputs.a, b: inputs.b, transposeA: attrs.transposeA, transposeB: attrs.transposeB, bias: inputs.bias ?? undefined, activation });
    if (out) return out;
    if (!originalFusedMatMul) throw new Error('_FusedMatMul: no wasm kernel for this case');
    return originalFusedMatMul(args);
  };

  return { batchMatMul, fusedMatMul };
}
