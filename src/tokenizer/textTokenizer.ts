import { Tokenizer } from '@huggingface/tokenizers';
import { applyBertTextFixes, bertTextFixes, type BertTextFixes } from './bertNormalizerFixes';
import { fixByteLevelWhitespace } from './byteLevelFixes';
import { PrecompiledNormalizer, splitPrecompiled } from './precompiledNormalizer';
import type { TokenBatch } from './types';
import { runnableTokenizerJson } from './wordLevel';
import { EmbedlabError } from '../util/errors';

/** The files a tokenizer was loaded from, kept verbatim so `save` writes them back. */
export type TokenizerFiles = Map<string, string>;

export interface TextTokenizerOptions {
  /**
   * Longest token sequence, special tokens included.
   * @default no limit
   */
  maxLength?: number;
  /**
   * Lowercase texts before tokenising (sentence_bert_config `do_lower_case`).
   * @default false
   */
  doLowerCase?: boolean;
  /**
   * Add the post-processor's special tokens (StaticEmbedding uses false).
   * @default true
   */
  addSpecialTokens?: boolean;
  /**
   * Strip surrounding whitespace first, as `Transformer.tokenize` does (StaticEmbedding uses false).
   * @default true
   */
  strip?: boolean;
}

/** One tokenised text before padding. */
export interface TokenSequence {
  ids: number[];
  typeIds: number[];
}

// Python's str.strip() whitespace set (differs from String#trim, e.g. on U+FEFF and U+001C..U+001F)
const PY_WHITESPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, 'g');

/**
 * Batch tokenisation the way sentence-transformers' `Transformer.tokenize`
 * does it: strip surrounding whitespace (Python `str.strip`), optionally
 * lowercase, add the model's special tokens (`[CLS] … [SEP]` for BERT),
 * truncate to `maxLength` tokens (special tokens included, as Hugging Face
 * `truncation=True, max_length=N` does for one sequence), pad on the right to
 * the longest text in the batch.
 *
 * @example
 * const tokenizer = loadTokenizer('./all-MiniLM-L6-v2');
 * const batch = tokenizer.encodeBatch(['Hello world!', '']);
 * batch.seqLength;       // 5: [CLS] hello world ! [SEP]
 * batch.inputIds[5];     // 101: the empty text is [CLS] [SEP], then padding
 */
export class TextTokenizer {
  readonly maxLength: number;
  readonly doLowerCase: boolean;
  readonly addSpecialTokens: boolean;
  readonly strip: boolean;
  /** Token id used for padding. */
  readonly padId: number;
  /** Number of embedding rows the ids index into (largest id + 1). */
  readonly vocabSize: number;
  private readonly tokenizer: Tokenizer;
  private readonly prefix: TokenSequence;
  private readonly suffix: TokenSequence;
  private readonly truncateLeft: boolean;
  private readonly textFixes: BertTextFixes;
  /** SentencePiece's charsmap, applied here instead of the library's NFKC stand-in. */
  private readonly precompiled?: PrecompiledNormalizer;

  constructor(
    /** Parsed tokenizer.json. */
    readonly tokenizerJson: Record<string, unknown>,
    /** Parsed tokenizer_config.json ({} when absent). */
    readonly tokenizerConfig: Record<string, unknown>,
    /** File name → text of the tokenizer files to write on save. */
    readonly files: TokenizerFiles,
    options: TextTokenizerOptions = {},
  ) {
    const { charsmap, rest } = splitPrecompiled(tokenizerJson.normalizer);
    if (charsmap !== undefined) this.precompiled = new PrecompiledNormalizer(charsmap);
    const runnable = runnableTokenizerJson(tokenizerJson);
    this.tokenizer = new Tokenizer(charsmap !== undefined ? { ...runnable, normalizer: rest } : runnable, tokenizerConfig);
    fixByteLevelWhitespace(this.tokenizer);
    this.maxLength = options.maxLength ?? Infinity;
    this.doLowerCase = options.doLowerCase ?? false;
    this.addSpecialTokens = options.addSpecialTokens ?? true;
    this.strip = options.strip ?? true;
    this.truncateLeft = tokenizerConfig.truncation_side === 'left';
    this.textFixes = bertTextFixes(tokenizerJson.normalizer);
    let maxId = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.padId = findPadId(this.tokenizer, tokenizerJson, tokenizerConfig);
    [this.prefix, this.suffix] = this.addSpecialTokens ? this.specialTokenFrame() : [empty(), empty()];
    if (this.prefix.ids.length + this.suffix.ids.length >= this.maxLength) {
      throw new EmbedlabError(`maxLength ${this.maxLength} leaves no room for text after the ${this.specialTokenCount} special tokens; use at least ${this.specialTokenCount + 1}`);
    }
  }

  /** Special tokens added around every text ([CLS] and [SEP] for BERT). */
  get specialTokenCount(): number {
    return this.prefix.ids.length + this.suffix.ids.length;
  }

