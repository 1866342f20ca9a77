import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { createRandomBert, loadModel, readSafetensors, writeSafetensors } from '../src/models';
import { loadTokenizer } from '../src/tokenizer';
import { Matrix } from '../src/util/matrix';

const SHARED = join(__dirname, '../../../shared');
const GOLDEN = join(SHARED, 'golden/bert_forward');
const MINILM = join(SHARED, 'models/all-MiniLM-L6-v2-config-and-tokenizer');
const golden = JSON.parse(readFileSync(join(GOLDEN, 'bert_forward.json'), 'utf8')) as { sentences: string[] };
const TINY = { hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 };

/** A writable copy of a model folder (the shared folders are read-only). */
function copyModel(from: string): string {
  const to = mkdtempSync(join(tmpdir(), 'embedlab-model-'));
  const walk = (src: string, dst: string) => {
    mkdirSync(dst, { recursive: true });
    for (const name of readdirSync(src)) {
      const path = join(src, name);
      if (statSync(path).isDirectory()) walk(path, join(dst, name));
      else writeFileSync(join(dst, name), readFileSync(path));
    }
  };
  walk(from, to);
  return to;
}

function maxAbsDiff(a: Matrix, b: Matrix): number {
  assert.equal(a.rows, b.rows);
  assert.equal(a.cols, b.cols);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
  return worst;
}

test('save → load round trip is bit-identical, with every file sentence-transformers needs', async () => {
  await initBackend();
  const model = await loadModel(GOLDEN);
  const dir = join(mkdtempSync(join(tmpdir(), 'embedlab-save-')), 'saved');
  await model.save(dir);
  for (const file of [
    'model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt',
    'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'config_sentence_transformers.json', 'README.md',
  ]) {
    assert.ok(existsSync(join(dir, file)), file);
  }
  assert.ok(statSync(join(dir, '2_Normalize')).isDirectory());
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp files left behind');
  // same weights, same names, [out, in] layout: the file equals the golden one byte for byte
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), readFileSync(join(GOLDEN, 'model.safetensors')));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8')), JSON.parse(readFileSync(join(GOLDEN, 'modules.json'), 'utf8')));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, '1_Pooling/config.json'), 'utf8')), JSON.parse(readFileSync(join(GOLDEN, '1_Pooling/config.json'), 'utf8')));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'sentence_bert_config.json'), 'utf8')), { max_seq_length: 128, do_lower_case: false });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(config.model_type, 'bert');
  assert.equal(config.layer_norm_eps, 1e-12);
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /library_name: sentence-transformers[\s\S]*Output Dimensionality:\*\* 64 dimensions/);

  const reloaded = await loadModel(dir);
  const a = await model.encode(golden.sentences);
  const b = await reloaded.encode(golden.sentences);
  assert.deepEqual(b.data, a.data);
  model.dispose();
  reloaded.dispose();
});

test('round trip after the weights change (random BERT, cls pooling, no Normalize)', async () => {
  await initBackend();
  const model = createRandomBert(TINY, GOLDEN, { seed: 7, pooling: 'cls', normalize: false });
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-save-'));
  await model.save(dir);
  const reloaded = await loadModel(dir);
  assert.equal(reloaded.normalizes, false);
  assert.deepEqual(reloaded.pooling?.modes, ['cls']);
  assert.equal(reloaded.maxSeqLength, 64);
  assert.deepEqual((await reloaded.encode(golden.sentences)).data, (await model.encode(golden.sentences)).data);
  // Linear weights are written [out, in] and read back transposed
  const saved = readSafetensors(join(dir, 'model.safetensors'));
  const inMemory = model.namedWeights().get('encoder.layer.0.intermediate.dense.weight')!;
  assert.deepEqual(saved.get('encoder.layer.0.intermediate.dense.weight')!.shape, [32, 16]);
  assert.deepEqual(inMemory.shape, [16, 32]);
  assert.deepEqual(Array.from(saved.get('encoder.layer.0.intermediate.dense.weight')!.data), Array.from((await tf.transpose(inMemory).data())));
  // same seed, same model
  const again = createRandomBert(TINY, GOLDEN, { seed: 7, pooling: 'cls', normalize: false });
  assert.deepEqual((await again.encode(['seeded'])).data, (await model.encode(['seeded'])).data);
  for (const m of [model, reloaded, again]) m.dispose();
});

