import type { RepoKind } from './repoId';

/**
 * Files a sentence-transformers model needs: configs, tokenizer, safetensors
 * weights (single or sharded), module folders such as `1_Pooling/`,
 * `2_Normalize/`, `0_StaticEmbedding/`, and the model card.
 */
export const MODEL_FILE_PATTERNS: readonly string[] = [
  'config.json',
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'model.safetensors',
  'model.safetensors.index.json',
  'model-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9].safetensors',
  'README.md',
  '[0-9]_*/*.json',
  '[0-9]_*/*.safetensors',
  '[0-9]_*/*.txt',
  '[0-9][0-9]_*/*.json',
  '[0-9][0-9]_*/*.safetensors',
  '[0-9][0-9]_*/*.txt',
];

/** Data files a dataset loader can read, plus the dataset card. */
export const DATASET_FILE_PATTERNS: readonly string[] = [
  'README.md',
  '*.json',
  '*.jsonl',
  '*.csv',
  '*.tsv',
  '*.parquet',
];

const PICKLE = /\.(bin|pt|pth|pkl|pickle|ckpt)$/i;

/** True for pickle-based weights, which are never downloaded whatever the patterns say: loading them runs code. */
export function isPickleFile(path: string): boolean {
  return PICKLE.test(path);
}

/**
 * Converts a glob (fnmatch style, as huggingface_hub's `allow_patterns`) to a
 * regular expression: `*` matches any run of characters including `/`, `?`
 * one character, `[…]` a character class.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        source += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Picks the repo files to download: those matching the patterns (defaults per kind), never pickles. */
export function selectFiles(paths: readonly string[], kind: RepoKind, allowPatterns?: readonly string[]): string[] {
  const patterns = (allowPatterns ?? (kind === 'model' ? MODEL_FILE_PATTERNS : DATASET_FILE_PATTERNS)).map(globToRegExp);
  return paths.filter((path) => !isPickleFile(path) && patterns.some((pattern) => pattern.test(path)));
}
