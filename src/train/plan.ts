import type { Evaluator } from '../eval/types';
import type { TrainingRow } from '../data/types';
import { mnrl } from '../losses/mnrl';
import type { Loss, LossRequirements } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { findResumePoint, type ResumePoint, type RunSignature } from './checkpoints';
import type { FinetuneOptions } from './finetune';
import type { AdamWOptions } from './optimizer';
import { checkRunFolder, modelFolder } from './runFolder';
import { planEpoch, type BatchSamplerName } from './sampler';
import { parseScheduler, resolveWarmupSteps, type ScheduleConfig, type SchedulerName } from './schedule';

/** The options of {@link finetune} with their defaults, each checked on its own. */
interface TrainingSettings {
  loss: Loss;
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  gradAccumSteps: number;
  evalSteps?: number;
  saveSteps?: number;
  saveTotalLimit?: number;
  lr: number;
  maxGradNorm: number;
  seed: number;
  scheduler: SchedulerName;
  batchSampler: BatchSamplerName;
  dropLast: boolean;
}

/** Everything {@link finetune} needs, derived from its options before any training work. */
export type RunPlan = TrainingSettings &
  ModelSelection & {
    outputDir?: string;
    /** Hard-negative columns per batch. */
    negatives: number;
    adamW: AdamWOptions;
    evaluateEvery: Cadence;
    saveEvery: Cadence;
    saveFinalModel: boolean;
    schedule: ScheduleConfig;
    signature: RunSignature;
    batchesFor(epoch: number): number[][];
    resumeFrom?: ResumePoint;
  };

/**
 * Checks every option and the data, and plans the run: batches, step count,
 * learning-rate schedule, the checkpoint to resume from. Errors say what to
 * fix; nothing is trained or written before all checks pass.
 */
export function planRun(model: SentenceEmbedder, rows: TrainingRow[], options: FinetuneOptions): RunPlan {
  const settings = checkSettings(options);
  const negatives = checkData(rows, settings, options.negatives);
  const selection = modelSelection(options);
  const outputDir = checkOutput(options, settings, model);
  const batching = { ...settings, lossName: settings.loss.name };
  const batchesFor = epochBatches(rows, negatives, batching);
  const totalSteps = settings.maxSteps ?? countSteps(batchesFor, settings.epochs, settings.gradAccumSteps);
  const warmupSteps = resolveWarmupSteps(totalSteps, options.warmupRatio ?? 0, options.warmupSteps ?? 0);
  const signature = runSignature(rows, negatives, batching);
  const resumeFrom = findResumePoint(model, options.resume, outputDir, signature, options.onWarning ?? console.warn);
  return {
    ...settings,
    ...selection,
    outputDir,
    negatives,
    adamW: { weightDecay: options.weightDecay, beta1: options.adamBeta1, beta2: options.adamBeta2, eps: options.adamEpsilon },
    evaluateEvery: { everySteps: settings.evalSteps, atEpochEnd: options.evalEveryEpoch ?? true },
    saveEvery: { everySteps: settings.saveSteps, atEpochEnd: options.saveEveryEpoch ?? true },
    saveFinalModel: options.saveFinalModel ?? true,
    schedule: { scheduler: settings.scheduler, lr: settings.lr, warmupSteps, totalSteps },
    signature,
    batchesFor,
    resumeFrom,
  };
}

function checkSettings(options: FinetuneOptions): TrainingSettings {
  const loss = options.loss ?? mnrl();
  const epochs = positiveInt('epochs', options.epochs, 3);
  const maxSteps = positiveInt('maxSteps', options.maxSteps);
  const batchSize = positiveInt('batchSize', options.batchSize, 8);
  const gradAccumSteps = positiveInt('gradAccumSteps', options.gradAccumSteps, 1);
  const evalSteps = positiveInt('evalSteps', options.evalSteps);
  const saveSteps = positiveInt('saveSteps', options.saveSteps);
  const saveTotalLimit = positiveInt('saveTotalLimit', options.saveTotalLimit);
  const lr = options.lr ?? 5e-5;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new EmbedlabError(`lr (learning rate) must be a finite positive number, got ${lr}`);
  }
  const maxGradNorm = options.maxGradNorm ?? 1;
  if (!Number.isFinite(maxGradNorm) || maxGradNorm < 0) throw new EmbedlabError(`maxGradNorm must be ≥ 0 (0 disables clipping), got ${maxGradNorm}`);
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new EmbedlabError(`seed must be an integer, got ${seed}`);
  const scheduler = parseScheduler(options.scheduler ?? 'linear');
  const batchSampler: BatchSamplerName = options.batchSampler ?? (loss.requires.inBatchNegatives ? 'no-duplicates' : 'shuffle');
  if (batchSampler !== 'no-duplicates' && batchSampler !== 'shuffle') {
    throw new EmbedlabError(`batchSampler must be "no-duplicates" or "shuffle", got "${batchSampler}"`);
  }
  const dropLast = options.dropLast ?? false;
  return { loss, epochs, maxSteps, batchSize, gradAccumSteps, evalSteps, saveSteps, saveTotalLimit, lr, maxGradNorm, seed, scheduler, batchSampler, dropLast };
}

