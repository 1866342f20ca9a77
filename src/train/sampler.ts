import { Random } from '../util/random';

/** How training rows are grouped into batches. */
export type BatchSamplerName = 'no-duplicates' | 'shuffle';

/** Options for {@link planEpoch}. */
export interface SamplerOptions {
  /** Rows per batch (the last batch may be smaller). */
  batchSize: number;
  /** With `epoch`, seeds the shuffle (`seed + epoch`). */
  seed: number;
  /** 0-based epoch. */
  epoch: number;
  /** How rows are grouped: see {@link planEpoch}. */
  sampler: BatchSamplerName;
  /**
   * Drop a last batch smaller than `batchSize` (as sentence-transformers).
   * @default false
   */
  dropLast?: boolean;
}

/**
 * The batches of one epoch, as lists of row indices. `texts(i)` gives every
 * text of row i (anchor, positive, negatives).
 *
 * The order is a seeded shuffle (`seed + epoch`), so a seed reproduces every
 * epoch and a resumed run continues exactly where it stopped.
 *
 * `no-duplicates` (sentence-transformers `NoDuplicatesBatchSampler`): no text
 * appears twice in a batch across all columns — a duplicate would be a false
 * negative for in-batch-negative losses. Rows are taken greedily in shuffled
 * order; a row sharing a text with the batch being built waits for a later
 * batch (deferred rows are tried first). This visits each row once per batch
 * it waits for, so an epoch costs O(n) plus the waiting of duplicated rows,
 * instead of rescanning the remaining rows for every batch. When the rows
 * left cannot fill a batch, a smaller batch is emitted (or dropped with
 * `dropLast`); so with many duplicates an epoch can have more, smaller
 * batches than `ceil(n / batchSize)`.
 *
 * `shuffle`: consecutive slices of the shuffled order.
 *
 * @example
 * const batches = planEpoch(rows.length, (i) => [rows[i].anchor, rows[i].positive],
 *   { batchSize: 32, seed: 42, epoch: 0, sampler: 'no-duplicates' });
 */
export function planEpoch(rowCount: number, texts: (row: number) => string[], options: SamplerOptions): number[][] {
  const { batchSize, seed, epoch, sampler, dropLast = false } = options;
  const order = new Random((seed + epoch) >>> 0).shuffle(Array.from({ length: rowCount }, (_, i) => i));
  const batches = sampler === 'shuffle' ? sliceBatches(order, batchSize) : noDuplicateBatches(order, texts, batchSize);
  return dropLast ? batches.filter((b) => b.length === batchSize) : batches;
}

function sliceBatches(order: number[], batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

function noDuplicateBatches(order: number[], texts: (row: number) => string[], batchSize: number): number[][] {
  const batches: number[][] = [];
  let deferred: number[] = [];
  let next = 0;
  while (next < order.length || deferred.length > 0) {
    const batch: number[] = [];
    const seen = new Set<string>();
    const stillDeferred: number[] = [];
    const tryAdd = (row: number): boolean => {
      const rowTexts = texts(row);
      if (rowTexts.some((t) => seen.has(t))) return false;
      for (const t of rowTexts) seen.add(t);
      batch.push(row);
      return true;
    };
    // rows that waited come first, in their shuffled order
    let d = 0;
    for (; d < deferred.length && batch.length < batchSize; d++) {
      if (!tryAdd(deferred[d]!)) stillDeferred.push(deferred[d]!);
    }
    for (; d < deferred.length; d++) stillDeferred.push(deferred[d]!);
    while (next < order.length && batch.length < batchSize) {
      const row = order[next++]!;
      if (!tryAdd(row)) stillDeferred.push(row);
    }
    deferred = stillDeferred;
    batches.push(batch);
  }
  return batches;
}
