import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer, resolveMaxSeqLength } from '../src/tokenizer';

const SHARED = join(__dirname, '../../../shared');
const GOLDEN = join(SHARED, 'golden/bert_forward');
const MINILM = join(SHARED, 'models/all-MiniLM-L6-v2-config-and-tokenizer');

interface GoldenEncoding {
  max_length: number | null;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  tokens: string[][];
}
const golden = JSON.parse(readFileSync(join(GOLDEN, 'bert_forward.json'), 'utf8')) as {
  sentences: string[];
  encodings: Record<'pad_longest' | 'truncate_16', GoldenEncoding>;
};

function rows(flat: Int32Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) => Array.from(flat.subarray(i * width, (i + 1) * width)));
}

function assertMatchesGolden(dir: string, which: 'pad_longest' | 'truncate_16', maxLength?: number): void {
  const expected = golden.encodings[which];
  const tokenizer = loadTokenizer(dir, maxLength ? { maxLength } : {});
  const batch = tokenizer.encodeBatch(golden.sentences);
  assert.equal(batch.batchSize, 6);
  assert.equal(batch.seqLength, expected.input_ids[0]!.length);
  assert.deepEqual(rows(batch.inputIds, batch.seqLength), expected.input_ids);
  assert.deepEqual(rows(batch.attentionMask, batch.seqLength), expected.attention_mask);
  assert.deepEqual(rows(batch.tokenTypeIds, batch.seqLength), expected.token_type_ids);
  const tokens = rows(batch.inputIds, batch.seqLength).map((r, i) =>
    tokenizer.idsToTokens(r.filter((_, j) => expected.attention_mask[i]![j])),
  );
  assert.deepEqual(tokens, expected.tokens.map((t, i) => t.filter((_, j) => expected.attention_mask[i]![j])));
}

test('tokenizer: golden tokenizer.json gives the golden ids, masks and type ids (padded to longest)', () => {
  assertMatchesGolden(GOLDEN, 'pad_longest');
  assert.equal(loadTokenizer(GOLDEN).maxLength, 128);
});

test('tokenizer: truncation to 16 tokens matches HF truncation=True, max_length=16', () => {
  assertMatchesGolden(GOLDEN, 'truncate_16', 16);
});

test('tokenizer: the real all-MiniLM-L6-v2 tokenizer gives the golden ids (same vocab)', () => {
  assertMatchesGolden(MINILM, 'pad_longest');
  assertMatchesGolden(MINILM, 'truncate_16', 16);
  assert.equal(loadTokenizer(MINILM).maxLength, 256);
});

test('tokenizer: a folder with only vocab.txt + tokenizer_config.json tokenizes the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-vocab-'));
  copyFileSync(join(GOLDEN, 'vocab.txt'), join(dir, 'vocab.txt'));
  copyFileSync(join(GOLDEN, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  assertMatchesGolden(dir, 'pad_longest');
  assertMatchesGolden(dir, 'truncate_16', 16);
  // do_lower_case false keeps case: "Hello" is not in the uncased vocab
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
  assert.deepEqual(loadTokenizer(dir).encode('Hello hello').ids, [101, 100, 7592, 102]);
});

test('tokenizer: empty and whitespace-only texts encode to [CLS] [SEP]', () => {
  const tokenizer = loadTokenizer(GOLDEN);
  for (const text of ['', '   ', '\t\n\u00a0']) assert.deepEqual(tokenizer.encode(text), { ids: [101, 102], typeIds: [0, 0] });
  const batch = tokenizer.encodeBatch(['', 'hello world']);
  assert.equal(batch.seqLength, 4);
  assert.deepEqual(Array.from(batch.inputIds), [101, 102, 0, 0, 101, 7592, 2088, 102]);
  assert.deepEqual(Array.from(batch.attentionMask), [1, 1, 0, 0, 1, 1, 1, 1]);
});

test('tokenizer: over-long text is truncated to maxLength, keeping [SEP] last', () => {
  const tokenizer = loadTokenizer(MINILM);
  const text = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
  const { ids } = tokenizer.encode(text);
  assert.equal(ids.length, 256);
  assert.equal(ids[0], 101);
  assert.equal(ids[255], 102);
  // the kept pieces are the first ones of the untruncated text
  const short = tokenizer.withOptions({ maxLength: 8 }).encode(text).ids;
  assert.deepEqual(short, [...ids.slice(0, 7), 102]);
});

test('tokenizer: lowercasing from sentence_bert_config.json do_lower_case', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-lower-'));
  copyFileSync(join(GOLDEN, 'vocab.txt'), join(dir, 'vocab.txt'));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
  writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 32, do_lower_case: true }));
  const tokenizer = loadTokenizer(dir);
  assert.equal(tokenizer.maxLength, 32);
  assert.deepEqual(tokenizer.encode('Hello').ids, [101, 7592, 102]);
});

test('tokenizer: missing or corrupt tokenizer files give errors naming them', () => {
  const empty = mkdtempSync(join(tmpdir(), 'embedlab-notok-'));
  assert.throws(() => loadTokenizer(empty), (e: Error) => e.name === 'EmbedlabError' && e.message.includes(`no tokenizer in ${empty}`));
  const corrupt = mkdtempSync(join(tmpdir(), 'embedlab-badtok-'));
  writeFileSync(join(corrupt, 'tokenizer.json'), '{"model": ');
  assert.throws(() => loadTokenizer(corrupt), new RegExp(`${join(corrupt, 'tokenizer.json')} is not valid JSON`));
  writeFileSync(join(corrupt, 'tokenizer.json'), JSON.stringify({ model: { type: 'NoSuchModel' } }));
  assert.throws(() => loadTokenizer(corrupt), new RegExp(`${join(corrupt, 'tokenizer.json')}: tokenizer model type "NoSuchModel" is not supported`));
});

test('max sequence length: sentence_bert_config, else min(max positions, model_max_length)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-maxlen-'));
  assert.equal(resolveMaxSeqLength(dir), Infinity);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ max_position_embeddings: 512 }));
  assert.equal(resolveMaxSeqLength(dir), 512);
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 1e30 }));
  assert.equal(resolveMaxSeqLength(dir), 512);
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 256 }));
  assert.equal(resolveMaxSeqLength(dir), 256);
  writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 384 }));
  assert.equal(resolveMaxSeqLength(dir), 384);
  writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 4096 }));
  assert.equal(resolveMaxSeqLength(dir), 512);
});
