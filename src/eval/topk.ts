/**
 * Bounded best-k lists for many queries at once, kept as binary min-heaps in
 * flat typed arrays so a million-document corpus streams through in chunks
 * with memory proportional to lists × k.
 *
 * Order: higher score first; equal scores by corpus id ascending in string
 * (code point) order — the deterministic tie rule of sentence-transformers v6.
 */
export class TopKCollector {
  private readonly scores: Float64Array;
  private readonly docs: Int32Array;
  private readonly sizes: Int32Array;

  /**
   * @param lists number of independent lists (one per query)
   * @param k how many best entries each list keeps
   * @param tieRank for each corpus index, its position in id order (lower wins ties)
   */
  constructor(
    readonly lists: number,
    readonly k: number,
    private readonly tieRank: Int32Array,
  ) {
    this.scores = new Float64Array(lists * k);
    this.docs = new Int32Array(lists * k);
    this.sizes = new Int32Array(lists);
  }

  /** True when (sa, da) ranks below (sb, db). */
  private worse(sa: number, da: number, sb: number, db: number): boolean {
    return sa < sb || (sa === sb && this.tieRank[da]! > this.tieRank[db]!);
  }

  /**
   * The score a new entry must reach to have a chance in `list` (-Infinity
   * until it is full). Callers skip {@link offer} below it: most scores of a
   * large corpus never get that far.
   */
  threshold(list: number): number {
    return this.sizes[list]! < this.k ? -Infinity : this.scores[list * this.k]!;
  }

  /** Offers corpus document `doc` with `score` to list `list`. */
  offer(list: number, score: number, doc: number): void {
    const k = this.k;
    const base = list * k;
    const size = this.sizes[list]!;
    const scores = this.scores;
    const docs = this.docs;
    if (size < k) {
      // sift up from the end
      let i = size;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, doc, scores[base + parent]!, docs[base + parent]!)) break;
        scores[base + i] = scores[base + parent]!;
        docs[base + i] = docs[base + parent]!;
        i = parent;
      }
      scores[base + i] = score;
      docs[base + i] = doc;
      this.sizes[list] = size + 1;
      return;
    }
    // full: the root is the worst kept entry; comparisons written out (hot path)
    const tie = this.tieRank;
    const rootScore = scores[base]!;
    if (score < rootScore || (score === rootScore && tie[doc]! > tie[docs[base]!]!)) return;
    const docTie = tie[doc]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= k) break;
      let child = left;
      let childScore = scores[base + left]!;
      const right = left + 1;
      if (right < k) {
        const rightScore = scores[base + right]!;
        if (rightScore < childScore || (rightScore === childScore && tie[docs[base + right]!]! > tie[docs[base + left]!]!)) {
          child = right;
          childScore = rightScore;
        }
      }
      // stop when the child ranks above the new entry
      if (childScore > score || (childScore === score && tie[docs[base + child]!]! < docTie)) break;
      scores[base + i] = childScore;
      docs[base + i] = docs[base + child]!;
      i = child;
    }
    scores[base + i] = score;
    docs[base + i] = doc;
  }

  /** The kept entries of `list`, best first (heap-sorted; no comparator callbacks). */
  sorted(list: number): { docs: number[]; scores: number[] } {
    const base = list * this.k;
    let size = this.sizes[list]!;
    const scores = this.scores.slice(base, base + size);
    const docs = this.docs.slice(base, base + size);
    const outDocs = new Array<number>(size);
    const outScores = new Array<number>(size);
    // pop the worst entry repeatedly, filling the output from the back
    while (size > 0) {
      outDocs[size - 1] = docs[0]!;
      outScores[size - 1] = scores[0]!;
      size -= 1;
      const score = scores[size]!;
      const doc = docs[size]!;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        let child = left;
        const right = left + 1;
        if (right < size && this.worse(scores[right]!, docs[right]!, scores[left]!, docs[left]!)) child = right;
        if (!this.worse(scores[child]!, docs[child]!, score, doc)) break;
        scores[i] = scores[child]!;
        docs[i] = docs[child]!;
        i = child;
      }
      scores[i] = score;
      docs[i] = doc;
    }
    return { docs: outDocs, scores: outScores };
  }
}

/** Compares strings by Unicode code point, as Python's `<` on str does. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // surrogates (0xD800–0xDFFF) encode code points above 0xFFFF, which sort after the rest of the BMP
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}

/** For each id, its position when the ids are sorted in code point order. */
export function idOrderRanks(ids: readonly string[]): Int32Array {
  const order = ids.map((_, i) => i).sort((a, b) => compareCodePoints(ids[a]!, ids[b]!) || a - b);
  const ranks = new Int32Array(ids.length);
  order.forEach((docIndex, position) => (ranks[docIndex] = position));
  return ranks;
}
