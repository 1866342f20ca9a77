import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { parsePoolingConfig, pool, poolingConfigJson, type PoolingConfig } from '../src/models/pooling/pooling';
import { l2Normalize } from '../src/models/pooling/normalize';
import type { TokenBatch } from '../src/tokenizer/types';
import { Random } from '../src/util/random';

const B = 4;
const L = 6;
const D = 3;
const lengths = [6, 3, 1, 0]; // the last row has no real tokens at all

function fixture() {
  const random = new Random(3);
  const values = Array.from({ length: B }, () => Array.from({ length: L }, () => Array.from({ length: D }, () => Math.fround(random.normal()))));
  const mask = new Int32Array(B * L);
  lengths.forEach((n, i) => mask.fill(1, i * L, i * L + n));
  const batch: TokenBatch = { inputIds: new Int32Array(B * L), attentionMask: mask, tokenTypeIds: new Int32Array(B * L), batchSize: B, seqLength: L };
  return { values, mask, batch };
}

/** Upstream Pooling.forward, written out per row in float64. */
function reference(values: number[][][], mask: Int32Array, mode: string, promptLength = 0): number[][] {
  return values.map((rows, i) => {
    const m = rows.map((_, j) => (j < promptLength ? 0 : mask[i * L + j]!));
    const count = Math.max(m.reduce((a, b) => a + b, 0), 1e-9);
    const col = (k: number) => rows.map((r) => r[k]!);
    switch (mode) {
      case 'cls':
        return rows[0]!;
      case 'max':
        return [...Array(D).keys()].map((k) => Math.max(...col(k).map((v, j) => (m[j] ? v : -1e9))));
      case 'mean':
        return [...Array(D).keys()].map((k) => col(k).reduce((s, v, j) => s + v * m[j]!, 0) / count);
      case 'mean_sqrt_len_tokens':
        return [...Array(D).keys()].map((k) => col(k).reduce((s, v, j) => s + v * m[j]!, 0) / Math.sqrt(count));
      case 'weightedmean': {
        const w = m.map((v, j) => v * (j + 1));
        const total = Math.max(w.reduce((a, b) => a + b, 0), 1e-9);
        return [...Array(D).keys()].map((k) => col(k).reduce((s, v, j) => s + v * w[j]!, 0) / total);
      }
      case 'lasttoken': {
        let last = m.lastIndexOf(1);
        if (last < 0) last = L - 1;
        return rows[last]!.map((v) => v * m[last]!);
      }
    }
    throw new Error(mode);
  });
}

async function run(config: PoolingConfig, promptLength?: number): Promise<number[][]> {
  const { values, batch } = fixture();
  const tokens = tf.tensor3d(values);
  const out = pool(tokens, batch, config, promptLength);
  const result = (await out.array()) as number[][];
  tf.dispose([tokens, out]);
  return result;
}

function assertClose(actual: number[][], expected: number[][], label: string): void {
  actual.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]!) <= 1e-5 * Math.max(1, Math.abs(expected.flat()[i]!)), `${label}[${i}]: ${v} vs ${expected.flat()[i]}`));
}

test('pooling: every mode matches upstream semantics, including an all-padding row', async () => {
  await initBackend();
  const { values, mask } = fixture();
  for (const mode of ['cls', 'max', 'mean', 'mean_sqrt_len_tokens', 'weightedmean', 'lasttoken'] as const) {
    assertClose(await run({ wordDimension: D, modes: [mode], includePrompt: true }), reference(values, mask, mode), mode);
  }
});

test('pooling: several modes concatenate as cls, max, mean, …; include_prompt false masks the prompt', async () => {
  await initBackend();
  const { values, mask } = fixture();
  const config = parsePoolingConfig(
    { word_embedding_dimension: D, pooling_mode_mean_tokens: true, pooling_mode_cls_token: true, pooling_mode_max_tokens: true },
    'config.json',
  );
  assert.deepEqual(config.modes, ['cls', 'max', 'mean']);
  // upstream's cls is a view that max pooling's in-place −1e9 reaches when the first token is padding (row 3)
  const cls = reference(values, mask, 'cls').map((row, i) => (mask[i * L] ? row : row.map(() => -1e9)));
  const expected = cls.map((row, i) => [...row, ...reference(values, mask, 'max')[i]!, ...reference(values, mask, 'mean')[i]!]);
  assertClose(await run(config), expected, 'concat');
  for (const mode of ['mean', 'lasttoken', 'weightedmean'] as const) {
    assertClose(await run({ wordDimension: D, modes: [mode], includePrompt: false }, 2), reference(values, mask, mode, 2), `${mode} without prompt`);
  }
  // include_prompt true ignores the prompt length
  assertClose(await run({ wordDimension: D, modes: ['mean'], includePrompt: true }, 2), reference(values, mask, 'mean'), 'mean with prompt');
});

test('pooling config: pooling_mode string, JSON round trip, errors', () => {
  assert.deepEqual(parsePoolingConfig({ word_embedding_dimension: 8, pooling_mode: 'LastToken' }, 'c.json').modes, ['lasttoken']);
  const config = parsePoolingConfig({ word_embedding_dimension: 8, pooling_mode_weightedmean_tokens: true, include_prompt: false }, 'c.json');
  assert.deepEqual(parsePoolingConfig(poolingConfigJson(config), 'again'), config);
  assert.throws(() => parsePoolingConfig({ word_embedding_dimension: 8, pooling_mode: 'median' }, 'c.json'), /c\.json: pooling_mode "median" is not one of/);
  assert.throws(() => parsePoolingConfig({ word_embedding_dimension: 8 }, 'c.json'), /c\.json: no pooling mode/);
  assert.throws(() => parsePoolingConfig({ pooling_mode_mean_tokens: true }, 'c.json'), /word_embedding_dimension/);
});

test('l2Normalize: unit rows; a zero row stays zero with a finite gradient', async () => {
  await initBackend();
  const x = tf.tensor2d([[3, 4], [0, 0]]);
  assert.deepEqual(await l2Normalize(x).array(), [[0.6000000238418579, 0.800000011920929], [0, 0]]);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(l2Normalize(t as tf.Tensor2D), tf.tensor2d([[1, 2], [3, 4]]))))(x);
  assert.ok((await grad.data()).every(Number.isFinite));
});
