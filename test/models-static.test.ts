import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { createStaticModel, loadModel, readSafetensors, writeSafetensors } from '../src/models';
import { loadTokenizer } from '../src/tokenizer';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');

/** EmbeddingBag(mode="mean") by hand: mean of the table rows of `ids` (zeros when empty), optionally L2-normalised. */
function bagMean(table: Float32Array, dim: number, ids: number[], normalize: boolean): number[] {
  const out = new Array<number>(dim).fill(0);
  for (const id of ids) for (let k = 0; k < dim; k++) out[k]! += table[id * dim + k]! / ids.length;
  const norm = Math.max(Math.hypot(...out), 1e-12);
  return normalize ? out.map((v) => v / norm) : out;
}

test('StaticEmbedding: mean of token rows without special tokens; empty text gives zeros', async () => {
  await initBackend();
  const model = createStaticModel(GOLDEN, { dim: 8, seed: 1 });
  assert.equal(model.dimension, 8);
  assert.equal(model.maxSeqLength, 128); // the truncation tokenizer.json sets
  const table = (await model.namedWeights().get('embedding.weight')!.data()) as Float32Array;
  assert.equal(table.length, 30522 * 8);
  const texts = ['Hello world!', '', '  spaces  around  ', 'the the the dog'];
  const tokenizer = loadTokenizer(GOLDEN);
  const got = await model.encode(texts, { batchSize: 3 });
  texts.forEach((text, i) => {
    const ids = text === '' ? [] : tokenizer.encode(text).ids.slice(1, -1);
    const expected = bagMean(table, 8, ids, true);
    got.row(i).forEach((v, k) => assert.ok(Math.abs(v - expected[k]!) < 1e-6, `text ${i} dim ${k}`));
  });
  assert.ok(got.row(1).every((v) => v === 0));
  // N(0, 1) initialisation
  const mean = table.reduce((a, b) => a + b, 0) / table.length;
  const std = Math.sqrt(table.reduce((a, b) => a + (b - mean) ** 2, 0) / table.length);
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 1) < 0.01, `mean ${mean} std ${std}`);
  // only the first 128 tokens count (tokenizer.json truncation), as the Rust tokenizer does
  const long = Array.from({ length: 300 }, (_, i) => `w${i % 10}`).join(' ');
  const ids = loadTokenizer(GOLDEN, { maxLength: Infinity }).encode(long).ids.slice(1, -1);
  assert.ok(ids.length > 128);
  const expected = bagMean(table, 8, ids.slice(0, 128), true);
  (await model.encode([long])).row(0).forEach((v, k) => assert.ok(Math.abs(v - expected[k]!) < 1e-6));
  model.dispose();
});

test('StaticEmbedding: saves the sentence-transformers layout and loads back bit-identical', async () => {
  await initBackend();
  const model = createStaticModel(GOLDEN, { dim: 16, seed: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-static-'));
  await model.save(dir);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'modules.json'), 'utf8')), [
    { idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' },
    { idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' },
  ]);
  assert.ok(existsSync(join(dir, '0_StaticEmbedding/tokenizer.json')));
  const saved = readSafetensors(join(dir, '0_StaticEmbedding/model.safetensors'));
  assert.deepEqual([...saved.keys()], ['embedding.weight']);
  assert.deepEqual(saved.get('embedding.weight')!.shape, [30522, 16]);
  const reloaded = await loadModel(dir);
  assert.equal(reloaded.input.moduleType, 'sentence_transformers.models.StaticEmbedding');
  const texts = ['Static embeddings are fast.', 'Café résumé', ''];
  assert.deepEqual((await reloaded.encode(texts)).data, (await model.encode(texts)).data);
  assert.deepEqual((await createStaticModel(GOLDEN, { dim: 16, seed: 5 }).encode(texts)).data, (await model.encode(texts)).data);
  model.dispose();
  reloaded.dispose();
});

test('StaticEmbedding: model2vec-style "embeddings" tensor, bad tables are errors', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-m2v-'));
  mkdirSync(join(dir, '0_StaticEmbedding'));
  writeFileSync(join(dir, 'modules.json'), JSON.stringify([{ idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' }]));
  writeFileSync(join(dir, '0_StaticEmbedding/tokenizer.json'), readFileSync(join(GOLDEN, 'tokenizer.json')));
  const table = Float32Array.from({ length: 30522 * 2 }, (_, i) => (i % 7) - 3);
  await writeSafetensors(join(dir, '0_StaticEmbedding/model.safetensors'), new Map([['embeddings', { shape: [30522, 2], data: table }]]));
  const model = await loadModel(dir);
  assert.equal(model.normalizes, false);
  const [hello] = loadTokenizer(GOLDEN).encode('hello').ids.slice(1, -1);
  assert.deepEqual(Array.from((await model.encode(['hello'])).row(0)), [table[hello! * 2]!, table[hello! * 2 + 1]!]);
  model.dispose();
  await writeSafetensors(join(dir, '0_StaticEmbedding/model.safetensors'), new Map([['embedding.weight', { shape: [100, 2], data: new Float32Array(200) }]]));
  const tensorsBefore = tf.memory().numTensors;
  await assert.rejects(loadModel(dir), /model\.safetensors: tensor "embedding\.weight": the tokenizer has 30522 tokens but the embedding table only 100 rows/);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'a rejected table leaves no variable behind');
  await writeSafetensors(join(dir, '0_StaticEmbedding/model.safetensors'), new Map([['other', { shape: [1], data: new Float32Array(1) }]]));
  await assert.rejects(loadModel(dir), /missing tensor "embedding\.weight"/);
});
