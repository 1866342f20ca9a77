import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fastKernelsInEffect, registerFastKernels } from '../src/backend/ops';
import { guardWasmHeap, WasmHeapExhaustedError } from '../src/backend/ops/heapGuard';
import type { WasmBackend } from '../src/backend/ops/wasmBackend';
import { writableValues } from '../src/backend/writableValues';
import { Random } from '../src/util/random';

// The wasm kernels are checked against tfjs's pure-JS cpu backend, which
// runs tfjs's own kernels and gradients (the gather gradient is ours on both,
// so it is checked against a hand computation instead).

let previousBackend = '';
before(async () => {
  previousBackend = tf.getBackend();
  assert.ok(await tf.setBackend('wasm'), 'wasm backend starts');
  registerFastKernels();
});
after(async () => {
  if (previousBackend) await tf.setBackend(previousBackend);
});

const random = new Random(7);
function values(shape: number[]): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: n }, () => random.normal());
}

interface Input {
  shape: number[];
  data: Float32Array;
}
const input = (shape: number[]): Input => ({ shape, data: values(shape) });

interface Result {
  shape: number[];
  data: Float32Array[];
}

/** Runs `f` on `backend` with fresh tensors made from `inputs`; returns every output's data. */
async function on(backend: string, inputs: Input[], f: (...xs: tf.Tensor[]) => tf.Tensor[]): Promise<Result> {
  assert.ok(await tf.setBackend(backend));
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  const outs = f(...xs);
  const result = { shape: outs[0]!.shape, data: outs.map((o) => o.dataSync() as Float32Array) };
  tf.dispose([...xs, ...outs]);
  await tf.setBackend('wasm');
  return result;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-4 * (1 + Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance)) {
      assert.fail(`${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
    }
  }
}

/** Repeats a single matrix along new leading batch axes (its gradient sums them back). */
function tileTo(x: tf.Tensor, batch: number[]): tf.Tensor {
  if (x.rank > 2 || batch.length === 0) return x;
  const expanded = tf.reshape(x, [...batch.map(() => 1), ...x.shape]);
  return tf.tile(expanded, [...batch, 1, 1]);
}

/**
 * Output and gradients (w.r.t. a and b) of sum(matMul(a, b) * weight). With
 * `tile`, a broadcast operand is tiled explicitly first, so the gradient's
 * summing over broadcast axes is done by tfjs's own `tile` gradient.
 */
function matMulAndGrads(transposeA: boolean, transposeB: boolean, tile = false) {
  return (a: tf.Tensor, b: tf.Tensor, weight: tf.Tensor): tf.Tensor[] => {
    const batch = weight.shape.slice(0, -2);
    const product = (x: tf.Tensor, y: tf.Tensor) =>
      tile ? tf.matMul(tileTo(x, batch), tileTo(y, batch), transposeA, transposeB) : tf.matMul(x, y, transposeA, transposeB);
    const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(product(x, y), weight)));
    return [product(a, b), ...grads([a, b])];
  };
}

function operandShape(batch: number[], rows: number, cols: number, transposed: boolean): number[] {
  return [...batch, ...(transposed ? [cols, rows] : [rows, cols])];
}

// (M, K, N) pairs chosen so that each transposed case takes both plans:
// transposing the operands, and computing Cᵀ = op(B)ᵀ·op(A)ᵀ.
const SIZES: [number, number, number][] = [
  [9, 7, 3],
  [3, 7, 9],
];
// batch dims of a and b: single matrices, batched, broadcast either way, rank 4
const BATCHES: [number[], number[]][] = [
  [[], []],
  [[4], [4]],
  [[4], []],
  [[], [4]],
  [[2, 3], [2, 3]],
];

for (const transposeA of [false, true]) {
  for (const transposeB of [false, true]) {
    test(`wasm matMul transposeA=${transposeA} transposeB=${transposeB}: output and gradients match the cpu backend`, async () => {
      for (const [M, K, N] of SIZES) {
        for (const [batchA, batchB] of BATCHES) {
          const outBatch = batchA.length >= batchB.length ? batchA : batchB;
          const inputs = [
            input(operandShape(batchA, M, K, transposeA)),
            input(operandShape(batchB, K, N, transposeB)),
            input([...outBatch, M, N]),
          ];
          const label = `M${M} K${K} N${N} a[${batchA}] b[${batchB}]`;
          const expected = await on('cpu', inputs, matMulAndGrads(transposeA, transposeB, true));
          const actual = await on('wasm', inputs, matMulAndGrads(transposeA, transposeB));
          assert.deepEqual(actual.shape, expected.shape, `${label}: output shape`);
          ['output', 'da', 'db'].forEach((name, k) => assertClose(actual.data[k]!, expected.data[k]!, `${label} ${name}`));
        }
      }
    });
  }
}

test('wasm fused matMul (bias + relu, transposed operands) and its gradients match the cpu backend', async () => {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const [M, K, N] = [6, 5, 4];
    const inputs = [
      input(operandShape([3], M, K, transposeA)),
      input(operandShape([3], K, N, transposeB)),
      input([N]),
      input([3, M, N]),
    ];
    const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor, weight: tf.Tensor): tf.Tensor[] => {
      const fused = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
        tf.fused.matMul({ a: x as tf.Tensor3D, b: y as tf.Tensor3D, bias: z, transposeA, transposeB, activation: 'relu' });
      const grads = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(fused(x, y, z), weight)));
      return [fused(a, b, bias), ...grads([a, b, bias])];
    };
    const expected = await on('cpu', inputs, f);
    const actual = await on('wasm', inputs, f);
    ['output', 'da', 'db', 'dbias'].forEach((name, k) =>
      assertClose(actual.data[k]!, expected.data[k]!, `transposeA=${transposeA} transposeB=${transposeB} ${name}`),
    );
  }
});

test('wasm: embedding gradient (gather) sums the upstream gradient into the looked-up rows', () => {
  const table = tf.tensor(values([10, 4]), [10, 4]);
  const ids = tf.tensor2d([[1, 3, 1], [9, 0, 3]], [2, 3], 'int32');
  const weightData = values([2, 3, 4]);
  const weight = tf.tensor(weightData, [2, 3, 4]);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weight)))(table);
  const expected = new Float32Array(40);
  [1, 3, 1, 9, 0, 3].forEach((row, position) => {
    for (let j = 0; j < 4; j++) expected[row * 4 + j]! += weightData[position * 4 + j]!;
  });
  assert.deepEqual(grad.shape, [10, 4]);
  assertClose(grad.dataSync() as Float32Array, expected, 'table gradient');
  tf.dispose([table, ids, weight, grad]);
});

test('wasm: gather along axis 1 keeps tfjs gradient semantics (cpu backend agrees)', async () => {
  const inputs = [
    input([3, 5, 2]),
    input([3, 4, 2]),
  ];
  const f = (x: tf.Tensor, weight: tf.Tensor): tf.Tensor[] => {
    const idx = tf.tensor1d([4, 0, 4, 2], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, 1), weight)))(x);
    idx.dispose();
    return [g];
  };
  const expected = await on('cpu', inputs, f);
  const actual = await on('wasm', inputs, f);
  assertClose(actual.data[0]!, expected.data[0]!, 'axis-1 gather gradient');
});

test('wasm: UnsortedSegmentSum exists, drops out-of-range ids, and handles int32', () => {
  assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'), 'kernel registered for wasm');
  const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
  const out = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 5], 'int32'), 3);
  assert.deepEqual(Array.from(out.dataSync()), [3, 4, 0, 0, 6, 8]);
  const xi = tf.tensor1d([1, 2, 3], 'int32');
  const outi = tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0], 'int32'), 2);
  assert.equal(outi.dtype, 'int32');
  assert.deepEqual(Array.from(outi.dataSync()), [3, 3]);
  tf.dispose([x, out, xi, outi]);
});

test('fast kernels are in effect on wasm and leak no tensors or wasm buffers', () => {
  assert.deepEqual(fastKernelsInEffect(), ['BatchMatMul', '_FusedMatMul', 'Sum', 'Transpose', 'Identity', 'UnsortedSegmentSum', 'BatchMatMul gradient', 'GatherV2 gradient']);
  assert.deepEqual(registerFastKernels(), fastKernelsInEffect(), 'registering twice changes nothing');
  const a = tf.tensor(values([8, 6, 5]), [8, 6, 5]);
  const b = tf.tensor(values([8, 6, 7]), [8, 6, 7]);
  const run = () => tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, true, false)))([a, b]));
  tf.dispose(run());
  const tensors = tf.memory().numTensors;
  const buffers = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) tf.dispose(run());
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(tf.engine().backend.numDataIds(), buffers);
  tf.dispose([a, b]);
});

test('wasm sum over leading, middle and all axes (keepDims or not) matches the cpu backend', async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[6, 5], 0, false],
    [[6, 5], 0, true],
    [[4, 6, 5], [0, 1], false],
    [[4, 6, 5], 1, true],
    [[4, 6, 5], 1, false],
    [[2, 3, 4, 5], [1, 2], false],
    [[4, 6, 5], [0, 2], false], // not contiguous: native kernel
    [[4, 6, 5], [1, 2], true], // innermost: native kernel
    [[4, 6, 5], [0, 1, 2], false],
    [[7], 0, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    const inputs = [input(shape)];
    const f = (x: tf.Tensor) => [tf.sum(x, axis, keepDims)];
    const expected = await on('cpu', inputs, f);
    const actual = await on('wasm', inputs, f);
    const label = `sum [${shape}] axis ${axis} keepDims ${keepDims}`;
    assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
    assertClose(actual.data[0]!, expected.data[0]!, label);
  }
});

test('wasm transpose: last-two-axes swaps (after merging and size-1 axes) and every other permutation match the cpu backend', async () => {
  const cases: [number[], number[]][] = [
    [[1100, 70], [1, 0]], // tiled, with partial tiles
    [[2, 1030, 3], [0, 2, 1]],
    [[2, 1025, 3, 4], [0, 2, 3, 1]], // [b, s, h, d] → [b, h, d, s]: a swap of [s] and [h, d]
    [[1050, 1, 7], [2, 1, 0]], // size-1 axis dropped
    [[1040, 3, 2], [1, 2, 0]], // a swap of [1040] and [3, 2]
    [[3, 5, 7], [0, 2, 1]], // small: tfjs's kernel
    [[2, 3, 4, 5], [0, 2, 1, 3]], // keeps the innermost axis: tfjs's kernel
    [[2, 3, 4], [2, 0, 1]],
    [[3, 4], [0, 1]],
  ];
  for (const [shape, perm] of cases) {
    const inputs = [input(shape)];
    const f = (x: tf.Tensor) => [tf.transpose(x, perm)];
    const expected = await on('cpu', inputs, f);
    const actual = await on('wasm', inputs, f);
    const label = `transpose [${shape}] perm [${perm}]`;
    assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
    assert.deepEqual(actual.data[0], expected.data[0], label);
  }
});

test('wasm identity shares memory until the last holder is disposed, and in-place writers see it shared', () => {
  const backend = tf.backend() as unknown as WasmBackend;
  const buffers = backend.numDataIds();
  const x = tf.tensor([1, 2, 3]);
  assert.ok(writableValues(x), 'a tensor of its own is writable in place');
  const copy = tf.clone(x);
  assert.equal(backend.dataIdMap.get(copy.dataId).memoryOffset, backend.dataIdMap.get(x.dataId).memoryOffset, 'no copy');
  assert.equal(writableValues(x), undefined, 'shared memory is not written in place');
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3], 'the clone keeps the values after the original is disposed');
  copy.dispose();
  assert.equal(backend.numDataIds(), buffers, 'the memory is freed with the last holder');
});

test('a failed wasm allocation throws a clear error instead of returning address 0', () => {
  const freed: number[] = [];
  const fake = { wasm: { _malloc: (bytes: number) => (bytes > 1000 ? 0 : 64), _free: (p: number) => freed.push(p), HEAPU8: new Uint8Array(16) } };
  guardWasmHeap(fake as unknown as WasmBackend);
  assert.equal(fake.wasm._malloc(100), 64);
  assert.equal(fake.wasm._malloc(0), 64);
  assert.throws(() => fake.wasm._malloc(5 * 2 ** 20), (e: Error) => e instanceof WasmHeapExhaustedError && /could not allocate 5\.0 MiB/.test(e.message));
  // the real backend is guarded by registerFastKernels()
  const real = (tf.backend() as unknown as WasmBackend).wasm as unknown as { _malloc: object };
  assert.ok(Object.getOwnPropertySymbols(real._malloc).includes(Symbol.for('embedlab.heapGuard')));
});
