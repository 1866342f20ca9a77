import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SafetensorsFile, readSafetensors, writeSafetensors } from '../models/safetensors';
import type { HostTensor } from '../models/safetensors';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { readJsonFile } from '../util/readJson';
import { writeFileAtomic } from '../util/fs';
import type { TrainingHistory } from './finetune';
import type { AdamW, AdamWState } from './optimizer';
import { newestLoadableCheckpoint } from './runFolder';
import type { BatchSamplerName } from './sampler';

/**
 * `trainer_state.json` in a checkpoint. No random-generator state is needed:
 * an epoch's batch order derives from `seed + epoch`, and every per-step draw
 * (Matryoshka `nDimsPerStep`, dropout masks of models with `seedDropout`)
 * from the seed and the step number, so the position below replays them.
 */
export interface TrainerState {
  format: 'embedlab.trainer_state';
  version: 1;
  /** Optimizer steps done. */
  globalStep: number;
  /** Epoch (0-based) and batch index within it where training continues. */
  epoch: number;
  batchInEpoch: number;
  totalSteps: number;
  history: TrainingHistory;
  bestMetric?: number;
  bestStep?: number;
  /** Folder name of the best checkpoint, e.g. `checkpoint-120`. */
  bestCheckpoint?: string;
  metricForBestModel?: string;
  /** Trainable weight names and shapes. */
  modelFingerprint: [string, number[]][];
  /** What must not change between a run and its resume. */
  run: RunSignature;
}

/** Settings a resumed run must share with the run that wrote the checkpoint. */
export interface RunSignature {
  rows: number;
  dataHash: string;
  batchSize: number;
  gradAccumSteps: number;
  seed: number;
  batchSampler: BatchSamplerName;
  dropLast: boolean;
  negatives: number;
  loss: string;
}

const STATE_FILE = 'trainer_state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
/**
 * The trainable weights exactly as the model holds them (by `namedWeights()`
 * name). The model's own files are for loading elsewhere; their layout may
 * differ (e.g. Linear weights stored [out, in] but held [in, out]).
 */
const WEIGHTS_FILE = 'trainer_weights.safetensors';
const PREFIX = 'checkpoint-';

/** A checkpoint folder in an output directory. */
export interface CheckpointRef {
  step: number;
  path: string;
}

export function checkpointName(step: number): string {
  return `${PREFIX}${step}`;
}

/** `checkpoint-<step>` folders holding a trainer state, oldest first. */
export function listCheckpoints(outputDir: string): CheckpointRef[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .filter((name) => /^checkpoint-\d+$/.test(name) && existsSync(join(outputDir, name, STATE_FILE)))
    .map((name) => ({ step: Number(name.slice(PREFIX.length)), path: join(outputDir, name) }))
    .sort((a, b) => a.step - b.step);
}

/** Names and shapes of the trainable weights: what must match to resume. */
export function modelFingerprint(model: SentenceEmbedder): [string, number[]][] {
  return [...model.namedWeights()].filter(([, v]) => v.trainable).map(([name, v]) => [name, [...v.shape]]);
}

/**
 * Writes `checkpoint-<step>/` in `outputDir`: the model (via `model.save`, so the
 * folder loads as a model), the trainable weights as held in memory
 * (`trainer_weights.safetensors`, what resuming reads), the AdamW moments (`optimizer.safetensors`:
 * `exp_avg.<name>`, `exp_avg_sq.<name>`, and the step count in the metadata) and
 * `trainer_state.json`. It is built in a temporary folder and renamed into
 * place, so an interrupted save never leaves a half-written checkpoint.
 */
