/**
 * Word-level tokenizers (`"model": {"type": "WordLevel", …}` in tokenizer.json),
 * as Hugging Face `tokenizers` defines them: each pre-tokenized word is looked
 * up whole; a word not in the vocabulary becomes `unk_token`. Static word
 * embeddings (GloVe, word2vec, model2vec word vocabularies) use them.
 *
 * `@huggingface/tokenizers` has no WordLevel model, so it runs one as a
 * WordPiece model that can never continue a word: its continuation prefix
 * occurs in no vocabulary entry, so a word is either one whole-word token or
 * — any piece failing — `unk_token`, exactly WordLevel's rule.
 *
 * @example
 * const json = wordLevelTokenizerJson(['[UNK]', 'the', 'revenue'], { unkToken: '[UNK]' });
 * new TextTokenizer(json, {}, new Map()).encode('The revenue!').ids; // [1, 2, 0] ('!' is not in the vocabulary)
 */

/** Settings of {@link wordLevelTokenizerJson}. */
export interface WordLevelOptions {
  /** Token for words outside the vocabulary; must be in it. @default '[UNK]' */
  unkToken?: string;
  /** Tokens listed as special added tokens (matched verbatim in text, as BERT's `[PAD]`, `[UNK]`). @default [unkToken] */
  specialTokens?: string[];
  /** Lowercase (and strip accents) before splitting, as uncased BERT does. @default true */
  lowercase?: boolean;
}

/**
 * A `tokenizer.json` (format version 1.0 of Hugging Face `tokenizers`) for a
 * word vocabulary: BertNormalizer (clean text, CJK spacing, lowercase),
 * BertPreTokenizer (split on whitespace, then each punctuation character on
 * its own), WordLevel model; no post-processor, no padding, no truncation.
 * Token ids are the positions in `vocabulary`.
 */
export function wordLevelTokenizerJson(vocabulary: readonly string[], options: WordLevelOptions = {}): Record<string, unknown> {
  const unkToken = options.unkToken ?? '[UNK]';
  const vocab: Record<string, number> = {};
  vocabulary.forEach((token, id) => {
    if (Object.hasOwn(vocab, token)) throw new RangeError(`token ${JSON.stringify(token)} appears twice in the vocabulary`);
    vocab[token] = id;
  });
  if (!Object.hasOwn(vocab, unkToken)) throw new RangeError(`unk_token ${JSON.stringify(unkToken)} is not in the vocabulary`);
  const specials = options.specialTokens ?? [unkToken];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => {
      const id = vocab[content];
      if (id === undefined) throw new RangeError(`special token ${JSON.stringify(content)} is not in the vocabulary`);
      return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
    }),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: options.lowercase ?? true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: unkToken },
  };
}

/**
 * The tokenizer.json `@huggingface/tokenizers` can run: a WordLevel model is
 * rewritten as the equivalent WordPiece model (see the module comment); any
 * other tokenizer is returned as it is.
 */
export function runnableTokenizerJson(json: Record<string, unknown>): Record<string, unknown> {
  const model = json.model as { type?: string; vocab?: Record<string, number>; unk_token?: string } | undefined;
  if (model?.type !== 'WordLevel') return json;
  const vocab = model.vocab ?? {};
  if (typeof model.unk_token !== 'string' || !Object.hasOwn(vocab, model.unk_token)) {
    throw new RangeError(`WordLevel unk_token ${JSON.stringify(model.unk_token)} is not in the vocabulary`);
  }
  const words = Object.keys(vocab);
  let prefix = '\u0000';
  while (words.some((w) => w.includes(prefix))) prefix += '\u0000';
  // a word longer than every vocabulary entry cannot match: WordPiece may give [UNK] without looking
  const longest = words.reduce((m, w) => Math.max(m, [...w].length), 1);
  return {
    ...json,
    model: { type: 'WordPiece', vocab, unk_token: model.unk_token, continuing_subword_prefix: prefix, max_input_chars_per_word: longest },
  };
}
