/**
 * Loads a model folder's tokenizer: `tokenizer.json` through
 * `@huggingface/tokenizers`, or — for older BERT models that ship only
 * `vocab.txt` — the equivalent WordPiece tokenizer built from it.
 *
 * @example
 * const tokenizer = loadTokenizer('./all-MiniLM-L6-v2'); // maxLength 256 from sentence_bert_config.json
 * tokenizer.encodeBatch(['query: what is a 10-K?']).inputIds;
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbedlabError } from '../util/errors';
import { parseJsonText, readJsonIfExists } from '../util/readJson';
import { TextTokenizer, type TextTokenizerOptions, type TokenizerFiles } from './textTokenizer';
import { wordpieceTokenizerJson } from './wordpieceFromVocab';

/** Tokenizer files copied verbatim when a model is saved. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

/**
 * Loads the tokenizer in `dir`. Unless given, `maxLength` comes from
 * {@link resolveMaxSeqLength} and `doLowerCase` from `sentence_bert_config.json`.
 *
 * @example
 * const tokenizer = loadTokenizer('./all-MiniLM-L6-v2');
 * tokenizer.encodeBatch(['Hello world!']).seqLength; // 5: [CLS] hello world ! [SEP]
 */
export function loadTokenizer(dir: string, options: TextTokenizerOptions = {}): TextTokenizer {
  const files: TokenizerFiles = new Map();
  for (const name of TOKENIZER_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) files.set(name, readFileSync(path, 'utf8'));
  }
  // parsed from the texts already read (they are kept verbatim for save)
  const parse = (name: string) => parseJsonText(files.get(name)!, join(dir, name));
  const config = files.has('tokenizer_config.json') ? parse('tokenizer_config.json') : {};
  let json: Record<string, unknown>;
  if (files.has('tokenizer.json')) {
    json = parse('tokenizer.json');
    checkTokenizerModel(json, join(dir, 'tokenizer.json'));
  } else if (files.has('vocab.txt')) {
    try {
      json = wordpieceTokenizerJson(files.get('vocab.txt')!, config);
    } catch (error) {
      throw new EmbedlabError(`${join(dir, 'vocab.txt')}: ${(error as Error).message}`, { cause: error });
    }
    files.set('tokenizer.json', JSON.stringify(json));
  } else {
    throw new EmbedlabError(
      `no tokenizer in ${dir}: expected tokenizer.json (or a BERT vocab.txt). ` +
        `Copy the tokenizer files of the base model into this folder.`,
    );
  }
  const sbert = readJsonIfExists(join(dir, 'sentence_bert_config.json'));
  const resolved: TextTokenizerOptions = {
    maxLength: options.maxLength ?? resolveMaxSeqLength(dir),
    doLowerCase: options.doLowerCase ?? sbert?.do_lower_case === true,
    ...(options.addSpecialTokens !== undefined && { addSpecialTokens: options.addSpecialTokens }),
    ...(options.strip !== undefined && { strip: options.strip }),
  };
  try {
    return new TextTokenizer(json, config, files, resolved);
  } catch (error) {
    throw new EmbedlabError(`cannot build the tokenizer in ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

const MODEL_TYPES = ['WordPiece', 'BPE', 'Unigram', 'WordLevel'];

/**
 * Refuses a tokenizer.json whose model type the tokenizer library does not
 * implement: it would otherwise fall back to a legacy word lookup and give
 * token ids the model was never trained on.
 */
function checkTokenizerModel(json: Record<string, unknown>, path: string): void {
  const model = json.model as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) throw new EmbedlabError(`${path} has no "model" section; is it a Hugging Face tokenizer.json?`);
  const type = model.type;
  if (type === undefined) {
    // older files omit the type; the library infers it from these fields
    const inferable = Array.isArray(model.vocab) || ('continuing_subword_prefix' in model && 'unk_token' in model);
    if (inferable) return;
    throw new EmbedlabError(`${path}: the tokenizer model has no "type" and is not recognisable; supported: ${MODEL_TYPES.join(', ')}`);
  }
  if (typeof type !== 'string' || !MODEL_TYPES.includes(type)) {
    throw new EmbedlabError(`${path}: tokenizer model type ${JSON.stringify(type)} is not supported; supported: ${MODEL_TYPES.join(', ')}`);
  }
}

/**
 * The longest token sequence a model reads, as sentence-transformers decides:
 * `max_seq_length` from `sentence_bert_config.json`; otherwise the smaller of
 * the model's `max_position_embeddings` and the tokenizer's `model_max_length`.
 * Never more than `max_position_embeddings` (there are no positions beyond).
 * Infinity when the folder says nothing.
 */
export function resolveMaxSeqLength(dir: string): number {
  const sbert = readJsonIfExists(join(dir, 'sentence_bert_config.json'));
  const config = readJsonIfExists(join(dir, 'config.json'));
  const tokenizerConfig = readJsonIfExists(join(dir, 'tokenizer_config.json'));
  const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
  const positions = positive(config?.max_position_embeddings) ?? Infinity;
  const fromSbert = positive(sbert?.max_seq_length);
  if (fromSbert !== undefined) return Math.min(fromSbert, positions);
  // transformers uses a huge sentinel (1e30) for "no limit"
  const modelMax = positive(tokenizerConfig?.model_max_length);
  return Math.min(positions, modelMax !== undefined && modelMax < 1e9 ? modelMax : Infinity);
}