export async function saveCheckpoint(
  outputDir: string,
  model: SentenceEmbedder,
  optimizer: AdamW,
  state: TrainerState,
): Promise<string> {
  const final = join(outputDir, checkpointName(state.globalStep));
  const tmp = join(outputDir, `.${checkpointName(state.globalStep)}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await model.save(tmp);
    await writeSafetensors(join(tmp, WEIGHTS_FILE), await copyTrainableWeights(model));
    const opt = await optimizer.exportState();
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of opt.expAvg) tensors.set(`exp_avg.${name}`, t);
    for (const [name, t] of opt.expAvgSq) tensors.set(`exp_avg_sq.${name}`, t);
    await writeSafetensors(join(tmp, OPTIMIZER_FILE), tensors, { format: 'embedlab-adamw', step: String(opt.step) });
    await writeFileAtomic(join(tmp, STATE_FILE), JSON.stringify(state, null, 2));
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return final;
}

/** Reads a checkpoint's trainer state, with a clear error when the folder is not a checkpoint. */
export function readTrainerState(checkpoint: string): TrainerState {
  const path = join(checkpoint, STATE_FILE);
  if (!existsSync(checkpoint) || !statSync(checkpoint).isDirectory()) {
    throw new EmbedlabError(`checkpoint ${checkpoint} does not exist`);
  }
  if (!existsSync(path)) throw new EmbedlabError(`${checkpoint} is not an embedlab checkpoint: ${STATE_FILE} is missing`);
  const state = readJsonFile<TrainerState>(path);
  if (state?.format !== 'embedlab.trainer_state' || !Number.isInteger(state.globalStep)) {
    throw new EmbedlabError(`${path} is not an embedlab trainer state`);
  }
  return state;
}

/**
 * Checks that a checkpoint was written for this model (same trainable weight
 * names and shapes). Nothing is read into the model when this fails.
 */
export function checkFingerprint(checkpoint: string, state: TrainerState, model: SentenceEmbedder): void {
  const mine = new Map(modelFingerprint(model).map(([n, s]) => [n, s.join(',')]));
  const theirs = new Map(state.modelFingerprint.map(([n, s]) => [n, s.join(',')]));
  const problems: string[] = [];
  for (const [name, shape] of theirs) {
    if (!mine.has(name)) problems.push(`it has weight "${name}" [${shape}], the model does not`);
    else if (mine.get(name) !== shape) problems.push(`weight "${name}" is [${shape}] there, [${mine.get(name)}] in the model`);
  }
  for (const [name, shape] of mine) if (!theirs.has(name)) problems.push(`the model has weight "${name}" [${shape}], the checkpoint does not`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; … (${problems.length} differences)` : '');
    throw new EmbedlabError(`checkpoint ${checkpoint} was written for a different model: ${shown}`);
  }
}

/** Loads the checkpoint's weights into the model and its moments into the optimizer. */
export function restoreCheckpoint(checkpoint: string, model: SentenceEmbedder, optimizer?: AdamW): void {
  const path = join(checkpoint, WEIGHTS_FILE);
  if (!existsSync(path)) throw new EmbedlabError(`${checkpoint} is not a complete checkpoint: ${WEIGHTS_FILE} is missing`);
  const stored = readSafetensors(path);
  const weights = new Map<string, HostTensor>();
  for (const [name, shape] of modelFingerprint(model)) {
    const weight = stored.get(name);
    if (!weight || weight.shape.join(',') !== shape.join(',')) {
      throw new EmbedlabError(`checkpoint ${checkpoint} has no weight "${name}" of shape [${shape}]`);
    }
    weights.set(name, weight);
  }
  assignWeights(model, weights);
  if (optimizer) {
    const file = SafetensorsFile.open(join(checkpoint, OPTIMIZER_FILE));
    try {
      const state: AdamWState = { step: Number(file.metadata.step ?? 0), expAvg: new Map(), expAvgSq: new Map() };
      for (const key of file.names()) {
        const [kind, ...rest] = key.split('.');
        const target = kind === 'exp_avg' ? state.expAvg : kind === 'exp_avg_sq' ? state.expAvgSq : undefined;
        target?.set(rest.join('.'), file.read(key));
      }
      optimizer.importState(state);
    } finally {
      file.close();
    }
  }
}

/**
 * Deletes the oldest checkpoints so at most `limit` remain — never the best
 * one and never the newest (so a limit of 1 may keep 2, as the HF Trainer does).
 */
export async function pruneCheckpoints(outputDir: string, limit: number, keep: (string | undefined)[]): Promise<void> {
  const all = listCheckpoints(outputDir);
  const newest = all[all.length - 1]?.path;
  const protectedPaths = new Set([newest, ...keep].filter((p): p is string => p !== undefined));
  let excess = all.length - Math.max(limit, protectedPaths.size);
  for (const ref of all) {
    if (excess <= 0) break;
    if (protectedPaths.has(ref.path)) continue;
    await rm(ref.path, { recursive: true, force: true });
    excess -= 1;
  }
}

// ---------------------------------------------------------------------------
// Writing during a run

/** Where training continues after a checkpoint: the epoch (0-based) and the batch within it. */
export interface ResumePosition {
  epoch: number;
  batchInEpoch: number;
}

/** The best evaluation so far. */
export interface BestModel {
  value: number;
  step: number;
  /** Folder name of that step's checkpoint (`checkpoint-<step>`), when checkpoints are written. */
  checkpoint?: string;
}

