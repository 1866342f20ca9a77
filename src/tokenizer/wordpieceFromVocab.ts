import { EmbedlabError } from '../util/errors';

/**
 * Builds the `tokenizer.json` a BERT `vocab.txt` implies — the same pipeline
 * `transformers` builds when it converts a slow `BertTokenizer` to a fast one:
 * BertNormalizer (clean text, CJK spacing, lowercase + strip accents when
 * `do_lower_case`), BertPreTokenizer, WordPiece (`##` continuations, words
 * over 100 chars → [UNK]) and `[CLS] … [SEP]`. Older models ship only
 * `vocab.txt`.
 */

/** The tokenizer.json object for `vocabText` with the settings of `tokenizer_config.json`. */
export function wordpieceTokenizerJson(vocabText: string, config: Record<string, unknown>): Record<string, unknown> {
  const lines = vocabText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const vocab: Record<string, number> = {};
  lines.forEach((token, id) => {
    if (!(token in vocab)) vocab[token] = id;
  });
  const tokenName = (key: string, fallback: string) => (typeof config[key] === 'string' ? (config[key] as string) : fallback);
  const special = {
    unk: tokenName('unk_token', '[UNK]'),
    cls: tokenName('cls_token', '[CLS]'),
    sep: tokenName('sep_token', '[SEP]'),
    pad: tokenName('pad_token', '[PAD]'),
    mask: tokenName('mask_token', '[MASK]'),
  };
  const idOf = (token: string) => {
    const id = vocab[token];
    if (id === undefined) throw new EmbedlabError(`special token ${token} is not in vocab.txt`);
    return id;
  };
  const lowercase = config.do_lower_case !== false;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.values(special)
      .filter((token) => token in vocab)
      .map((token) => ({ id: vocab[token], content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars !== false,
      strip_accents: config.strip_accents ?? null,
      lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: special.cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: special.sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: special.cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: special.sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: special.sep, type_id: 1 } },
      ],
      special_tokens: {
        [special.cls]: { id: special.cls, ids: [idOf(special.cls)], tokens: [special.cls] },
        [special.sep]: { id: special.sep, ids: [idOf(special.sep)], tokens: [special.sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: special.unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}
