/**
 * A BERT shape the golden files do not use (3 layers, hidden 48, 6 heads,
 * intermediate 80, 40 positions, layer_norm_eps 1e-7) with F32, F16 and BF16
 * weights, against test/reference/bert_reference.py (modeling_bert.py eager
 * semantics and a line-by-line port of sentence-transformers' Pooling.py /
 * Normalize.py, float64): encoder outputs with non-zero token types, every
 * pooling mode (all-padding row, include_prompt false), encode with batches of
 * very different lengths, truncation, max_seq_length precedence, a config
 * without layer_norm_eps, sharded weights.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { evaluateEmbeddings, InformationRetrievalEvaluator } from '../src/eval';
import { BertEncoder, SentenceTransformer, loadModelFolder, parseBertConfig, parsePoolingConfig, pool, readSafetensors } from '../src/models';
import type { TokenBatch } from '../src/tokenizer/types';
import { SHARED, maxAbsDiff, pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';
import { uniformWeights, writeReferenceSafetensors, type WeightSpec } from './referenceWeights';

const MINILM = join(SHARED, 'models/all-MiniLM-L6-v2-config-and-tokenizer');
type Dtype = 'F32' | 'F16' | 'BF16';

interface BertFixture {
  config: Record<string, unknown>;
  max_seq_length: number;
  seed: number;
  weights: WeightSpec[];
  files: Record<Dtype, { file: string; sha256: string }>;
  encoder_batch: {
    input_ids: number[][];
    attention_mask: number[][];
    token_type_ids: number[][];
    outputs: Record<Dtype | 'F32_gelu_new', { pooler_output: number[][]; cls: number[][]; last_hidden_state?: number[][][] }>;
    sensitivity: Record<string, number>;
  };
  pooling: { attention_mask: number[][]; cases: { config: Record<string, unknown>; prompt_length: number; output: number[][] }[] };
  texts: string[];
  token_ids: number[][];
  encode_cases: { name: string; pooling: Record<string, unknown>; normalize: boolean; prompt: string | null; batch_size: number; embeddings: number[][] }[];
  encode_mean_by_dtype: Record<'F16' | 'BF16', number[][]>;
  long_text_by_max_seq_length: Record<string, number[]>;
  encode_mean_default_eps: number[][];
}

const fixture = readFixture<BertFixture>('bert-unseen.json');
const work = mkdtempSync(join(tmpdir(), 'embedlab-bert-unseen-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The three weight files, rebuilt from the fixture's seed; each must hash to what the script wrote. */
const weights = uniformWeights(fixture.seed, fixture.weights);
const files = Object.fromEntries(
  (['F32', 'F16', 'BF16'] as const).map((dtype) => {
    const path = join(work, fixture.files[dtype].file);
    return [dtype, { path, sha256: writeReferenceSafetensors(path, weights, dtype) }];
  }),
) as Record<Dtype, { path: string; sha256: string }>;

/** A sentence-transformers folder: Transformer (+ tokenizer files) → Pooling(mean) → Normalize. */
function modelFolder(name: string, options: { dtype?: Dtype; config?: Record<string, unknown>; sbert?: boolean } = {}): string {
  const dir = join(work, name);
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  mkdirSync(join(dir, '2_Normalize'), { recursive: true });
  copyFileSync(files[options.dtype ?? 'F32'].path, join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(options.config ?? fixture.config));
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) copyFileSync(join(MINILM, file), join(dir, file));
  if (options.sbert ?? true) writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: fixture.max_seq_length, do_lower_case: false }));
  writeFileSync(join(dir, '1_Pooling/config.json'), JSON.stringify({ word_embedding_dimension: 48, pooling_mode_mean_tokens: true }));
  writeFileSync(
    join(dir, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]),
  );
  return dir;
}

/** Sets tokenizer_config.json's model_max_length in `dir`. */
function withModelMaxLength(dir: string, length: number): string {
  const path = join(dir, 'tokenizer_config.json');
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), model_max_length: length }));
  return dir;
}

function batchOf(ids: number[][], mask: number[][], types: number[][]): TokenBatch {
  return {
    inputIds: Int32Array.from(ids.flat()),
    attentionMask: Int32Array.from(mask.flat()),
    tokenTypeIds: Int32Array.from(types.flat()),
    batchSize: ids.length,
    seqLength: ids[0]!.length,
  };
}

/** |actual − expected| ≤ atol + rtol·|expected| everywhere. */
function assertClose(actual: ArrayLike<number>, expected: number[], atol: number, label: string, rtol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    assert.ok(Math.abs(actual[i]! - e) <= atol + rtol * Math.abs(e), `${label}[${i}]: ${actual[i]} vs ${e} (max diff ${maxAbsDiff(actual, expected)})`);
  }
}