test('encode: input order, batch-size independence, truncateDim, progress, abort, no leaks', async () => {
  await initBackend();
  const model = await loadModel(GOLDEN);
  const texts = [...golden.sentences, 'a', 'short one', golden.sentences[4]!];
  const before = tf.memory().numTensors;
  const progress: number[] = [];
  const all = await model.encode(texts, { batchSize: 4, onProgress: (done, total) => progress.push(done / total) });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(progress, [4 / 9, 8 / 9, 1]);
  for (const [i, text] of texts.entries()) {
    const single = await model.encode([text]);
    assert.ok(maxAbsDiff(single, all.select([i])) < 1e-5, `row ${i}`);
  }
  const full = await model.encode(texts, { batchSize: 1 });
  assert.ok(maxAbsDiff(full, all) < 1e-5);
  const cut = await model.encode(texts, { truncateDim: 16 });
  assert.ok(maxAbsDiff(cut, all.truncate(16)) < 1e-6);
  assert.ok(maxAbsDiff(await model.encode(texts, { truncateDim: 16, normalize: false }), new Matrix(
    Float32Array.from(all.toArray().flatMap((r) => r.slice(0, 16))), 9, 16)) < 1e-6);
  await assert.rejects(model.encode(texts, { truncateDim: 65 }), /truncateDim 65 is outside 1\.\.64/);
  const controller = new AbortController();
  await assert.rejects(
    model.encode(texts, { batchSize: 2, onProgress: () => controller.abort(), signal: controller.signal }),
    (e: Error) => e.name === 'AbortError',
  );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('encode: empty string is [CLS] [SEP]; over-long text is truncated, not an error', async () => {
  await initBackend();
  const model = await loadModel(GOLDEN);
  const [empty] = (await model.encode([''])).toArray();
  assert.ok(empty!.every(Number.isFinite));
  assert.ok(Math.abs(Math.hypot(...empty!) - 1) < 1e-6);
  const long = Array.from({ length: 400 }, (_, i) => `token${i}`).join(' ');
  const a = await model.encode([long]);
  const b = await model.encode([long + ' and much more text after the limit']);
  assert.deepEqual(a.data, b.data);
  assert.equal(model.tokenize([long]).seqLength, 128);
  model.dispose();
});

test('prompts: named prompts, default prompt, literal prompt, include_prompt false', async () => {
  await initBackend();
  const dir = copyModel(GOLDEN);
  writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'query: ', document: '' }, default_prompt_name: 'query', similarity_fn_name: 'cosine' }));
  const model = await loadModel(dir);
  const plain = await loadModel(GOLDEN);
  const text = ['what is revenue'];
  const viaDefault = await model.encode(text);
  assert.deepEqual(viaDefault.data, (await plain.encode(['query: what is revenue'])).data);
  assert.deepEqual((await model.encode(text, { promptName: 'document' })).data, (await plain.encode(text)).data);
  assert.deepEqual((await model.encode(text, { prompt: 'passage: ' })).data, (await plain.encode(['passage: what is revenue'])).data);
  await assert.rejects(model.encode(text, { promptName: 'nope' }), /prompt name "nope" is not defined; the model's prompts are: query, document/);
  // saved beside the model's folder: a save never writes inside the folder the model was read from
  const savedDir = join(mkdtempSync(join(tmpdir(), 'embedlab-prompts-')), 'saved');
  await model.save(savedDir);
  const savedConfig = JSON.parse(readFileSync(join(savedDir, 'config_sentence_transformers.json'), 'utf8'));
  assert.deepEqual(savedConfig.prompts, { query: 'query: ', document: '' });
  assert.equal(savedConfig.default_prompt_name, 'query');

  // include_prompt false: pooling skips [CLS] + the prompt tokens (upstream's prompt_length)
  const pooling = JSON.parse(readFileSync(join(GOLDEN, '1_Pooling/config.json'), 'utf8'));
  writeFileSync(join(dir, '1_Pooling/config.json'), JSON.stringify({ ...pooling, include_prompt: false }));
  const excluding = await loadModel(dir);
  const got = (await excluding.encode(text)).row(0);
  const tokenizer = loadTokenizer(GOLDEN);
  const promptLength = tokenizer.encode('query: ').ids.length - 1; // [CLS] query :
  assert.equal(promptLength, 3);
  const batch = tokenizer.encodeBatch(['query: what is revenue']);
  const hidden = (plain.input.forward(batch) as tf.Tensor3D);
  const rows = (await hidden.array())[0]!.slice(promptLength);
  hidden.dispose();
  const mean = rows[0]!.map((_, k) => rows.reduce((s, r) => s + r[k]!, 0) / rows.length);
  const norm = Math.hypot(...mean);
  for (let k = 0; k < mean.length; k++) assert.ok(Math.abs(got[k]! - mean[k]! / norm) < 1e-6);
  for (const m of [model, plain, excluding]) m.dispose();
});

