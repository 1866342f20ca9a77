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
  checkDataHasWhatLossNeeds(rows, requires, columns, source);
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

/**
 * What the data lacks as a whole (no scores, no teacher scores, no hard
 * negatives at all) is said in those words, before any row-by-row check
 * would name a field of row 0.
 */
function checkDataHasWhatLossNeeds(rows: TrainingRow[], requires: LossRequirements, negatives: number | undefined, source: string): void {
  const none = (has: (row: TrainingRow) => boolean) => !rows.some((row) => row !== null && typeof row === 'object' && has(row));
  if (requires.score && none((row) => row.score !== undefined)) {
    throw new EmbedlabError(`${source} has no scores: this loss trains on scored pairs (sentence1, sentence2, score / label); use mnrl for (question, context) pairs`);
  }
  if (requires.teacherScores && none((row) => Array.isArray(row.teacherScores))) {
    throw new EmbedlabError(
      `${source} has no teacher scores: distillation trains on FlagEmbedding-style rows with pos_scores / neg_scores; use mnrl for (question, context) pairs`,
    );
  }
  if (requires.negatives !== 'ignored' && (negatives ?? 0) > 0 && none((row) => Array.isArray(row.negatives) && row.negatives.length > 0)) {
    throw new EmbedlabError(
      `${source} has no hard negatives, but ${negatives} per row were asked for (negatives: ${negatives}); mine them first (embedlab mine-negatives) or leave negatives unset`,
    );
  }
}

/** Every text of a row that the batch will contain. */
export function rowTexts(row: TrainingRow, negatives: number): string[] {
  return negatives === 0 ? [row.anchor, row.positive] : [row.anchor, row.positive, ...row.negatives.slice(0, negatives)];
}

/** Assembles the rows `indices` into a {@link TextBatch}. */
export function makeBatch(rows: TrainingRow[], indices: number[], negatives: number, requires: LossRequirements): TextBatch {
  const picked = indices.map((i) => rows[i]!);
  const columns = [picked.map((r) => r.anchor), picked.map((r) => r.positive)];
  for (let k = 0; k < negatives; k++) columns.push(picked.map((r) => r.negatives[k]!));
  const batch: TextBatch = { columns };
  if (requires.score) batch.labels = Float32Array.from(picked, (r) => r.score!);
  if (requires.teacherScores) batch.teacherScores = picked.map((r) => r.teacherScores!.slice(0, 1 + negatives));
  return batch;
}
