/**
 * Encoding on onnxruntime (the default engine of `model.encode` for BERT and
 * XLM-RoBERTa): the golden BERT forward on the ONNX graph, the graph against
 * the tfjs encoder for other activations and RoBERTa position ids, the
 * session following weight changes, and EMBEDLAB_ENCODER.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { encoderEngine } from '../src/backend/onnxRuntime';
import { BertEncoder } from '../src/models/bert/bertEncoder';
import { parseBertConfig } from '../src/models/bert/config';
import { OnnxEncoder } from '../src/models/onnx/onnxEncoder';
import { pool, type PoolingConfig } from '../src/models/pooling/pooling';
import { l2Normalize } from '../src/models/pooling/normalize';
import { readSafetensors } from '../src/models/safetensors';
import { createRandomTransformer, loadModel } from '../src/models';
import type { Transformer } from '../src/models/transformer';
import { markWeightWritten, sameFingerprint, weightsFingerprint } from '../src/models/weightVersions';
import { loadTokenizer } from '../src/tokenizer';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
const MINILM = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const XLMR_TOKENIZER = join(__dirname, '../../test/fixtures/tokenizers/xlm-roberta');
type Outputs = Record<string, number[][] | number[][][]>;
const golden = JSON.parse(readFileSync(join(GOLDEN, 'bert_forward.json'), 'utf8')) as {
  sentences: string[];
  encodings: Record<'pad_longest' | 'truncate_16', { max_length: number | null; outputs: Record<string, Outputs> }>;
};
const WEIGHTS = [
  ['model.safetensors', 'float32_weights/compute_float64'],
  ['model.fp16.safetensors', 'fp16_weights_upcast/compute_float64'],
  ['model.bf16.safetensors', 'bf16_weights_upcast/compute_float64'],
] as const;
const TEXTS = ['a short one', 'a much longer sentence about quarterly revenue, operating margins and the outlook for next year', 'mid length text here', 'x'];

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

const mode = (m: PoolingConfig['modes'][number]): PoolingConfig => ({ wordDimension: 64, modes: [m], includePrompt: true });

test('onnxruntime-node loads here (the engine model.encode uses by default)', () => {
  assert.equal(encoderEngine().engine, 'onnx');
});

for (const [file, reference] of WEIGHTS) {
  test(`golden BERT forward on onnxruntime: ${file} vs ${reference}`, async () => {
    await initBackend();
    const config = parseBertConfig(JSON.parse(readFileSync(join(GOLDEN, 'config.json'), 'utf8')), 'config.json');
    const encoder = BertEncoder.fromTensors(config, readSafetensors(join(GOLDEN, file)), file);
    const onnx = new OnnxEncoder(encoder);
    for (const which of ['pad_longest', 'truncate_16'] as const) {
      const maxLength = golden.encodings[which].max_length ?? undefined;
      const batch = loadTokenizer(GOLDEN, maxLength ? { maxLength } : {}).encodeBatch(golden.sentences);
      const expected = golden.encodings[which].outputs[reference]!;
      const hidden = (await onnx.run(batch))!;
      const got: Record<string, tf.Tensor> = { cls_pooling: pool(hidden, batch, mode('cls')), mean_pooling: pool(hidden, batch, mode('mean')) };
      got.mean_pooling_l2_normalized = l2Normalize(got.mean_pooling as tf.Tensor2D);
      if (expected.last_hidden_state) got.last_hidden_state = hidden;
      for (const [key, tensor] of Object.entries(got)) {
        const diff = maxAbsDiff(await tensor.data(), (expected[key] as number[][]).flat(2) as number[]);
        const tolerance = key === 'mean_pooling_l2_normalized' ? 1e-5 : 2e-5;
        assert.ok(diff <= tolerance, `${which} ${key}: max |diff| ${diff} > ${tolerance}`);
      }
      tf.dispose([hidden, ...Object.values(got)]);
    }
    onnx.dispose();
    encoder.dispose();
  });
}

/** A random model with weights large enough (std 0.3) that attention, masking and positions matter. */
function randomModel(config: Record<string, unknown>, tokenizerDir: string) {
  return createRandomTransformer({ initializer_range: 0.3, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, ...config }, tokenizerDir, {
    seed: 3,
    maxSeqLength: 40,
    pooler: false,
  });
}

