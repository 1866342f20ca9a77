/**
 * BERT forward pass, pooling and normalisation against the golden reference
 * (float32 weights computed in float64; fp16/bf16 weights upcast), on the
 * backend EMBEDLAB_BACKEND selects (wasm by default; the cpu run is in
 * models-golden-cpu.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { BertEncoder } from '../src/models/bert/bertEncoder';
import { parseBertConfig } from '../src/models/bert/config';
import { pool, type PoolingConfig } from '../src/models/pooling/pooling';
import { l2Normalize } from '../src/models/pooling/normalize';
import { readSafetensors } from '../src/models/safetensors';
import { loadModel } from '../src/models';
import { loadTokenizer } from '../src/tokenizer';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
type Outputs = Record<string, number[][] | number[][][]>;
const golden = JSON.parse(readFileSync(join(GOLDEN, 'bert_forward.json'), 'utf8')) as {
  sentences: string[];
  encodings: Record<'pad_longest' | 'truncate_16', { max_length: number | null; outputs: Record<string, Outputs> }>;
};
const ENCODINGS = ['pad_longest', 'truncate_16'] as const;
const WEIGHTS = [
  ['model.safetensors', 'float32_weights/compute_float64'],
  ['model.fp16.safetensors', 'fp16_weights_upcast/compute_float64'],
  ['model.bf16.safetensors', 'bf16_weights_upcast/compute_float64'],
] as const;

function maxAbsDiff(actual: ArrayLike<number>, expected: number[]): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

test('golden tests run on the selected backend', async (t) => {
  const info = await initBackend();
  t.diagnostic(`tfjs backend: ${info.tfBackend}`);
  if (process.env.EMBEDLAB_BACKEND) assert.equal(info.choice, process.env.EMBEDLAB_BACKEND);
});

const mode = (m: PoolingConfig['modes'][number]): PoolingConfig => ({ wordDimension: 64, modes: [m], includePrompt: true });

for (const [file, reference] of WEIGHTS) {
  test(`golden BERT forward: ${file} vs ${reference}`, async () => {
    await initBackend();
    const config = parseBertConfig(JSON.parse(readFileSync(join(GOLDEN, 'config.json'), 'utf8')), 'config.json');
    const encoder = BertEncoder.fromTensors(config, readSafetensors(join(GOLDEN, file)), file);
    const before = tf.memory().numTensors;
    for (const which of ENCODINGS) {
      const maxLength = golden.encodings[which].max_length ?? undefined;
      const batch = loadTokenizer(GOLDEN, maxLength ? { maxLength } : {}).encodeBatch(golden.sentences);
      const expected = golden.encodings[which].outputs[reference]!;
      const { lastHiddenState, poolerOutput } = encoder.forward(batch, { pooler: true });
      const got: Record<string, tf.Tensor> = {
        cls_pooling: pool(lastHiddenState, batch, mode('cls')),
        mean_pooling: pool(lastHiddenState, batch, mode('mean')),
        pooler_output: poolerOutput!,
      };
      got.mean_pooling_l2_normalized = l2Normalize(got.mean_pooling as tf.Tensor2D);
      if (expected.last_hidden_state) got.last_hidden_state = lastHiddenState;
      for (const [key, tensor] of Object.entries(got)) {
        const diff = maxAbsDiff(await tensor.data(), (expected[key] as number[][]).flat(2) as number[]);
        const tolerance = key === 'mean_pooling_l2_normalized' ? 1e-5 : 2e-5;
        assert.ok(diff <= tolerance, `${which} ${key}: max |diff| ${diff} > ${tolerance}`);
      }
      tf.dispose([lastHiddenState, ...Object.values(got)]);
    }
    assert.equal(tf.memory().numTensors, before, 'forward leaks no tensors');
    encoder.dispose();
  });
}

test('golden model folder through loadModel().encode: normalised mean embeddings', async () => {
  await initBackend();
  const model = await loadModel(GOLDEN);
  assert.equal(model.dimension, 64);
  assert.equal(model.maxSeqLength, 128);
  const expected = golden.encodings.pad_longest.outputs['float32_weights/compute_float64']!.mean_pooling_l2_normalized as number[][];
  const embeddings = await model.encode(golden.sentences, { batchSize: 4 });
  assert.equal(embeddings.rows, 6);
  assert.ok(maxAbsDiff(embeddings.data, expected.flat()) <= 1e-5);
  const truncated = await loadModel(GOLDEN, { maxSeqLength: 16 }).then(async (m) => {
    const out = await m.encode(golden.sentences, { batchSize: 2 });
    m.dispose();
    return out;
  });
  const expected16 = golden.encodings.truncate_16.outputs['float32_weights/compute_float64']!.mean_pooling_l2_normalized as number[][];
  assert.ok(maxAbsDiff(truncated.data, expected16.flat()) <= 1e-5);
  model.dispose();
});
