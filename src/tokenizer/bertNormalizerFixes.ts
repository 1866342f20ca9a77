/**
 * Brings `@huggingface/tokenizers`' BertNormalizer in line with the Rust
 * `tokenizers` one that Python's fast BERT tokenizers run (and with
 * transformers' BertTokenizer). The JS port differs in two ways:
 *
 * - `clean_text` drops control, format, private-use and surrogate code points
 *   but keeps unassigned ones (category Cn); Rust drops every category C;
 * - `handle_chinese_chars` walks UTF-16 code units, so CJK ideographs outside
 *   the Basic Multilingual Plane (Extension B onwards, the compatibility
 *   supplement) get no spaces around them and merge with their neighbours.
 *
 * Both steps are applied to the raw text before the library's normalizer,
 * which then leaves those characters alone, so the result is Rust's.
 */

/** What a tokenizer.json normalizer asks of the text, for the two steps. */
export interface BertTextFixes {
  dropUnassigned: boolean;
  spaceAstralCjk: boolean;
}

const UNASSIGNED = /\p{Cn}/gu;
// Rust tokenizers' astral CJK ranges (0x2B920, not 0x2B820, starts its fourth range); the BMP ranges are handled by the library
const ASTRAL_CJK = /[\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/gu;

/** The fixes the normalizer of a parsed tokenizer.json needs (none unless it contains a BertNormalizer). */
export function bertTextFixes(normalizer: unknown): BertTextFixes {
  const fixes = { dropUnassigned: false, spaceAstralCjk: false };
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'Sequence' && Array.isArray(n.normalizers)) n.normalizers.forEach(visit);
    if (n.type !== 'BertNormalizer') return;
    // defaults of the Rust BertNormalizer
    if (n.clean_text !== false) fixes.dropUnassigned = true;
    if (n.handle_chinese_chars !== false) fixes.spaceAstralCjk = true;
  };
  visit(normalizer);
  return fixes;
}

/** `text` with the fixes applied (unchanged when none applies). */
export function applyBertTextFixes(text: string, fixes: BertTextFixes): string {
  let out = text;
  if (fixes.dropUnassigned) out = out.replace(UNASSIGNED, '');
  if (fixes.spaceAstralCjk) out = out.replace(ASTRAL_CJK, ' $& ');
  return out;
}