function positiveInt(name: string, value: number | undefined, fallback: number): number;
function positiveInt(name: string, value: number | undefined, fallback?: undefined): number | undefined;
function positiveInt(name: string, value: number | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new EmbedlabError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Checks the rows against the loss and the batch size; returns the number of hard-negative columns. */
function checkData(rows: TrainingRow[], { loss, batchSize }: TrainingSettings, negatives: number | undefined): number {
  const columns = checkRows(rows, loss.requires, negatives);
  if (batchSize > rows.length) {
    throw new EmbedlabError(`batchSize ${batchSize} is larger than the ${rows.length} training rows; use batchSize ≤ ${rows.length}`);
  }
  if (loss.requires.inBatchNegatives && batchSize < 2) {
    throw new EmbedlabError(`${loss.name} uses the other rows of a batch as negatives: batchSize must be at least 2`);
  }
  return columns;
}

/** The absolute output folder, checked against the options that need one. */
function checkOutput(options: FinetuneOptions, settings: TrainingSettings, model: SentenceEmbedder): string | undefined {
  const outputDir =
    options.outputDir !== undefined
      ? checkRunFolder(options.outputDir, { ...options, reads: [{ name: 'the folder the model was loaded from', path: modelFolder(model) }] })
      : undefined;
  if (options.resume === true && !outputDir) {
    throw new EmbedlabError('resume: true continues from the newest checkpoint in outputDir; set outputDir (or pass the checkpoint folder)');
  }
  if ((settings.saveSteps !== undefined || settings.saveTotalLimit !== undefined) && !outputDir) {
    throw new EmbedlabError('saveSteps / saveTotalLimit write checkpoints: set outputDir');
  }
  return outputDir;
}

/** Optimizer steps in `epochs` epochs: each step takes `gradAccumSteps` batches, the last of an epoch maybe fewer. */
function countSteps(batchesFor: (epoch: number) => number[][], epochs: number, gradAccumSteps: number): number {
  let total = 0;
  for (let e = 0; e < epochs; e++) total += Math.ceil(batchesFor(e).length / gradAccumSteps);
  return total;
}

// ---------------------------------------------------------------------------
// The data

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

// ---------------------------------------------------------------------------
// Best-model selection

/** How the best model is picked: the metric, its direction, and whether it is loaded at the end. */
export interface ModelSelection {
  evaluator?: Evaluator;
  /** Set exactly when there is an evaluator. */
  metric?: string;
  greaterIsBetter: boolean;
  loadBestModelAtEnd: boolean;
}

/**
 * Resolves the best-model options, checking the metric name against the
 * evaluator's own list before any training (a typo would otherwise surface
 * only at the first evaluation).
 */
export function modelSelection(
  options: Pick<FinetuneOptions, 'evaluator' | 'metricForBestModel' | 'greaterIsBetter' | 'loadBestModelAtEnd'>,
): ModelSelection {
  const evaluator = options.evaluator;
  let metric: string | undefined;
  if (options.metricForBestModel !== undefined && !evaluator) {
    throw new EmbedlabError(`metricForBestModel "${options.metricForBestModel}" needs an evaluator`);
  }
  if (evaluator) {
    metric = options.metricForBestModel ?? evaluator.primaryMetric;
    checkMetricName(metric, evaluator.metricNames());
  }
  const greaterIsBetter = options.greaterIsBetter ?? !(metric ?? '').toLowerCase().includes('loss');
  const loadBestModelAtEnd = options.loadBestModelAtEnd ?? evaluator !== undefined;
  if (loadBestModelAtEnd && !evaluator) throw new EmbedlabError('loadBestModelAtEnd needs an evaluator to know which model is best');
  return { evaluator, metric, greaterIsBetter, loadBestModelAtEnd };
}

function checkMetricName(metric: string, names: string[]): void {
  if (names.includes(metric)) return;
  // close matches share the part after the last "_" (e.g. "ndcg@10")
  const hint = names.filter((n) => n.toLowerCase().includes(metric.toLowerCase().replace(/^.*_/, '')));
  throw new EmbedlabError(
    `metricForBestModel "${metric}" is not a metric of this evaluator. ` +
      (hint.length > 0 && hint.length < names.length ? `Close matches: ${hint.slice(0, 10).join(', ')}. ` : '') +
      `Valid names: ${names.join(', ')}`,
  );
}

// ---------------------------------------------------------------------------
// Batches

/** What {@link epochBatches} needs. */
export interface EpochBatchOptions {
  batchSize: number;
  seed: number;
  batchSampler: BatchSamplerName;
  dropLast: boolean;
  /** Named in the error when duplicates leave only single-row batches. */
  lossName: string;
}

/**
 * The batches (row indices) of each epoch, planned on first use and kept.
 * An epoch's batches depend only on the seed and the epoch number, which is
 * what lets a resumed run continue mid-epoch. The first epoch is planned at
 * once, so batches that cannot be formed fail before any training.
 */
export function epochBatches(rows: TrainingRow[], negatives: number, options: EpochBatchOptions): (epoch: number) => number[][] {
  const { batchSize, seed, batchSampler, dropLast } = options;
  const textsOf = (i: number) => rowTexts(rows[i]!, negatives);
  const planned = new Map<number, number[][]>();
  const batchesFor = (epoch: number) => {
    let batches = planned.get(epoch);
    if (!batches) {
      batches = planEpoch(rows.length, textsOf, { batchSize, seed, epoch, sampler: batchSampler, dropLast });
      planned.set(epoch, batches);
    }
    return batches;
  };
  const first = batchesFor(0);
  if (first.length === 0) throw new EmbedlabError(`no full batch of ${batchSize} rows can be formed (dropLast is on)`);
  if (batchSampler === 'no-duplicates' && batchSize > 1 && first.every((b) => b.length < 2)) {
    throw new EmbedlabError(
      `every batch would hold a single row: all ${rows.length} training rows share texts with each other ` +
        `(duplicates are false negatives for ${options.lossName}, so the no-duplicates sampler keeps them apart). Remove the duplicates.`,
    );
  }
  return batchesFor;
}

// ---------------------------------------------------------------------------
// What a resume must match

/** The batch settings a signature records beside the data. */
export interface SignatureSettings {
  batchSize: number;
  gradAccumSteps: number;
  seed: number;
  batchSampler: BatchSamplerName;
  dropLast: boolean;
  lossName: string;
}

/**
 * What a resumed run must share with the run that wrote the checkpoint: the
 * data (by hash) and every setting that decides which rows form which batch.
 */
export function runSignature(rows: TrainingRow[], negatives: number, settings: SignatureSettings): RunSignature {
  return {
    rows: rows.length,
    dataHash: hashRows(rows, negatives),
    batchSize: settings.batchSize,
    gradAccumSteps: settings.gradAccumSteps,
    seed: settings.seed,
    batchSampler: settings.batchSampler,
    dropLast: settings.dropLast,
    negatives,
    loss: settings.lossName,
  };
}

/** FNV-1a over every text the trainer uses (detects changed data on resume). */
function hashRows(rows: TrainingRow[], negatives: number): string {
  let h = 0x811c9dc5;
  for (const row of rows) {
    for (const text of rowTexts(row, negatives)) {
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 0x1f, 0x01000193);
    }
    if (row.score !== undefined) h = Math.imul(h ^ Math.round(row.score * 1e6), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------
// Cadence

/** How often something happens during training: every N optimizer steps and/or at each epoch end. */
export interface Cadence {
  everySteps?: number;
  atEpochEnd: boolean;
}

/**
 * Whether `cadence` calls for it after optimizer step `step`. `epochBoundary`:
 * the step ended an epoch, or the run (`maxSteps` can end it mid-epoch).
 */
export function isDue(cadence: Cadence, step: number, epochBoundary: boolean): boolean {
  return (cadence.everySteps !== undefined && step % cadence.everySteps === 0) || (epochBoundary && cadence.atEpochEnd);
}
