import type { TrainingRow } from './types';

/** Options of {@link dedupeRows}. */
export interface DedupeOptions {
  /**
   * What makes two rows the same: `pair` (anchor, positive and negatives),
   * `anchor`, `positive`, or `row` (pair plus score).
   * @default 'pair'
   */
  by?: 'pair' | 'anchor' | 'positive' | 'row';
}

/**
 * Drops repeated rows, keeping the first of each. Returns the kept rows and
 * the 0-based indices of the dropped ones.
 *
 * @example
 * const { rows: unique, dropped } = dedupeRows(rows); // financial data: 6,998 rows → 6,989 distinct pairs
 */
export function dedupeRows(rows: readonly TrainingRow[], options: DedupeOptions = {}): { rows: TrainingRow[]; dropped: number[] } {
  const by = options.by ?? 'pair';
  const key = (r: TrainingRow): string => {
    switch (by) {
      case 'anchor':
        return r.anchor;
      case 'positive':
        return r.positive;
      case 'row':
        return JSON.stringify([r.anchor, r.positive, r.negatives, r.score ?? null]);
      default:
        return JSON.stringify([r.anchor, r.positive, r.negatives]);
    }
  };
  const seen = new Set<string>();
  const kept: TrainingRow[] = [];
  const dropped: number[] = [];
  rows.forEach((row, i) => {
    const k = key(row);
    if (seen.has(k)) dropped.push(i);
    else (seen.add(k), kept.push(row));
  });
  return { rows: kept, dropped };
}
