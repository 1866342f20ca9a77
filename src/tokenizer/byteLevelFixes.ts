/**
 * Brings `@huggingface/tokenizers`' ByteLevel pre-tokenizer (GPT-2, GPT-NeoX,
 * RoBERTa, ModernBERT tokenizers) in line with the Rust `tokenizers` one.
 * Both split with GPT-2's pattern
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
 * but Rust runs it in Oniguruma, whose `\s` is the Unicode White_Space
 * property, while a JS `\s` also matches U+FEFF (byte order mark) and misses
 * U+0085 (next line). So `"a \u0085b"` splits as `"a" " " "\u0085" "b"` in
 * Rust and `"a" " \u0085" "b"` in JS, and the ids differ where a merge spans
 * the boundary. The fix swaps the library's pattern for the same one written
 * with an explicit White_Space class.
 */

// Unicode White_Space, as Oniguruma's \s matches it
const WS = '\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const RUST_BYTE_LEVEL_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  'gu',
);
/** The pattern the library ships (its `\s` differs from Oniguruma's). */
const LIBRARY_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

interface PreTokenizerNode {
  constructor: { name: string };
  pattern?: RegExp;
  tokenizers?: PreTokenizerNode[];
}

/**
 * Replaces the pattern of every ByteLevel pre-tokenizer in `tokenizer` (a
 * `@huggingface/tokenizers` Tokenizer; Sequence pre-tokenizers are walked)
 * by the Rust-equivalent one. Returns how many were fixed.
 */
export function fixByteLevelWhitespace(tokenizer: unknown): number {
  let fixed = 0;
  const visit = (node: PreTokenizerNode | null | undefined): void => {
    if (!node) return;
    node.tokenizers?.forEach(visit);
    if (node.pattern instanceof RegExp && node.pattern.source === LIBRARY_PATTERN) {
      node.pattern = new RegExp(RUST_BYTE_LEVEL_PATTERN.source, RUST_BYTE_LEVEL_PATTERN.flags);
      fixed++;
    }
  };
  visit((tokenizer as { pre_tokenizer?: PreTokenizerNode }).pre_tokenizer);
  return fixed;
}
