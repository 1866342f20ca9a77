import { EmbedlabError } from '../util/errors';
import { Random } from '../util/random';

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /**
   * Fraction of rows in (0, 1), or a row count ≥ 1.
   * @default 0.1
   */
  testSize?: number;
  /**
   * @default 42
   */
  seed?: number;
  /**
   * Shuffle before splitting; false keeps the last rows as the test set.
   * @default true
   */
  shuffle?: boolean;
}

/**
 * Seeded train/test split, like Hugging Face `Dataset.train_test_split`: the
 * test set gets ceil(testSize · n) rows of a seeded permutation, the train set
 * the rest, both in permutation order. (The permutation comes from embedlab's
 * own seeded generator, so the rows chosen differ from numpy's for the same seed.)
 *
 * @example
 * const { train, test } = trainTestSplit(rows, { testSize: 0.1, seed: 42 }); // 6,998 rows → 6,298 / 700
 */
export function trainTestSplit<T>(rows: readonly T[], options: SplitOptions = {}): { train: T[]; test: T[] } {
  const n = rows.length;
  const size = options.testSize ?? 0.1;
  let nTest: number;
  if (size > 0 && size < 1) nTest = Math.ceil(size * n);
  else if (Number.isInteger(size) && size >= 1) nTest = size;
  else throw new EmbedlabError(`testSize must be a fraction in (0, 1) or a row count ≥ 1, got ${size}`);
  if (nTest >= n) {
    throw new EmbedlabError(`testSize ${size} leaves no training rows out of ${n}`);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const shuffle = options.shuffle ?? true;
  if (shuffle) new Random(options.seed ?? 42).shuffle(order);
  const testIdx = shuffle ? order.slice(0, nTest) : order.slice(n - nTest);
  const trainIdx = shuffle ? order.slice(nTest) : order.slice(0, n - nTest);
  return { train: trainIdx.map((i) => rows[i]!), test: testIdx.map((i) => rows[i]!) };
}
