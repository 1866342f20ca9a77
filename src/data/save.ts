import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs';
import { checkOutput, prepareOutputFolder } from '../util/outputs';
import type { TrainingRow } from './types';

/** Options of {@link saveTrainingRows} and {@link saveTrainTest}. */
export interface SaveRowsOptions {
  /**
   * `jsonl` (one record per line, what Hugging Face `to_json` writes) or `json` (one array).
   * @default 'jsonl'
   */
  format?: 'jsonl' | 'json';
  /**
   * Record layout: `sentence-transformers` (anchor, positive, negative_1..n,
   * score, id) or `flag-embedding` (query, pos, neg, pos_scores, neg_scores, id).
   * @default 'sentence-transformers'
   */
  layout?: 'sentence-transformers' | 'flag-embedding';
  /**
   * Replace existing files (saveTrainingRows), or write into a folder that holds files embedlab did not write (saveTrainTest).
   * @default false
   */
  overwrite?: boolean;
}

function toRecord(row: TrainingRow, layout: SaveRowsOptions['layout']): Record<string, unknown> {
  if (layout === 'flag-embedding') {
    const out: Record<string, unknown> = { query: row.anchor, pos: [row.positive], neg: row.negatives };
    if (row.teacherScores) {
      out['pos_scores'] = row.teacherScores.slice(0, 1);
      out['neg_scores'] = row.teacherScores.slice(1);
    }
    if (row.id !== undefined) out['id'] = row.id;
    return out;
  }
  const out: Record<string, unknown> = { anchor: row.anchor, positive: row.positive };
  row.negatives.forEach((negative, i) => (out[`negative_${i + 1}`] = negative));
  if (row.score !== undefined) out['score'] = row.score;
  if (row.id !== undefined) out['id'] = row.id;
  return out;
}

/**
 * Writes training rows atomically (temp file + rename), so a crash never
 * leaves half a file. `loadRecords` + `toTrainingRows` read them back.
 *
 * @example
 * await saveTrainingRows('train_dataset.json', train); // JSON Lines, like `dataset.to_json(...)`
 */
export async function saveTrainingRows(path: string, rows: readonly TrainingRow[], options: SaveRowsOptions = {}): Promise<void> {
  checkOutput({ path, kind: 'file', name: 'saveTrainingRows(path)', overwrite: options.overwrite, overwriteHint: '{ overwrite: true }' });
  const records = rows.map((row) => toRecord(row, options.layout));
  const body =
    options.format === 'json' ? JSON.stringify(records, null, 1) + '\n' : records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  await writeFileAtomic(path, body);
}

/**
 * Saves a split as `train_dataset.json` and `test_dataset.json` in `dir`, as
 * the financial-RAG workflow does. Returns the two paths.
 *
 * @example
 * const paths = await saveTrainTest('data', trainTestSplit(addIds(rows), { seed: 42 }));
 * // paths.train === 'data/train_dataset.json'
 */
export async function saveTrainTest(
  dir: string,
  split: { train: readonly TrainingRow[]; test: readonly TrainingRow[] },
  options: SaveRowsOptions = {},
): Promise<{ train: string; test: string }> {
  checkOutput({ path: dir, kind: 'folder', name: 'saveTrainTest(dir)', overwrite: options.overwrite, overwriteHint: '{ overwrite: true }' });
  prepareOutputFolder(dir, 'train/test split');
  const paths = { train: join(dir, 'train_dataset.json'), test: join(dir, 'test_dataset.json') };
  // the folder is embedlab's: its two files are replaced
  await saveTrainingRows(paths.train, split.train, { ...options, overwrite: true });
  await saveTrainingRows(paths.test, split.test, { ...options, overwrite: true });
  return paths;
}