/** What a checkpoint records of the best model (a {@link BestModelTracker}). */
export interface BestSoFar {
  readonly current?: BestModel;
  /** The best checkpoint's folder, never pruned. */
  readonly checkpointPath?: string;
}

/** What a run's checkpoints share (the run plan has it all). */
export interface CheckpointRun {
  schedule: { totalSteps: number };
  /** The metric that picks the best model. */
  metric?: string;
  signature: RunSignature;
  saveTotalLimit?: number;
}

/**
 * Writes the `checkpoint-<step>/` folders of one run: weights, optimizer
 * moments and the trainer state (position, history, best model, what a
 * resume must match); then prunes to `saveTotalLimit`, never deleting the
 * best checkpoint, and calls `onCheckpoint`.
 */
export class CheckpointWriter {
  constructor(
    private readonly outputDir: string,
    private readonly model: SentenceEmbedder,
    private readonly optimizer: AdamW,
    private readonly run: CheckpointRun,
    private readonly callbacks: { onCheckpoint?: (path: string) => void },
  ) {}

  /** Writes the checkpoint of `globalStep`; returns its folder. */
  async write(globalStep: number, resumeAt: ResumePosition, history: TrainingHistory, best: BestSoFar): Promise<string> {
    const state: TrainerState = {
      format: 'embedlab.trainer_state',
      version: 1,
      globalStep,
      epoch: resumeAt.epoch,
      batchInEpoch: resumeAt.batchInEpoch,
      totalSteps: this.run.schedule.totalSteps,
      history,
      bestMetric: best.current?.value,
      bestStep: best.current?.step,
      bestCheckpoint: best.current?.checkpoint,
      metricForBestModel: this.run.metric,
      modelFingerprint: modelFingerprint(this.model),
      run: this.run.signature,
    };
    const path = await saveCheckpoint(this.outputDir, this.model, this.optimizer, state);
    if (this.run.saveTotalLimit !== undefined) {
      await pruneCheckpoints(this.outputDir, this.run.saveTotalLimit, [best.checkpointPath]);
    }
    this.callbacks.onCheckpoint?.(path);
    return path;
  }
}

// ---------------------------------------------------------------------------
// Resuming

/** A checkpoint to continue from, already checked against the model and the run. */
export interface ResumePoint {
  path: string;
  state: TrainerState;
}

/**
 * The checkpoint `resume` names (`true`: the newest in `outputDir` that loads;
 * broken newer ones are skipped through `warn`), refused when it was written
 * for another model or with other data or batch settings.
 */
export function findResumePoint(
  model: SentenceEmbedder,
  resume: boolean | string | undefined,
  outputDir: string | undefined,
  signature: RunSignature,
  warn: (message: string) => void,
): ResumePoint | undefined {
  if (resume) {
    const newest = resume === true ? newestLoadableCheckpoint(outputDir!, warn) : undefined;
    const path = resume === true ? newest?.path : resolve(resume);
    if (!path) throw new EmbedlabError(`nothing to resume: ${outputDir} holds no checkpoint-<step> folder that loads`);
    const state = newest?.state ?? readTrainerState(path);
    checkFingerprint(path, state, model);
    const changed = signatureChanges(state.run, signature);
    if (changed.length > 0) {
      throw new EmbedlabError(`cannot resume from ${path}: ${changed.join('; ')}. Resume with the same data and batch settings.`);
    }
    return { path, state };
  }
  // an earlier run's checkpoints without resume were refused (or cleared for overwrite) by checkRunFolder
  return undefined;
}

/** Each field that differs, as `batchSize was 8, now 4`. */
export function signatureChanges(saved: RunSignature | undefined, current: RunSignature): string[] {
  return (Object.keys(current) as (keyof RunSignature)[])
    .filter((k) => saved?.[k] !== current[k])
    .map((k) => `${k} was ${JSON.stringify(saved?.[k])}, now ${JSON.stringify(current[k])}`);
}

// ---------------------------------------------------------------------------
// Weights in host memory

/** The trainable weights copied to host memory, by `namedWeights()` name, exactly as the model holds them. */
export async function copyTrainableWeights(model: SentenceEmbedder): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, v] of model.namedWeights()) {
    if (v.trainable) out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
  }
  return out;
}

/** Puts host copies back into the model's weights of the same names. */
export function assignWeights(model: SentenceEmbedder, weights: Map<string, HostTensor>): void {
  const named = model.namedWeights();
  for (const [name, { shape, data }] of weights) {
    tf.tidy(() => named.get(name)!.assign(tf.tensor(data, shape)));
  }
}