test('bert reference: the fixture is what bert_reference.py computes, with the same weight files', (t) => {
  const missing = pythonMissing(['torch', 'numpy']);
  if (missing) return t.skip(missing);
  const out = runReferenceScript('bert_reference.py', [join(MINILM, 'vocab.txt')]);
  try {
    const fresh = JSON.parse(readFileSync(join(out, 'bert-unseen.json'), 'utf8')) as BertFixture;
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      assert.deepEqual(readFileSync(join(out, fixture.files[dtype].file)), readFileSync(files[dtype].path), `${dtype} file`);
    }
    // the same numbers up to the last printed digit (float64 summation order may differ between torch builds)
    const walk = (a: unknown, b: unknown, path: string): void => {
      if (typeof b === 'number') return assert.ok(Math.abs((a as number) - b) <= 1e-12 + 1e-6 * Math.abs(b), `${path}: ${a} vs ${b}`);
      if (Array.isArray(b) || (b && typeof b === 'object')) {
        assert.deepEqual(Object.keys(a as object), Object.keys(b as object), path);
        for (const key of Object.keys(b as object)) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
        return;
      }
      assert.deepEqual(a, b, path);
    };
    walk(fresh, fixture, 'fixture');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bert reference: F32/F16/BF16 weight files are rebuilt byte for byte', () => {
  for (const dtype of ['F32', 'F16', 'BF16'] as const) assert.equal(files[dtype].sha256, fixture.files[dtype].sha256, dtype);
});

