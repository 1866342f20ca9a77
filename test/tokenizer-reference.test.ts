/**
 * The real bert-base-uncased tokenizer (all-MiniLM-L6-v2's tokenizer.json, and
 * the same vocab.txt alone) against an independent Python implementation of
 * Hugging Face's BertTokenizer rules (test/reference/bert_tokenizer.py) on
 * texts with accents, CJK, emoji, control characters, very long words,
 * numbers, special tokens, empty and whitespace-only input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../src/tokenizer';
import { applyBertTextFixes, bertTextFixes } from '../src/tokenizer/bertNormalizerFixes';
import { SHARED, pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';

const MINILM = join(SHARED, 'models/all-MiniLM-L6-v2-config-and-tokenizer');

interface TokenizerFixture {
  texts: string[];
  cases: { text: number; max_length: number; do_lower_case: boolean; tokens: string[]; ids: number[] }[];
}
const fixture = readFixture<TokenizerFixture>('tokenizer-cases.json');

function checkFolder(dir: string): void {
  const tokenizers = new Map<string, ReturnType<typeof loadTokenizer>>();
  for (const c of fixture.cases) {
    const key = `${c.max_length}/${c.do_lower_case}`;
    if (!tokenizers.has(key)) tokenizers.set(key, loadTokenizer(dir, { maxLength: c.max_length, doLowerCase: c.do_lower_case }));
    const tokenizer = tokenizers.get(key)!;
    const got = tokenizer.encode(fixture.texts[c.text]!).ids;
    const label = `text ${c.text} ${JSON.stringify(fixture.texts[c.text]!.slice(0, 60))} (max_length ${c.max_length}, lower ${c.do_lower_case})`;
    assert.deepEqual(tokenizer.idsToTokens(got), c.tokens, label);
    assert.deepEqual(got, c.ids, label);
  }
  // one padded batch: right padding with 0, mask 1/0, token types 0
  const tokenizer = loadTokenizer(dir, { maxLength: 16 });
  const batch = tokenizer.encodeBatch(fixture.texts);
  const expected = fixture.cases.filter((c) => c.max_length === 16);
  assert.equal(batch.seqLength, Math.max(...expected.map((c) => c.ids.length)));
  expected.forEach((c, i) => {
    const row = Array.from(batch.inputIds.subarray(i * batch.seqLength, (i + 1) * batch.seqLength));
    assert.deepEqual(row, [...c.ids, ...new Array<number>(batch.seqLength - c.ids.length).fill(0)]);
    const mask = Array.from(batch.attentionMask.subarray(i * batch.seqLength, (i + 1) * batch.seqLength));
    assert.deepEqual(mask, row.map((_, j) => (j < c.ids.length ? 1 : 0)));
  });
  assert.ok(batch.tokenTypeIds.every((t) => t === 0));
}

test('tokenizer reference: the committed cases are what the Python BertTokenizer rules give', (t) => {
  const missing = pythonMissing();
  if (missing) return t.skip(missing);
  const out = runReferenceScript('tokenizer_cases.py', [join(MINILM, 'vocab.txt')]);
  try {
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'tokenizer-cases.json'), 'utf8')), fixture);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('tokenizer reference: all-MiniLM-L6-v2 tokenizer.json matches BertTokenizer on varied texts', () => {
  checkFolder(MINILM);
});

test('tokenizer reference: the same vocab.txt without tokenizer.json matches too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-vocab-only-'));
  try {
    for (const name of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(MINILM, name), join(dir, name));
    writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 256, do_lower_case: false }));
    checkFolder(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BertNormalizer fixes follow the normalizer settings: clean_text drops unassigned code points, handle_chinese_chars spaces astral CJK', () => {
  assert.deepEqual(bertTextFixes({ type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true }), { dropUnassigned: true, spaceAstralCjk: true });
  assert.deepEqual(bertTextFixes({ type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false }), { dropUnassigned: false, spaceAstralCjk: false });
  assert.deepEqual(bertTextFixes({ type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'BertNormalizer' }] }), { dropUnassigned: true, spaceAstralCjk: true });
  assert.deepEqual(bertTextFixes({ type: 'NFKC' }), { dropUnassigned: false, spaceAstralCjk: false });
  assert.deepEqual(bertTextFixes(null), { dropUnassigned: false, spaceAstralCjk: false });
  const text = 'a\u{20000}b\u0378c\u4e00d';
  assert.equal(applyBertTextFixes(text, { dropUnassigned: true, spaceAstralCjk: true }), 'a \u{20000} bc\u4e00d');
  assert.equal(applyBertTextFixes(text, { dropUnassigned: false, spaceAstralCjk: false }), text);
  // U+2B820..U+2B91F are outside the Rust tokenizers' CJK ranges (its fourth range starts at U+2B920)
  assert.equal(applyBertTextFixes('x\u{2B820}y\u{2B920}z', { dropUnassigned: false, spaceAstralCjk: true }), 'x\u{2B820}y \u{2B920} z');
});
