import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { datasetReadme, generatePairs, toJsonl, VOCAB_SIZE_NOTE, type QaPair } from '../scripts/make-dataset';
import { bertNormalize, bertPreTokenize, buildTokenizerFiles, SPECIAL_TOKENS, VOCAB_SIZE } from '../scripts/make-tokenizer';

const FOLDER = join(__dirname, '../../datasets/fictional-10k-qa');
const SHARED_FINANCIAL = join(__dirname, '../../../shared/datasets/financial-qa-10k/financial-rag-embedding-dataset.jsonl');

const committed = (name: string): string => readFileSync(join(FOLDER, name), 'utf8');
const rows = (): QaPair[] => committed('pairs.jsonl').trim().split('\n').map((line) => JSON.parse(line) as QaPair);

function loadTokenizer(): Tokenizer {
  return new Tokenizer(JSON.parse(committed('tokenizer/tokenizer.json')), JSON.parse(committed('tokenizer/tokenizer_config.json')));
}

test('built-in dataset: the generator reproduces the committed files byte for byte', () => {
  const pairs = generatePairs();
  assert.equal(toJsonl(pairs), committed('pairs.jsonl'));
  assert.equal(datasetReadme(pairs), committed('README.md'));
  // a different seed gives different data: the output really comes from the seeded generator
  assert.notEqual(toJsonl(generatePairs(7)), committed('pairs.jsonl'));
});

test('built-in dataset: enough unique, well-formed question/context pairs in a small file', () => {
  const pairs = rows();
  assert.ok(pairs.length >= 1500, `${pairs.length} pairs`);
  assert.ok(statSync(join(FOLDER, 'pairs.jsonl')).size < 2 * 1024 * 1024);
  for (const [i, pair] of pairs.entries()) {
    assert.deepEqual(Object.keys(pair), ['id', 'question', 'context'], `row ${i + 1}`);
    assert.equal(pair.id, `f10k-${String(i + 1).padStart(4, '0')}`);
    assert.match(pair.question, /^[A-Z].*\?$/, `row ${i + 1} question`);
    // multi-sentence passages
    assert.ok((pair.context.match(/[.!?](\s|$)/g) ?? []).length >= 2, `row ${i + 1} context has 2+ sentences`);
  }
  assert.equal(new Set(pairs.map((p) => p.question)).size, pairs.length, 'questions unique');
  assert.equal(new Set(pairs.map((p) => p.context)).size, pairs.length, 'contexts unique');
  const readme = committed('README.md');
  assert.match(readme, new RegExp(`\`pairs\\.jsonl\`: ${pairs.length} rows`));
  assert.match(readme, /Licence\*\*: CC0/);
  assert.match(readme, /fictional/);
});

test('built-in dataset: is not a copy of the real financial data', { skip: !existsSync(SHARED_FINANCIAL) && 'shared data absent' }, () => {
  const real = new Set<string>();
  for (const line of readFileSync(SHARED_FINANCIAL, 'utf8').trim().split('\n')) {
    const row = JSON.parse(line) as { question: string; context: string };
    real.add(row.question).add(row.context);
  }
  for (const pair of rows()) assert.ok(!real.has(pair.question) && !real.has(pair.context), pair.id);
});

/**
 * NDCG@10 of a plain TF-IDF cosine retriever (test questions of a 90/10 split
 * against all contexts): far above chance (the questions name their company)
 * and far below perfect (they often use other words than the passage).
 */
test('built-in dataset: lexical retrieval works only partly, leaving room for fine-tuning', () => {
  const pairs = rows();
  const words = (text: string): string[] => bertPreTokenize(bertNormalize(text)).filter((w) => /[a-z0-9]/.test(w));
  const docs = pairs.map((p) => words(p.context));
  const df = new Map<string, number>();
  for (const doc of docs) for (const w of new Set(doc)) df.set(w, (df.get(w) ?? 0) + 1);
  const vector = (tokens: string[]): Map<string, number> => {
    const v = new Map<string, number>();
    for (const w of tokens) v.set(w, (v.get(w) ?? 0) + Math.log(pairs.length / (df.get(w) ?? pairs.length)));
    const norm = Math.hypot(...v.values()) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  };
  const docVectors = docs.map(vector);
  const queries = pairs.slice(Math.floor(pairs.length * 0.9));
  let ndcg = 0;
  for (const query of queries) {
    const q = vector(words(query.question));
    const scores = docVectors.map((d, j) => {
      let s = 0;
      for (const [w, x] of q) s += x * (d.get(w) ?? 0);
      return [s, j] as const;
    });
    scores.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const rank = scores.slice(0, 10).findIndex(([, j]) => pairs[j]!.id === query.id);
    if (rank >= 0) ndcg += 1 / Math.log2(rank + 2);
  }
  ndcg /= queries.length;
  if (process.env.EMBEDLAB_VERBOSE) console.log(`TF-IDF NDCG@10 ${ndcg.toFixed(3)}`);
  assert.ok(ndcg > 0.2, `TF-IDF NDCG@10 ${ndcg.toFixed(3)} is well above chance`);
  assert.ok(ndcg < 0.7, `TF-IDF NDCG@10 ${ndcg.toFixed(3)} leaves room to learn`);
});