async function onnxVsTfjs(model: ReturnType<typeof randomModel>, what: string): Promise<void> {
  const batch = model.tokenize(TEXTS);
  assert.ok(batch.attentionMask.includes(0), 'the batch has padding');
  const transformer = model.input as Transformer;
  const viaOnnx = (await transformer.infer(batch))!;
  assert.ok(viaOnnx, `${what}: encoded on onnxruntime`);
  const viaTfjs = transformer.forward(batch);
  const scale = Math.max(...Array.from(await viaTfjs.data(), Math.abs));
  const diff = maxAbsDiff(await viaOnnx.data(), await viaTfjs.data());
  assert.ok(diff <= 2e-5 * Math.max(1, scale), `${what}: onnx vs tfjs max |diff| ${diff}`);
  tf.dispose([viaOnnx, viaTfjs]);
}

for (const act of ['gelu', 'gelu_new', 'relu', 'silu']) {
  test(`BERT with hidden_act ${act}: the onnxruntime graph equals the tfjs encoder on a padded batch`, async () => {
    await initBackend();
    const model = randomModel({ model_type: 'bert', hidden_act: act }, MINILM);
    await onnxVsTfjs(model, act);
    model.dispose();
  });
}

test('XLM-RoBERTa: RoBERTa position ids on the onnxruntime graph equal the tfjs encoder', async () => {
  await initBackend();
  const model = randomModel({ model_type: 'xlm-roberta', max_position_embeddings: 48, type_vocab_size: 1, layer_norm_eps: 1e-5 }, XLMR_TOKENIZER);
  await onnxVsTfjs(model, 'xlm-roberta');
  model.dispose();
});

test('the session follows the weights: an assigned weight and a weight written in place both refresh it', async () => {
  await initBackend();
  const model = randomModel({ model_type: 'bert' }, MINILM);
  const before = await model.encode(TEXTS);
  const weight = model.namedWeights().get('encoder.layer.0.intermediate.dense.weight')!;
  tf.tidy(() => weight.assign(tf.mul(weight, -1.5)));
  const after = await model.encode(TEXTS);
  assert.ok(maxAbsDiff(before.data, after.data) > 1e-3, 'encode sees the assigned weight');
  process.env.EMBEDLAB_ENCODER = 'tfjs';
  try {
    const reference = await model.encode(TEXTS);
    assert.ok(maxAbsDiff(reference.data, after.data) <= 2e-5, 'onnx and tfjs agree after the change');
  } finally {
    delete process.env.EMBEDLAB_ENCODER;
  }
  // an in-place write keeps the variable's data handle: the write count changes the fingerprint
  const print = weightsFingerprint([weight]);
  assert.ok(sameFingerprint(print, weightsFingerprint([weight])));
  markWeightWritten(weight);
  assert.ok(!sameFingerprint(print, weightsFingerprint([weight])));
  model.dispose();
});

test('EMBEDLAB_ENCODER: tfjs forces tfjs, onnx forces onnxruntime, anything else is a one-line error', async () => {
  await initBackend();
  const model = randomModel({ model_type: 'bert' }, MINILM);
  const batch = model.tokenize(TEXTS);
  const transformer = model.input as Transformer;
  try {
    process.env.EMBEDLAB_ENCODER = 'tfjs';
    assert.equal(await transformer.infer(batch), undefined);
    process.env.EMBEDLAB_ENCODER = 'onnx';
    const hidden = await transformer.infer(batch);
    assert.deepEqual(hidden?.shape, [TEXTS.length, batch.seqLength, 32]);
    hidden?.dispose();
    process.env.EMBEDLAB_ENCODER = 'gpu';
    await assert.rejects(() => model.encode(TEXTS), /EMBEDLAB_ENCODER="gpu": use onnx or tfjs/);
  } finally {
    delete process.env.EMBEDLAB_ENCODER;
  }
  model.dispose();
});

test('a model folder encodes the same on onnxruntime and tfjs, and holds no extra tensors', async () => {
  await initBackend();
  const model = await loadModel(GOLDEN);
  const viaOnnx = await model.encode(golden.sentences, { batchSize: 4 });
  const tensors = tf.memory().numTensors;
  await model.encode(golden.sentences, { batchSize: 4 });
  assert.equal(tf.memory().numTensors, tensors, 'encoding leaks no tensors');
  process.env.EMBEDLAB_ENCODER = 'tfjs';
  try {
    const viaTfjs = await model.encode(golden.sentences, { batchSize: 4 });
    assert.ok(maxAbsDiff(viaOnnx.data, viaTfjs.data) <= 1e-5);
  } finally {
    delete process.env.EMBEDLAB_ENCODER;
  }
  model.dispose();
});
