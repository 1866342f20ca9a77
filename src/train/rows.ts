import type { TrainingRow } from '../data/types';
import type { LossRequirements } from '../losses/types';
import { EmbedlabError } from '../util/errors';

/** One batch, as the loss sees it: texts per column, plus labels / teacher scores. */
export interface TextBatch {
  /** `[anchor[], positive[], negative_1[], …]`, each `batchSize` long. */
  columns: string[][];
  /** Per-row similarity score (CoSENT). */
  labels?: Float32Array;
  /** Per-row teacher scores, `[positive, ...negatives]` (distillation). */
  teacherScores?: number[][];
  /** The prompt already prepended to each column's texts (`''` for none), so pooling can leave its tokens out. */
  prompts?: string[];
}

/**
 * Checks the training rows against what the loss needs and decides how many
 * hard-negative columns to use. Errors name the row and field.
 *
 * With `negatives` unset, every row must carry the same number of hard
 * negatives (a batch is a rectangle of columns); set it to use the first
 * `negatives` of each row.
 */
export function checkRows(rows: TrainingRow[], requires: LossRequirements, negatives?: number, source = 'training data'): number {
  if (!Array.isArray(rows) || rows.length === 0) throw new EmbedlabError(`${source} is empty: there is nothing to train on`);
  const at = (i: number, field: string) => `${source} row ${i}${rows[i]?.id !== undefined ? ` (id ${rows[i]!.id})` : ''}, field "${field}"`;
  let columns = requires.negatives === 'ignored' ? 0 : negatives;
  if (columns !== undefined && (!Number.isInteger(columns) || columns < 0)) {
    throw new EmbedlabError(`negatives must be a non-negative integer, got ${negatives}`);
  }
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object') throw new EmbedlabError(`${source} row ${i} is not an object`);
    for (const field of ['anchor', 'positive'] as const) {
      if (typeof row[field] !== 'string' || row[field].length === 0) {
        throw new EmbedlabError(`${at(i, field)} is ${row[field] === '' ? 'empty' : 'missing'}: every row needs an anchor and a positive text`);
      }
    }
    const negs = Array.isArray(row.negatives) ? row.negatives : [];
    if (requires.negatives !== 'ignored') {
      if (columns === undefined) {
        columns = negs.length;
      } else if (negatives !== undefined && negs.length < columns) {
        throw new EmbedlabError(`${at(i, 'negatives')} has ${negs.length} hard negatives, fewer than the ${columns} asked for (negatives: ${columns})`);
      } else if (negatives === undefined && negs.length !== columns) {
        throw new EmbedlabError(
          `${at(i, 'negatives')} has ${negs.length} hard negatives but earlier rows have ${columns}; ` +
            `every row needs the same number (pass negatives: n to use the first n of each row)`,
        );
      }
      negs.slice(0, columns).forEach((text, k) => {
        if (typeof text !== 'string' || text.length === 0) throw new EmbedlabError(`${at(i, `negative_${k + 1}`)} is empty or not text`);
      });
    }
    if (requires.score && !Number.isFinite(row.score)) {
      throw new EmbedlabError(`${at(i, 'score')} is ${row.score === undefined ? 'missing' : `not a finite number (${row.score})`}: this loss trains on scored pairs`);
    }
  });
  const used = columns ?? 0;
  if (requires.negatives === 'required' && used === 0) {
    throw new EmbedlabError(`${source}: this loss needs at least one hard negative per row (a "negative" / "neg" field)`);
  }
  if (requires.teacherScores) {
    rows.forEach((row, i) => {
      const scores = row.teacherScores;
      if (!Array.isArray(scores) || scores.length < 1 + used || !scores.slice(0, 1 + used).every(Number.isFinite)) {
        throw new EmbedlabError(
          `${at(i, 'teacherScores')} must hold ${1 + used} finite teacher scores (positive, then each negative); got ${JSON.stringify(scores)}`,
        );
      }
    });
  }
  return used;
}

/** Every text of a row that the batch will contain. */
export function rowTexts(row: TrainingRow, negatives: number): string[] {
  return negatives === 0 ? [row.anchor, row.positive] : [row.anchor, row.positive, ...row.negatives.slice(0, negatives)];
}

/** The columns' names as sentence-transformers sees them: `anchor`, `positive`, then `negative` or `negative_1..n`. */
export function columnNames(negatives: number): string[] {
  const names = ['anchor', 'positive'];
  for (let k = 0; k < negatives; k++) names.push(negatives === 1 ? 'negative' : `negative_${k + 1}`);
  return names;
}

/**
 * The prompt of each column (`''` for none) from a training `prompts` option:
 * one string for every column, or prompts by column name, where `negative`
 * also covers every `negative_k` column.
 */
export function columnPrompts(prompts: string | Record<string, string> | undefined, negatives: number): string[] {
  const names = columnNames(negatives);
  if (prompts === undefined) return names.map(() => '');
  if (typeof prompts === 'string') return names.map(() => prompts);
  if (prompts === null || typeof prompts !== 'object' || Array.isArray(prompts)) {
    throw new EmbedlabError(`prompts must be a string or an object of column name → prompt, got ${JSON.stringify(prompts)}`);
  }
  for (const [name, prompt] of Object.entries(prompts)) {
    if (typeof prompt !== 'string') throw new EmbedlabError(`prompts.${name} must be a string, got ${JSON.stringify(prompt)}`);
    // `negative` may name no column: rows without hard negatives just have none to prefix
    if (!names.includes(name) && name !== 'negative') {
      throw new EmbedlabError(`prompts names column "${name}", which the training data does not have (columns: ${names.join(', ')})`);
    }
  }
  return names.map((name) => prompts[name] ?? (name.startsWith('negative') ? (prompts['negative'] ?? '') : ''));
}

/**
 * Saves the training prompts as the model's own: the anchor prompt as its
 * "query" prompt and the positive's as its "document" prompt, so
 * `encodeQuery` / `encodeDocument` (and sentence-transformers' `encode_query` /
 * `encode_document` on the saved model) use what the model was trained with.
 */
export function rememberPrompts(model: { prompts?: Record<string, string> }, prompts: string[]): void {
  if (!model.prompts) return;
  if (prompts[0]) model.prompts['query'] = prompts[0];
  if (prompts[1]) model.prompts['document'] = prompts[1];
}

/** Assembles the rows `indices` into a {@link TextBatch}, each column's texts behind its prompt. */
export function makeBatch(rows: TrainingRow[], indices: number[], negatives: number, requires: LossRequirements, prompts?: string[]): TextBatch {
  const picked = indices.map((i) => rows[i]!);
  const columns = [picked.map((r) => r.anchor), picked.map((r) => r.positive)];
  for (let k = 0; k < negatives; k++) columns.push(picked.map((r) => r.negatives[k]!));
  const batch: TextBatch = prompts?.some((p) => p) ? { columns: columns.map((texts, c) => texts.map((t) => prompts[c]! + t)), prompts } : { columns };
  if (requires.score) batch.labels = Float32Array.from(picked, (r) => r.score!);
  if (requires.teacherScores) batch.teacherScores = picked.map((r) => r.teacherScores!.slice(0, 1 + negatives));
  return batch;
}