test('built-in tokenizer: the generator reproduces the committed files byte for byte', () => {
  const files = buildTokenizerFiles();
  assert.deepEqual([...files.keys()].sort(), ['special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
  for (const [name, text] of files) assert.equal(text, committed(`tokenizer/${name}`), name);
});

test('built-in tokenizer: a valid BERT-style WordPiece tokenizer that @huggingface/tokenizers loads', () => {
  const vocabLines = committed('tokenizer/vocab.txt').split('\n').slice(0, -1);
  const json = JSON.parse(committed('tokenizer/tokenizer.json'));
  assert.ok(vocabLines.length <= VOCAB_SIZE && vocabLines.length > 1000, `${vocabLines.length} tokens`);
  assert.equal(VOCAB_SIZE_NOTE, VOCAB_SIZE, 'the dataset README states the real vocabulary size');
  assert.equal(new Set(vocabLines).size, vocabLines.length, 'no duplicate tokens');
  assert.deepEqual(vocabLines.slice(0, 5), [...SPECIAL_TOKENS]);
  assert.deepEqual(json.model.vocab, Object.fromEntries(vocabLines.map((t, i) => [t, i])), 'tokenizer.json vocab = vocab.txt');
  assert.equal(json.model.type, 'WordPiece');
  assert.equal(json.normalizer.type, 'BertNormalizer');
  assert.equal(json.pre_tokenizer.type, 'BertPreTokenizer');

  const tokenizer = loadTokenizer();
  assert.equal(tokenizer.get_vocab().size, vocabLines.length);
  const encoded = tokenizer.encode('How much did Everan Studios earn in 2023?');
  assert.equal(encoded.ids[0], vocabLines.indexOf('[CLS]'));
  assert.equal(encoded.ids.at(-1), vocabLines.indexOf('[SEP]'));
  assert.equal(vocabLines.indexOf('[PAD]'), 0);
  assert.deepEqual(encoded.tokens.slice(1, -1), ['how', 'much', 'did', 'everan', 'studios', 'earn', 'in', '2023', '?']);
  // a pair gets [CLS] A [SEP] B [SEP] with segment ids 0… then 1…
  const pair = tokenizer.encode('net income', { text_pair: 'profit', return_token_type_ids: true });
  assert.deepEqual(pair.tokens, ['[CLS]', 'net', 'income', '[SEP]', 'profit', '[SEP]']);
  assert.deepEqual(pair.token_type_ids, [0, 0, 0, 0, 1, 1]);
});

/** Greedy longest-match-first WordPiece over a vocab, written out here to check the library reads our model as intended. */
function wordPiece(word: string, vocab: Set<string>): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < word.length; ) {
    let end = word.length;
    let piece: string | undefined;
    for (; end > start; end--) {
      const candidate = (start > 0 ? '##' : '') + word.slice(start, end);
      if (vocab.has(candidate)) {
        piece = candidate;
        break;
      }
    }
    if (piece === undefined) return ['[UNK]'];
    pieces.push(piece);
    start = end;
  }
  return pieces;
}

test('built-in tokenizer: dataset text tokenizes without [UNK], losslessly, as plain WordPiece would', () => {
  const tokenizer = loadTokenizer();
  const vocab = new Set(committed('tokenizer/vocab.txt').split('\n').slice(0, -1));
  let tokens = 0;
  let unknown = 0;
  let wholeWords = 0;
  let words = 0;
  for (const pair of rows()) {
    for (const text of [pair.question, pair.context]) {
      const encoded = tokenizer.encode(text, { add_special_tokens: false });
      tokens += encoded.ids.length;
      unknown += encoded.tokens.filter((t: string) => t === '[UNK]').length;
      const expected = bertPreTokenize(bertNormalize(text)).flatMap((w) => wordPiece(w, vocab));
      assert.deepEqual(encoded.tokens, expected, text);
      const squash = (s: string): string => s.replace(/\s+/g, '');
      assert.equal(squash(tokenizer.decode(encoded.ids)), squash(bertNormalize(text)), 'decode gives the text back');
      for (const w of bertPreTokenize(bertNormalize(text))) {
        words++;
        if (vocab.has(w)) wholeWords++;
      }
    }
  }
  assert.equal(unknown, 0, `${unknown} [UNK] in ${tokens} tokens`);
  assert.ok(wholeWords / words > 0.9, `${((100 * wholeWords) / words).toFixed(1)}% of dataset words are single tokens`);

  // ordinary English outside the dataset: few [UNK]
  const prose =
    'The committee reviewed the quarterly results on Tuesday — revenue rose 4% to €12.5 million, ' +
    "while the company's new warehouse in the north opened ahead of schedule. Analysts asked whether " +
    'management expects demand for its services to remain strong next year; the answer was cautious.';
  const outside = tokenizer.encode(prose, { add_special_tokens: false }).tokens;
  assert.ok(outside.filter((t: string) => t === '[UNK]').length === 0, outside.join(' '));
});