test('malformed prompts in config_sentence_transformers.json are errors naming the file and the field', async () => {
  await initBackend();
  const dir = copyModel(GOLDEN);
  const configPath = join(dir, 'config_sentence_transformers.json');
  const tensorsBefore = tf.memory().numTensors;
  const cases: [Record<string, unknown>, string][] = [
    [{ prompts: ['query: '] }, 'field "prompts": expected an object of prompt name → text, got ["query: "]'],
    [{ prompts: { query: 3 } }, 'field "prompts": expected an object of prompt name → text, got {"query":3}'],
    [{ prompts: { query: 'query: ' }, default_prompt_name: 'passage' }, 'field "default_prompt_name": "passage" is not one of the prompts (query)'],
    [{ default_prompt_name: 7 }, 'field "default_prompt_name": 7 is not one of the prompts (none)'],
  ];
  for (const [config, message] of cases) {
    writeFileSync(configPath, JSON.stringify(config));
    await assert.rejects(loadModel(dir), (e: Error) => e.name === 'EmbedlabError' && e.message === `${configPath}, ${message}`, JSON.stringify(config));
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the loaded weights are disposed');
});

test('a plain Hugging Face folder (no modules.json) gets mean pooling without Normalize', async () => {
  await initBackend();
  const dir = copyModel(GOLDEN);
  rmSync(join(dir, 'modules.json'));
  const model = await loadModel(dir);
  assert.deepEqual(model.pooling?.modes, ['mean']);
  assert.equal(model.normalizes, false);
  const normalized = await loadModel(GOLDEN);
  const raw = await model.encode(golden.sentences);
  assert.ok(maxAbsDiff(raw.truncate(64), await normalized.encode(golden.sentences)) < 1e-6);
  assert.ok(Math.abs(Math.hypot(...raw.row(0)) - 1) > 1e-3, 'not normalised');
  assert.ok(maxAbsDiff(await model.encode(golden.sentences, { normalize: true }), raw.truncate(64)) < 1e-6);
  model.dispose();
  normalized.dispose();
});

test('sharded weights load to the same embeddings', async () => {
  await initBackend();
  const dir = copyModel(GOLDEN);
  const all = readSafetensors(join(dir, 'model.safetensors'));
  rmSync(join(dir, 'model.safetensors'));
  const names = [...all.keys()];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of [names.slice(0, 10), names.slice(10)].entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    await writeSafetensors(join(dir, file), new Map(part.map((n) => [n, all.get(n)!])));
    for (const n of part) weightMap[n] = file;
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  const sharded = await loadModel(dir);
  const single = await loadModel(GOLDEN);
  assert.deepEqual((await sharded.encode(golden.sentences)).data, (await single.encode(golden.sentences)).data);
  sharded.dispose();
  single.dispose();
});

test('bert. prefixed checkpoints (BertForMaskedLM style) load', async () => {
  await initBackend();
  const dir = copyModel(GOLDEN);
  const all = readSafetensors(join(dir, 'model.safetensors'));
  const prefixed = new Map([...all].map(([n, t]) => [`bert.${n}`, t]));
  prefixed.set('cls.predictions.bias', { shape: [30522], data: new Float32Array(30522) });
  await writeSafetensors(join(dir, 'model.safetensors'), prefixed);
  const model = await loadModel(dir);
  const reference = await loadModel(GOLDEN);
  assert.deepEqual((await model.encode(['prefix'])).data, (await reference.encode(['prefix'])).data);
  model.dispose();
  reference.dispose();
});

test('bad model folders give errors naming the file and tensor', async () => {
  await initBackend();
  const expectError = async (dir: string, pattern: RegExp) =>
    assert.rejects(loadModel(dir), (e: Error) => e.name === 'EmbedlabError' && pattern.test(e.message));

  const t5 = copyModel(GOLDEN);
  const config = JSON.parse(readFileSync(join(GOLDEN, 'config.json'), 'utf8'));
  writeFileSync(join(t5, 'config.json'), JSON.stringify({ ...config, model_type: 't5', architectures: ['T5EncoderModel'] }));
  await expectError(t5, new RegExp(`${join(t5, 'config.json')}: model_type "t5" is not supported; .*"bert" .*"xlm-roberta" .*"distilbert" .*"mpnet"`));

  const wrongShape = copyModel(GOLDEN);
  const tensors = readSafetensors(join(wrongShape, 'model.safetensors'));
  tensors.set('encoder.layer.1.attention.self.key.weight', { shape: [64, 32], data: new Float32Array(64 * 32) });
  await writeSafetensors(join(wrongShape, 'model.safetensors'), tensors);
  await expectError(wrongShape, /tensor "encoder\.layer\.1\.attention\.self\.key\.weight" has shape \[64,32\], expected \[64,64\]/);

  const missing = copyModel(GOLDEN);
  tensors.delete('encoder.layer.1.attention.self.key.weight');
  await writeSafetensors(join(missing, 'model.safetensors'), tensors);
  await expectError(missing, /missing tensor "encoder\.layer\.1\.attention\.self\.key\.weight"/);

  const noWeights = copyModel(GOLDEN);
  rmSync(join(noWeights, 'model.safetensors'));
  await expectError(noWeights, /no model weights in .*model\.safetensors/);

  const corrupt = copyModel(GOLDEN);
  writeFileSync(join(corrupt, 'model.safetensors'), readFileSync(join(GOLDEN, 'model.safetensors')).subarray(0, 4000));
  await expectError(corrupt, new RegExp(`${join(corrupt, 'model.safetensors')} is not a valid safetensors file`));

  const noTokenizer = copyModel(GOLDEN);
  rmSync(join(noTokenizer, 'tokenizer.json'));
  rmSync(join(noTokenizer, 'vocab.txt'));
  await expectError(noTokenizer, /no tokenizer in .*expected tokenizer\.json/);

  const badModule = copyModel(GOLDEN);
  writeFileSync(join(badModule, 'modules.json'), JSON.stringify([
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' },
  ]));
  await expectError(badModule, /module 2 \(sentence_transformers\.models\.Dense\): module type .* is not supported/);

  const escaping = copyModel(GOLDEN);
  writeFileSync(join(escaping, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '../elsewhere', type: 'sentence_transformers.models.Transformer' }]));
  await expectError(escaping, /"path" "\.\.\/elsewhere" is not a folder inside the model/);

  await expectError(join(tmpdir(), 'embedlab-no-such-folder-xyz'), /embedlab-no-such-folder-xyz/);
});

