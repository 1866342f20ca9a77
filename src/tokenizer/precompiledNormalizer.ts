/**
 * SentencePiece's `Precompiled` normalizer (XLM-RoBERTa, mBART, T5, …), read
 * from tokenizer.json's `precompiled_charsmap` exactly as the Rust `tokenizers`
 * library (`spm_precompiled`) reads it, instead of `@huggingface/tokenizers`'
 * stand-in (a fixed list of control/space replacements, then NFKC). The
 * charsmap is `[u32 trie size][darts-clone double-array trie][NUL-separated
 * replacements]`; the text is rewritten grapheme by grapheme: a grapheme under
 * 6 bytes is replaced whole when the trie has an entry for it (the shortest
 * key that prefixes it, as upstream), otherwise each character is replaced by
 * its own entry or kept.
 *
 * Where the stand-in differs (see the tokenizer tests): the charsmap was
 * built from an older Unicode, so characters assigned since (newer emoji,
 * CJK extensions, …) are kept, where NFKC may fold them; it maps some
 * characters NFKC leaves alone, and leaves alone some NFKC folds; it works per
 * grapheme, not over the whole text.
 */

export class PrecompiledNormalizer {
  private readonly trie: Uint32Array;
  private readonly replacements: Uint8Array;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  private readonly segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

  /** `charsmap`: the base64 `precompiled_charsmap` of tokenizer.json. */
  constructor(charsmap: string) {
    const bytes = Buffer.from(charsmap, 'base64');
    if (bytes.length < 4) throw new RangeError('precompiled_charsmap is too short');
    const trieSize = bytes.readUInt32LE(0);
    if (trieSize % 4 !== 0 || 4 + trieSize > bytes.length) throw new RangeError('precompiled_charsmap has an invalid trie size');
    this.trie = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = bytes.readUInt32LE(4 + 4 * i);
    this.replacements = new Uint8Array(bytes.subarray(4 + trieSize));
  }

  normalize(text: string): string {
    let out = '';
    for (const { segment } of this.segmenter.segment(text)) {
      if (Buffer.byteLength(segment) < 6) {
        const whole = this.transform(segment);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const char of segment) out += this.transform(char) ?? char;
    }
    return out;
  }

  /** The replacement of the shortest trie key that prefixes `chunk`'s UTF-8 bytes, if any. */
  private transform(chunk: string): string | undefined {
    const key = this.encoder.encode(chunk);
    const { trie } = this;
    let pos = offset(trie[0]!);
    for (const byte of key) {
      if (byte === 0) break;
      pos ^= byte;
      const unit = trie[pos];
      // a unit's label (low byte, and bit 31 set on value units) must be the byte just read
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== byte) return undefined;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) return this.replacementAt(trie[pos]! & 0x7fffffff);
    }
    return undefined;
  }

  private replacementAt(start: number): string {
    let end = start;
    while (end < this.replacements.length && this.replacements[end] !== 0) end++;
    return this.decoder.decode(this.replacements.subarray(start, end));
  }
}

/** darts-clone's offset of a unit: bits 10–31, shifted 8 more when bit 9 is set. */
function offset(unit: number): number {
  return ((unit >>> 10) << ((unit & 0x200) >>> 6)) >>> 0;
}

/**
 * Splits a tokenizer.json `normalizer` into the Precompiled charsmap to apply
 * first (when it is the normalizer or the first of a Sequence) and the rest,
 * left to `@huggingface/tokenizers`.
 */
export function splitPrecompiled(normalizer: unknown): { charsmap?: string; rest: unknown } {
  const node = normalizer as Record<string, unknown> | null | undefined;
  if (node?.type === 'Precompiled' && typeof node.precompiled_charsmap === 'string') return { charsmap: node.precompiled_charsmap, rest: null };
  if (node?.type === 'Sequence' && Array.isArray(node.normalizers)) {
    const [first, ...others] = node.normalizers as Record<string, unknown>[];
    if (first?.type === 'Precompiled' && typeof first.precompiled_charsmap === 'string') {
      return { charsmap: first.precompiled_charsmap, rest: others.length > 0 ? { ...node, normalizers: others } : null };
    }
  }
  return { rest: normalizer };
}