  /** The same tokenizer with other options (shares the parsed files). */
  withOptions(options: TextTokenizerOptions): TextTokenizer {
    return new TextTokenizer(this.tokenizerJson, this.tokenizerConfig, this.files, {
      maxLength: this.maxLength,
      doLowerCase: this.doLowerCase,
      addSpecialTokens: this.addSpecialTokens,
      strip: this.strip,
      ...options,
    });
  }

  /** Ids and token type ids of one text, special tokens added, truncated to maxLength. */
  encode(text: string): TokenSequence {
    let prepared = this.strip ? text.replace(PY_STRIP, '') : text;
    if (this.doLowerCase) prepared = prepared.toLowerCase();
    prepared = applyBertTextFixes(prepared, this.textFixes);
    if (this.precompiled) prepared = this.precompiled.normalize(prepared);
    let body = this.tokenizer.encode(prepared, { add_special_tokens: false }).ids;
    const room = this.maxLength - this.prefix.ids.length - this.suffix.ids.length;
    if (body.length > room) body = this.truncateLeft ? body.slice(body.length - room) : body.slice(0, room);
    return {
      ids: [...this.prefix.ids, ...body, ...this.suffix.ids],
      typeIds: [...this.prefix.typeIds, ...new Array<number>(body.length).fill(0), ...this.suffix.typeIds],
    };
  }

  /** Tokenises `texts` and pads them on the right to the longest one. */
  encodeBatch(texts: string[]): TokenBatch {
    return padBatch(texts.map((t) => this.encode(t)), this.padId);
  }

  /** What the post-processor adds around one text's ids (`[CLS]` / `[SEP]` for BERT; empty without special tokens). */
  get specialTokenIds(): { prefix: number[]; suffix: number[] } {
    return { prefix: [...this.prefix.ids], suffix: [...this.suffix.ids] };
  }

  /** The words the model looks up in `text`: normalised, then split by the pre-tokenizer (no model, no special tokens). */
  words(text: string): string[] {
    let prepared = applyBertTextFixes(this.doLowerCase ? text.toLowerCase() : text, this.textFixes);
    if (this.precompiled) prepared = this.precompiled.normalize(prepared);
    const normalized = this.tokenizer.normalizer ? (this.tokenizer.normalizer(prepared) as string) : prepared;
    return this.tokenizer.pre_tokenizer ? (this.tokenizer.pre_tokenizer(normalized) as string[]) : [normalized];
  }

  /** The token strings of `ids` (for inspection and tests). */
  idsToTokens(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => this.tokenizer.id_to_token(id) ?? `<${id}>`);
  }

  /**
   * What the post-processor puts around a single sequence: encode a probe
   * with and without special tokens and see what was added on each side.
   */
  private specialTokenFrame(): [TokenSequence, TokenSequence] {
    const probe = 'a';
    const bare: number[] = this.tokenizer.encode(probe, { add_special_tokens: false }).ids;
    const full = this.tokenizer.encode(probe, { add_special_tokens: true, return_token_type_ids: true });
    const typeIds = full.token_type_ids ?? new Array<number>(full.ids.length).fill(0);
    for (let start = 0; start + bare.length <= full.ids.length; start++) {
      if (bare.every((id, k) => full.ids[start + k] === id)) {
        const end = start + bare.length;
        return [
          { ids: full.ids.slice(0, start), typeIds: typeIds.slice(0, start) },
          { ids: full.ids.slice(end), typeIds: typeIds.slice(end) },
        ];
      }
    }
    throw new EmbedlabError('cannot tell which special tokens the tokenizer adds around a text');
  }
}

function empty(): TokenSequence {
  return { ids: [], typeIds: [] };
}

function findPadId(tokenizer: Tokenizer, json: Record<string, unknown>, config: Record<string, unknown>): number {
  const padding = json.padding as { pad_id?: number } | null | undefined;
  if (typeof padding?.pad_id === 'number') return padding.pad_id;
  const padToken = typeof config.pad_token === 'string' ? config.pad_token : (config.pad_token as { content?: string })?.content;
  return (padToken !== undefined ? tokenizer.token_to_id(padToken) : undefined) ?? tokenizer.token_to_id('[PAD]') ?? 0;
}

/** Right-pads sequences to the longest one: ids with `padId`, mask and type ids with 0. */
export function padBatch(sequences: TokenSequence[], padId: number): TokenBatch {
  const batchSize = sequences.length;
  const seqLength = sequences.reduce((m, s) => Math.max(m, s.ids.length), 0);
  const inputIds = new Int32Array(batchSize * seqLength).fill(padId);
  const attentionMask = new Int32Array(batchSize * seqLength);
  const tokenTypeIds = new Int32Array(batchSize * seqLength);
  sequences.forEach((s, i) => {
    inputIds.set(s.ids, i * seqLength);
    attentionMask.fill(1, i * seqLength, i * seqLength + s.ids.length);
    tokenTypeIds.set(s.typeIds, i * seqLength);
  });
  return { inputIds, attentionMask, tokenTypeIds, batchSize, seqLength };
}