test('bert reference: encoder with token types 0/1, every weight dtype, gelu_new: hidden states, CLS and pooler', async () => {
  await initBackend();
  const { encoder_batch: eb } = fixture;
  // the fixture can tell the usual mistakes apart at the tolerance used here
  for (const [what, size] of Object.entries(eb.sensitivity)) assert.ok(size > 5e-4, `${what} changes the hidden states by only ${size}`);
  const config = parseBertConfig(fixture.config, 'config.json');
  assert.equal(config.layerNormEps, 1e-7);
  const batch = batchOf(eb.input_ids, eb.attention_mask, eb.token_type_ids);
  assert.ok(batch.tokenTypeIds.some((t) => t === 1));
  const before = tf.memory().numTensors;
  const geluNew = parseBertConfig({ ...fixture.config, hidden_act: 'gelu_new' }, 'config.json');
  for (const dtype of ['F32', 'F16', 'BF16', 'F32_gelu_new'] as const) {
    const file = dtype === 'F32_gelu_new' ? 'F32' : dtype;
    const encoder = BertEncoder.fromTensors(dtype === 'F32_gelu_new' ? geluNew : config, readSafetensors(files[file].path), dtype);
    const { lastHiddenState, poolerOutput } = encoder.forward(batch, { pooler: true });
    const hidden = await lastHiddenState.data();
    const expected = eb.outputs[dtype];
    if (expected.last_hidden_state) assertClose(hidden, expected.last_hidden_state.flat(2), 2e-5, `${dtype} last_hidden_state`);
    const L = batch.seqLength;
    const cls = eb.input_ids.flatMap((_, i) => Array.from(hidden.subarray(i * L * 48, i * L * 48 + 48)));
    assertClose(cls, expected.cls.flat(), 2e-5, `${dtype} cls`);
    assertClose(await poolerOutput!.data(), expected.pooler_output.flat(), 2e-5, `${dtype} pooler_output`);
    tf.dispose([lastHiddenState, poolerOutput!]);
    encoder.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test('bert reference: every pooling mode and combination, an all-padding row, include_prompt false', async () => {
  await initBackend();
  const hidden = fixture.encoder_batch.outputs.F32.last_hidden_state!;
  const mask = fixture.pooling.attention_mask;
  const zeros = mask.map((r) => r.map(() => 0));
  const batch = batchOf(zeros, mask, zeros);
  const tokens = tf.tensor3d(hidden);
  for (const c of fixture.pooling.cases) {
    const config = parsePoolingConfig(c.config, 'case');
    const out = pool(tokens, batch, config, c.prompt_length);
    assertClose(await out.data(), c.output.flat(), 1e-5, `${config.modes.join('+')} include_prompt ${config.includePrompt}`);
    out.dispose();
  }
  tokens.dispose();
});

test('bert reference: encode in input order for texts of very different lengths, every pooling set-up, prompts', async () => {
  await initBackend();
  const model = loadModelFolder(modelFolder('f32'));
  assert.equal(model.maxSeqLength, fixture.max_seq_length);
  fixture.texts.forEach((text, i) => assert.deepEqual(Array.from(model.tokenizer.encode(text).ids), fixture.token_ids[i], `tokens of text ${i}`));
  const before = tf.memory().numTensors;
  for (const c of fixture.encode_cases) {
    const variant = new SentenceTransformer(model.input, { pooling: parsePoolingConfig(c.pooling, c.name), normalize: c.normalize });
    const got = await variant.encode(fixture.texts, { batchSize: c.batch_size, ...(c.prompt !== null && { prompt: c.prompt }) });
    assertClose(got.data, c.embeddings.flat(), c.normalize ? 1e-5 : 2e-5, c.name);
  }
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('bert reference: F16 and BF16 model files encode as their upcast weights', async () => {
  await initBackend();
  for (const dtype of ['F16', 'BF16'] as const) {
    const model = loadModelFolder(modelFolder(dtype.toLowerCase(), { dtype }));
    assertClose((await model.encode(fixture.texts, { batchSize: 3 })).data, fixture.encode_mean_by_dtype[dtype].flat(), 1e-5, dtype);
    model.dispose();
  }
});

test('bert reference: max_seq_length from sentence_bert_config, else min(max_position_embeddings, model_max_length), or as given', async () => {
  await initBackend();
  const longText = fixture.texts[3]!;
  const cases: [string, ReturnType<typeof loadModelFolder>, number][] = [
    ['sentence_bert_config.json', loadModelFolder(modelFolder('with-sbert')), 24],
    ['max_position_embeddings', loadModelFolder(modelFolder('without-sbert', { sbert: false })), 40],
    ['maxSeqLength option', loadModelFolder(modelFolder('with-sbert'), { maxSeqLength: 12 }), 12],
    ['tokenizer model_max_length', loadModelFolder(withModelMaxLength(modelFolder('short-tokenizer', { sbert: false }), 12)), 12],
  ];
  for (const [what, model, length] of cases) {
    assert.equal(model.maxSeqLength, length, what);
    assert.equal(model.tokenize([longText]).seqLength, length, what);
    assertClose((await model.encode([longText])).data, fixture.long_text_by_max_seq_length[String(length)]!, 1e-5, what);
    model.dispose();
  }
});

test('bert reference: a config.json without layer_norm_eps uses transformers\' default 1e-12', async () => {
  await initBackend();
  const { layer_norm_eps: _, ...config } = fixture.config;
  const model = loadModelFolder(modelFolder('default-eps', { config }));
  const got = await model.encode(fixture.texts, { batchSize: 4 });
  assertClose(got.data, fixture.encode_mean_default_eps.flat(), 1e-5, 'default eps');
  // and the two eps give clearly different embeddings, so this checks the default
  assert.ok(maxAbsDiff(fixture.encode_mean_default_eps.flat(), fixture.encode_cases[0]!.embeddings.flat()) > 1e-4);
  model.dispose();
});

test('bert reference: weights sharded over model.safetensors.index.json encode the same', async () => {
  await initBackend();
  const dir = modelFolder('sharded');
  rmSync(join(dir, 'model.safetensors'));
  const names = [...weights.keys()];
  const shards = [names.filter((n) => !n.startsWith('encoder.layer.2')), names.filter((n) => n.startsWith('encoder.layer.2'))];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeReferenceSafetensors(join(dir, file), new Map(shard.map((n) => [n, weights.get(n)!])), 'F32');
    for (const n of shard) weightMap[n] = file;
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  const model = loadModelFolder(dir);
  assertClose((await model.encode(fixture.texts, { batchSize: 3 })).data, fixture.encode_cases[0]!.embeddings.flat(), 1e-5, 'sharded');
  model.dispose();
});

test('encodeQuery / encodeDocument and the retrieval evaluator use the model\'s query and document prompts, as upstream', async () => {
  await initBackend();
  const dir = modelFolder('prompts');
  writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'query: ', passage: 'passage: ' }, default_prompt_name: null }));
  const model = loadModelFolder(dir);
  const texts = fixture.texts.slice(0, 5);
  const same = async (a: Promise<{ data: Float32Array }>, b: Promise<{ data: Float32Array }>, what: string) =>
    assert.deepEqual((await a).data, (await b).data, what);
  await same(model.encodeQuery(texts), model.encode(texts, { prompt: 'query: ' }), 'query prompt');
  await same(model.encodeDocument(texts), model.encode(texts, { prompt: 'passage: ' }), 'passage prompt (no "document" prompt)');
  await same(model.encodeQuery(texts, { prompt: '' }), model.encode(texts), 'an explicit prompt wins');
  await same(model.encodeDocument(texts, { promptName: 'query' }), model.encode(texts, { prompt: 'query: ' }), 'an explicit prompt name wins');

  const irSet = {
    queries: new Map(texts.map((t, i) => [`q${i}`, t])),
    corpus: new Map(fixture.texts.map((t, i) => [`d${i}`, t.split('').reverse().join('')])),
    relevantDocs: new Map(texts.map((_, i) => [`q${i}`, new Set([`d${i}`])])),
  };
  const result = await new InformationRetrievalEvaluator(irSet, { dims: [48, 16] }).evaluateDetailed(model);
  const expected = await evaluateEmbeddings(
    await model.encode(texts, { prompt: 'query: ' }),
    await model.encode([...irSet.corpus.values()], { prompt: 'passage: ' }),
    irSet,
    { dims: [48, 16] },
  );
  assert.deepEqual(result.metrics, expected.metrics);
  assert.deepEqual(result.runs.map((r) => [...r.rankings]), expected.runs.map((r) => [...r.rankings]));
  model.dispose();
});
