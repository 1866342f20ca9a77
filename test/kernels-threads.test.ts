import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_WASM_THREADS, requestedWasmThreads } from '../src/backend/ops/wasmThreads';

const run = promisify(execFile);

test('EMBEDLAB_WASM_THREADS picks the wasm thread count; bad values are user errors', () => {
  assert.equal(requestedWasmThreads({ EMBEDLAB_WASM_THREADS: '1' }), 1);
  assert.equal(requestedWasmThreads({ EMBEDLAB_WASM_THREADS: ' 3 ' }), 3);
  assert.equal(requestedWasmThreads({ EMBEDLAB_WASM_THREADS: '64' }), MAX_WASM_THREADS);
  assert.ok(requestedWasmThreads({}) >= 1);
  for (const bad of ['0', '-2', '1.5', 'two']) {
    assert.throws(() => requestedWasmThreads({ EMBEDLAB_WASM_THREADS: bad }), /EMBEDLAB_WASM_THREADS="/);
  }
});

// A fresh process per case: the threaded build can only start once per process.
const script = `
const tf = require('@tensorflow/tfjs');
const { initBackend } = require(${JSON.stringify(join(__dirname, '../src/backend'))});
initBackend().then((info) => {
  const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const b = tf.tensor2d([[1, 0], [0, 1], [2, 2]]);
  const threads = require('@tensorflow/tfjs-backend-wasm').getThreadsCount();
  console.log(JSON.stringify({ summary: info.summary, threads, product: Array.from(tf.matMul(a, b).dataSync()) }));
  // no process.exit: the process must end by itself although pthread workers exist
});
`;

async function startWith(threads: string): Promise<{ summary: string; threads: number; product: number[] }> {
  const env = { ...process.env, EMBEDLAB_WASM_THREADS: threads, EMBEDLAB_BACKEND: 'wasm' };
  const { stdout } = await run(process.execPath, ['-e', script], { env, timeout: 60_000, cwd: join(__dirname, '../..') });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

test('wasm starts its threaded build under Node, computes correctly, and lets the process exit', async () => {
  const threaded = await startWith('2');
  assert.equal(threaded.threads, 2);
  assert.match(threaded.summary, /wasm \(XNNPACK, SIMD, 2 threads\)/);
  assert.deepEqual(threaded.product, [7, 8, 16, 17]);
  const single = await startWith('1');
  assert.equal(single.threads, 1);
  assert.match(single.summary, /single thread: EMBEDLAB_WASM_THREADS=1/);
  assert.deepEqual(single.product, [7, 8, 16, 17]);
});
