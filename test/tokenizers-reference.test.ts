/**
 * Token ids of 25 varied texts for the tokenizer types of XLM-RoBERTa and
 * MPNet, against test/reference/tokenizers_reference.py:
 *
 * - XLM-RoBERTa (Unigram + SentencePiece Precompiled charsmap + Metaspace):
 *   test/fixtures/tokenizers/xlm-roberta/tokenizer.json (a small vocabulary
 *   and the real nmt_nfkc charsmap reduced to the entries the texts reach)
 *   run by sentencepiece_tokenizer.py, a port of the Rust tokenizers pipeline;
 * - MPNet (WordPiece, lowercasing, `<s> … </s>`): the bert-base-uncased vocab
 *   in all-mpnet-base-v2's layout, run by bert_tokenizer.py (transformers'
 *   slow tokenizer rules, which MPNetTokenizer shares with BertTokenizer).
 *
 * BERT's and DistilBERT's WordPiece (the same tokenizer) is tokenizer-cases.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, TextTokenizer, wordpieceTokenizerJson } from '../src/tokenizer';
import { PrecompiledNormalizer } from '../src/tokenizer/precompiledNormalizer';
import { REPO, SHARED, pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';

interface Case {
  text: number;
  max_length: number;
  ids: number[];
}
interface TokenizersFixture {
  texts: string[];
  cases: Record<'xlm-roberta' | 'mpnet', Case[]>;
}

// the library's own Precompiled stand-in (exported at run time, not in its type declarations)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PrecompiledNormalizer: LibraryPrecompiled } = require('@huggingface/tokenizers') as {
  PrecompiledNormalizer: new (config: object) => { normalize(text: string): string };
};
const fixture = readFixture<TokenizersFixture>('tokenizers-unseen.json');
const XLMR = join(REPO, 'test/fixtures/tokenizers/xlm-roberta');
const MINILM_VOCAB = join(SHARED, 'models/all-MiniLM-L6-v2-config-and-tokenizer/vocab.txt');

/** all-mpnet-base-v2's tokenizer over the bert-base-uncased vocab: <s> <pad> </s> <unk>, the vocab, <mask>. */
function mpnetTokenizer(maxLength: number): TextTokenizer {
  const bert = readFileSync(MINILM_VOCAB, 'utf8').split('\n');
  if (bert[bert.length - 1] === '') bert.pop();
  const vocab = ['<s>', '<pad>', '</s>', '<unk>', ...bert, '<mask>'].join('\n') + '\n';
  const config = { cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', mask_token: '<mask>', unk_token: '[UNK]', do_lower_case: true };
  return new TextTokenizer(wordpieceTokenizerJson(vocab, config), config, new Map(), { maxLength });
}

test('tokenizers reference: the fixture is what tokenizers_reference.py computes', (t) => {
  const missing = pythonMissing();
  if (missing) return t.skip(missing);
  const out = runReferenceScript('tokenizers_reference.py', [MINILM_VOCAB]);
  try {
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'tokenizers-unseen.json'), 'utf8')), fixture);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

for (const [name, make] of [
  ['xlm-roberta', (maxLength: number) => loadTokenizer(XLMR, { maxLength })],
  ['mpnet', mpnetTokenizer],
] as const) {
  test(`${name} tokenizer: ids of 25 varied texts equal the reference, untruncated and at max_length 16`, () => {
    const tokenizers = new Map<number, TextTokenizer>();
    for (const c of fixture.cases[name]) {
      if (!tokenizers.has(c.max_length)) tokenizers.set(c.max_length, make(c.max_length));
      const text = fixture.texts[c.text]!;
      assert.deepEqual(tokenizers.get(c.max_length)!.encode(text).ids, c.ids, `text ${c.text} ${JSON.stringify(text)} (max_length ${c.max_length})`);
    }
  });
}

test('xlm-roberta tokenizer: special tokens and padding come from the tokenizer files', () => {
  const tokenizer = loadTokenizer(XLMR, { maxLength: 512 });
  const batch = tokenizer.encodeBatch(['Hello', 'Hello, World! How are you?']);
  assert.equal(tokenizer.padId, 1, '<pad>');
  assert.equal(batch.inputIds[0], 0, '<s> first');
  const firstLength = batch.attentionMask.slice(0, batch.seqLength).reduce((a, b) => a + b, 0);
  assert.equal(batch.inputIds[firstLength - 1], 2, '</s> last');
  assert.ok(batch.inputIds.slice(firstLength, batch.seqLength).every((id) => id === 1), 'padded with <pad>');
  assert.ok(batch.tokenTypeIds.every((t) => t === 0), 'one token type');
});

/**
 * Where `@huggingface/tokenizers`' stand-in for the Precompiled normalizer (a
 * list of control/space replacements, then NFKC over the whole text) differs
 * from the charsmap, which embedlab now reads. Over single code points the two
 * differ on 172 characters, all assigned after the charsmap was built
 * (Unicode 12+), which NFKC folds and the charsmap keeps; over sequences they
 * differ wherever NFKC composes across graphemes or reorders marks, and where
 * upstream replaces a whole grapheme by the entry of its first character.
 */
test('Precompiled charsmap vs the library\'s NFKC stand-in: the differences are pinned', () => {
  const json = JSON.parse(readFileSync(join(XLMR, 'tokenizer.json'), 'utf8')) as { normalizer: { normalizers: { precompiled_charsmap: string }[] } };
  const charsmap = json.normalizer.normalizers[0]!.precompiled_charsmap;
  const ours = new PrecompiledNormalizer(charsmap);
  const library = new LibraryPrecompiled({ type: 'Precompiled', precompiled_charsmap: charsmap });
  const cases: [string, string, string][] = [
    // input, the charsmap (Rust tokenizers), NFKC stand-in
    ['\uff76\uff9e', '\u30ab\u3099', '\u30ac'], // halfwidth ka + voiced mark: not composed
    ['\u306f\u309a', '\u306f\u309a', '\u3071'], // decomposed pa: not composed
    ['\u1100\u1161\u11a8', '\u1100\u1161\u11a8', '\uac01'], // Hangul jamo: not composed into a syllable
    ['\u2460\u0301', '1', '1\u0301'], // a grapheme whose first character has an entry takes that entry, marks dropped
    ['\ufb01\u0301', 'fi', 'f\u00ed'],
    ['a\u0323\u0308', '\u1ea1', '\u1ea1\u0308'], // the entry of the prefix a + dot below; the diaeresis is dropped
    ['\u32ff', '\u32ff', '\u4ee4\u548c'], // assigned after the charsmap (Unicode 12.1): kept
    ['\u{1fbf1}', '\u{1fbf1}', '1'],
    ['e\u0301', '\u00e9', '\u00e9'], // the same where the charsmap has the composed entry
    ['\u00a0\u3000\u200b\ufeff', '    ', '    '],
  ];
  for (const [input, charsmapResult, nfkcResult] of cases) {
    assert.equal(ours.normalize(input), charsmapResult, `charsmap ${JSON.stringify(input)}`);
    assert.equal(library.normalize(input), nfkcResult, `library stand-in ${JSON.stringify(input)}`);
  }
});