test('the real MiniLM config builds a 384-d random model with the real tokenizer', async () => {
  await initBackend();
  const config = JSON.parse(readFileSync(join(MINILM, 'config.json'), 'utf8'));
  const model = createRandomBert({ ...config, num_hidden_layers: 1 }, MINILM, { seed: 1, maxSeqLength: 32 });
  assert.equal(model.dimension, 384);
  assert.equal(model.maxSeqLength, 32);
  const m = await model.encode(['hello world', '']);
  assert.equal(m.cols, 384);
  assert.ok(Math.abs(Math.hypot(...m.row(1)) - 1) < 1e-5);
  model.dispose();
});

test('older layout: Transformer in a 0_Transformer folder; encoding no texts gives 0 rows', async () => {
  await initBackend();
  const root = mkdtempSync(join(tmpdir(), 'embedlab-layout-'));
  const inner = copyModel(GOLDEN);
  const transformerDir = join(root, '0_Transformer');
  mkdirSync(transformerDir);
  for (const name of readdirSync(inner)) {
    if (statSync(join(inner, name)).isFile()) writeFileSync(join(transformerDir, name), readFileSync(join(inner, name)));
  }
  mkdirSync(join(root, '1_Pooling'));
  writeFileSync(join(root, '1_Pooling/config.json'), readFileSync(join(GOLDEN, '1_Pooling/config.json')));
  writeFileSync(join(root, 'modules.json'), JSON.stringify([
    { idx: 0, name: '0', path: '0_Transformer', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ]));
  const model = await loadModel(root);
  const reference = await loadModel(GOLDEN);
  assert.deepEqual((await model.encode(golden.sentences)).data, (await reference.encode(golden.sentences)).data);
  const none = await model.encode([]);
  assert.equal(none.rows, 0);
  assert.equal(none.cols, 64);
  model.dispose();
  reference.dispose();
});
