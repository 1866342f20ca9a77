import type { TrainingRow } from '../data/types';
import { mnrl } from '../losses/mnrl';
import type { Loss } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import type { Cadence } from './cadence';
import { epochBatches } from './epochBatches';
import { modelSelection, type ModelSelection } from './modelSelection';
import type { AdamWOptions } from './optimizer';
import { findResumePoint, type ResumePoint } from './resumePoint';
import { checkRunFolder, modelFolder } from './runFolder';
import { checkRows } from './rows';
import { runSignature } from './runSignature';
import type { BatchSamplerName } from './sampler';
import { parseScheduler, resolveWarmupSteps, type ScheduleConfig, type SchedulerName } from './schedule';
import type { FinetuneOptions, RunSignature } from './types';

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
