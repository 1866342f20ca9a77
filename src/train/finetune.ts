import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import type { TrainingRow } from '../data/types';
import type { Evaluator } from '../eval/types';
import { mnrl } from '../losses/mnrl';
import type { Loss } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { Random } from '../util/random';
import {
  checkFingerprint,
  checkpointName,
  listCheckpoints,
  modelFingerprint,
  pruneCheckpoints,
  readTrainerState,
  restoreCheckpoint,
  saveCheckpoint,
} from './checkpoint';
import { clipGradNorm } from './clip';
import { addGradients, batchGradients } from './gradients';
import { AdamW } from './optimizer';
import { checkRows, makeBatch, rowTexts } from './rows';
import { planEpoch, type BatchSamplerName } from './sampler';
import { learningRateAt, parseScheduler, resolveWarmupSteps, type ScheduleConfig } from './schedule';
import type { EvalRecord, FinetuneOptions, FinetuneResult, RunSignature, TrainerState, TrainingHistory } from './types';

/**
 * Fine-tunes `model` on `rows` with the sentence-transformers training recipe:
 * a loss over in-batch embeddings, AdamW, a warm-up + decay schedule,
 * gradient clipping, no-duplicates batching, periodic evaluation, best-model
 * selection and resumable checkpoints. Everything is seeded: the same seed
 * gives the same loss sequence.
 *
 * Every option is checked before any work (bad learning rate, batch larger
 * than the data, rows without a positive, an unknown `metricForBestModel`,
 * a checkpoint from another model) with an error that says what to fix.
 *
 * @example
 * import { finetune, matryoshka, mnrl, InformationRetrievalEvaluator } from 'embedlab';
 * const run = await finetune(model, trainRows, {
 *   loss: matryoshka(mnrl(), { dims: [768, 512, 256, 128, 64] }),
 *   epochs: 4, batchSize: 32, lr: 2e-5, scheduler: 'cosine', warmupRatio: 0.1,
 *   evaluator, metricForBestModel: 'dim_128_cosine_ndcg@10',
 *   outputDir: 'runs/bge-finance', seed: 42,
 * });
 * run.history.steps;   // [{ step, epoch, loss, lr, gradNorm }, …] — chart it
 * run.bestMetric;      // best dim_128_cosine_ndcg@10; the model now holds those weights
 */
export async function finetune(model: SentenceEmbedder, rows: TrainingRow[], options: FinetuneOptions = {}): Promise<FinetuneResult> {
  const plan = await prepare(model, rows, options);
  const { loss, evaluator, metric, greaterIsBetter, outputDir, schedule, signature } = plan;
  const optimizer = new AdamW(model.namedWeights(), {
    weightDecay: options.weightDecay,
    beta1: options.adamBeta1,
    beta2: options.adamBeta2,
    eps: options.adamEpsilon,
  });
  const history: TrainingHistory = { steps: [], evals: [] };
  let globalStep = 0;
  let startEpoch = 0;
  let startBatch = 0;
  let best: { value: number; step: number; checkpoint?: string } | undefined;
  let bestWeights: Map<string, Float32Array> | undefined;
  let lastCheckpoint: string | undefined;
  let stopped: FinetuneResult['stopped'];

  try {
    if (plan.resumeFrom) {
      const state = plan.resumeFrom.state;
      restoreCheckpoint(plan.resumeFrom.path, model, optimizer);
      globalStep = state.globalStep;
      startEpoch = state.epoch;
      startBatch = state.batchInEpoch;
      history.steps.push(...state.history.steps);
      history.evals.push(...state.history.evals);
      if (state.bestMetric !== undefined && state.bestStep !== undefined) {
        best = { value: state.bestMetric, step: state.bestStep, checkpoint: state.bestCheckpoint };
      }
      lastCheckpoint = plan.resumeFrom.path;
    }

    const evaluate = async (epoch: number): Promise<number | undefined> => {
      if (!evaluator) return undefined;
      const metrics = await evaluator.evaluate(model, { signal: options.signal });
      const record: EvalRecord = { step: globalStep, epoch, metrics };
      history.evals.push(record);
      options.onEvaluate?.(record);
      const value = metrics[metric!];
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new EmbedlabError(`the evaluator returned no value for "${metric}" (it returned: ${Object.keys(metrics).join(', ')})`);
      }
      return value;
    };

    if (options.evaluateBeforeTraining && evaluator && globalStep === 0 && !history.evals.some((e) => e.step === 0)) {
      await evaluate(0);
    }

    const writeCheckpoint = async (epoch: number, batchInEpoch: number) => {
      const state: TrainerState = {
        format: 'embedlab.trainer_state',
        version: 1,
        globalStep,
        epoch,
        batchInEpoch,
        totalSteps: schedule.totalSteps,
        history,
        bestMetric: best?.value,
        bestStep: best?.step,
        bestCheckpoint: best?.checkpoint,
        metricForBestModel: metric,
        modelFingerprint: modelFingerprint(model),
        run: signature,
      };
      lastCheckpoint = await saveCheckpoint(outputDir!, model, optimizer, state);
      if (options.saveTotalLimit !== undefined) {
        await pruneCheckpoints(outputDir!, options.saveTotalLimit, [best?.checkpoint ? join(outputDir!, best.checkpoint) : undefined]);
      }
      options.onCheckpoint?.(lastCheckpoint);
    };

    const started = performance.now();
    const firstStep = globalStep;
    let examples = 0;
    const accum = plan.gradAccumSteps;

    training: for (let epoch = startEpoch; globalStep < schedule.totalSteps; epoch++) {
      const batches = plan.batchesFor(epoch);
      for (let b = epoch === startEpoch ? startBatch : 0; b < batches.length && globalStep < schedule.totalSteps; b += accum) {
        const group = batches.slice(b, b + accum);
        const lr = learningRateAt(globalStep, schedule);
        let grads: Map<string, tf.Tensor> | undefined;
        let lossSum = 0;
        try {
          for (let k = 0; k < group.length; k++) {
            const batch = makeBatch(rows, group[k]!, plan.negatives, loss.requires);
            const stepSeed = mixSeed(plan.seed, globalStep, k);
            const result = await batchGradients(model, loss, batch, {
              scale: 1 / group.length,
              random: new Random(stepSeed),
              dropoutSeed: stepSeed,
            });
            grads = addGradients(grads, result.grads);
            if (!Number.isFinite(result.loss)) {
              throw nonFinite(`the loss is ${result.loss}`, globalStep + 1, epoch, b + k, lr, lastCheckpoint);
            }
            lossSum += result.loss;
            examples += group[k]!.length;
          }
          const gradNorm = await clipGradNorm(grads!, plan.maxGradNorm);
          if (!Number.isFinite(gradNorm)) throw nonFinite(`the gradient norm is ${gradNorm}`, globalStep + 1, epoch, b, lr, lastCheckpoint);
          optimizer.step(grads!, lr);
          globalStep += 1;
          const batchInEpoch = Math.min(b + accum, batches.length);
          const epochFloat = epoch + batchInEpoch / batches.length;
          const stepLoss = lossSum / group.length;
          history.steps.push({ step: globalStep, epoch: epochFloat, loss: stepLoss, lr, gradNorm });
          if (options.onProgress) {
            const seconds = (performance.now() - started) / 1000;
            const done = globalStep - firstStep;
            options.onProgress({
              step: globalStep,
              totalSteps: schedule.totalSteps,
              epoch: epochFloat,
              epochs: plan.epochs,
              loss: stepLoss,
              lr,
              examplesPerSec: seconds > 0 ? examples / seconds : 0,
              etaSeconds: done > 0 ? (seconds / done) * (schedule.totalSteps - globalStep) : 0,
            });
          }
        } finally {
          if (grads) tf.dispose([...grads.values()]);
        }

        const epochEnd = batchInEpochAfter(b, accum, batches.length) >= batches.length;
        const lastStep = globalStep >= schedule.totalSteps;
        const next = epochEnd ? { epoch: epoch + 1, batch: 0 } : { epoch, batch: b + accum };
        const epochFloat = history.steps[history.steps.length - 1]!.epoch;

        let newBest = false;
        const wantEval =
          evaluator !== undefined &&
          ((plan.evalSteps !== undefined && globalStep % plan.evalSteps === 0) || ((epochEnd || lastStep) && plan.evalEveryEpoch));
        if (wantEval) {
          let value: number | undefined;
          try {
            value = await evaluate(epochFloat);
          } catch (error) {
            if (!options.signal?.aborted) throw error;
          }
          if (value !== undefined && (!best || (greaterIsBetter ? value > best.value : value < best.value))) {
            best = { value, step: globalStep, checkpoint: outputDir ? checkpointName(globalStep) : undefined };
            newBest = true;
            if (!outputDir && plan.loadBestModelAtEnd) bestWeights = await snapshotWeights(model);
          }
        }

        const aborted = options.signal?.aborted === true;
        if (
          outputDir &&
          ((plan.saveSteps !== undefined && globalStep % plan.saveSteps === 0) ||
            ((epochEnd || lastStep) && plan.saveEveryEpoch) ||
            newBest ||
            aborted)
        ) {
          await writeCheckpoint(next.epoch, next.batch);
        }
        if (aborted) {
          stopped = 'signal';
          break training;
        }
      }
    }

    if (!stopped && plan.loadBestModelAtEnd && best) {
      if (best.checkpoint && outputDir) restoreCheckpoint(join(outputDir, best.checkpoint), model);
      else if (bestWeights) restoreWeights(model, bestWeights);
    }
    if (!stopped && outputDir && plan.saveFinalModel) await model.save(outputDir);
  } finally {
    optimizer.dispose();
  }

  return {
    history,
    bestMetric: best?.value,
    metricForBestModel: metric,
    bestStep: best?.step,
    bestCheckpoint: best?.checkpoint && outputDir ? join(outputDir, best.checkpoint) : undefined,
    globalStep,
    totalSteps: schedule.totalSteps,
    stopped,
    lastCheckpoint,
    model,
  };
}

function batchInEpochAfter(b: number, accum: number, batches: number): number {
  return Math.min(b + accum, batches);
}

/** A 32-bit seed for optimizer step `step`, micro-batch `k`. */
function mixSeed(seed: number, step: number, k: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35) ^ Math.imul(k + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

function nonFinite(what: string, step: number, epoch: number, batch: number, lr: number, checkpoint: string | undefined): EmbedlabError {
  return new EmbedlabError(
    `training stopped: ${what} at step ${step} (epoch ${epoch + 1}, batch ${batch + 1}). ` +
      `Try a lower learning rate (it was ${lr.toExponential(2)}; peak set by lr), a warm-up, or gradient clipping (maxGradNorm), ` +
      `and check the data for empty or extreme texts. ` +
      (checkpoint ? `The last good checkpoint is ${checkpoint}.` : 'No checkpoint was written.'),
  );
}

async function snapshotWeights(model: SentenceEmbedder): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.namedWeights()) if (v.trainable) out.set(name, (await v.data()) as Float32Array);
  return out;
}

function restoreWeights(model: SentenceEmbedder, weights: Map<string, Float32Array>): void {
  const named = model.namedWeights();
  for (const [name, data] of weights) {
    const v = named.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
}

// ---------------------------------------------------------------------------
// Validation and planning, all before any training work.

interface Plan {
  loss: Loss;
  evaluator?: Evaluator;
  metric?: string;
  greaterIsBetter: boolean;
  loadBestModelAtEnd: boolean;
  outputDir?: string;
  epochs: number;
  seed: number;
  negatives: number;
  gradAccumSteps: number;
  maxGradNorm: number;
  evalSteps?: number;
  evalEveryEpoch: boolean;
  saveSteps?: number;
  saveEveryEpoch: boolean;
  saveFinalModel: boolean;
  schedule: ScheduleConfig;
  signature: RunSignature;
  batchesFor(epoch: number): number[][];
  resumeFrom?: { path: string; state: TrainerState };
}

function positiveInt(name: string, value: number | undefined, fallback: number): number;
function positiveInt(name: string, value: number | undefined, fallback?: undefined): number | undefined;
function positiveInt(name: string, value: number | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new EmbedlabError(`${name} must be a positive integer, got ${value}`);
  return value;
}

async function prepare(model: SentenceEmbedder, rows: TrainingRow[], options: FinetuneOptions): Promise<Plan> {
  const loss = options.loss ?? mnrl();
  const epochs = positiveInt('epochs', options.epochs, 3);
  const maxSteps = positiveInt('maxSteps', options.maxSteps);
  const batchSize = positiveInt('batchSize', options.batchSize, 8);
  const gradAccumSteps = positiveInt('gradAccumSteps', options.gradAccumSteps, 1);
  const evalSteps = positiveInt('evalSteps', options.evalSteps);
  const saveSteps = positiveInt('saveSteps', options.saveSteps);
  if (options.saveTotalLimit !== undefined) positiveInt('saveTotalLimit', options.saveTotalLimit);
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

  const negatives = checkRows(rows, loss.requires, options.negatives);
  if (batchSize > rows.length) {
    throw new EmbedlabError(`batchSize ${batchSize} is larger than the ${rows.length} training rows; use batchSize ≤ ${rows.length}`);
  }
  if (loss.requires.inBatchNegatives && batchSize < 2) {
    throw new EmbedlabError(`${loss.name} uses the other rows of a batch as negatives: batchSize must be at least 2`);
  }

  const evaluator = options.evaluator;
  let metric: string | undefined;
  if (options.metricForBestModel !== undefined && !evaluator) {
    throw new EmbedlabError(`metricForBestModel "${options.metricForBestModel}" needs an evaluator`);
  }
  if (evaluator) {
    metric = options.metricForBestModel ?? evaluator.primaryMetric;
    const names = evaluator.metricNames();
    if (!names.includes(metric)) {
      const hint = names.filter((n) => n.toLowerCase().includes(metric!.toLowerCase().replace(/^.*_/, '')));
      throw new EmbedlabError(
        `metricForBestModel "${metric}" is not a metric of this evaluator. ` +
          (hint.length > 0 && hint.length < names.length ? `Close matches: ${hint.slice(0, 10).join(', ')}. ` : '') +
          `Valid names: ${names.join(', ')}`,
      );
    }
  }
  const greaterIsBetter = options.greaterIsBetter ?? !(metric ?? '').toLowerCase().includes('loss');
  const loadBestModelAtEnd = options.loadBestModelAtEnd ?? evaluator !== undefined;
  if (loadBestModelAtEnd && !evaluator) throw new EmbedlabError('loadBestModelAtEnd needs an evaluator to know which model is best');

  const outputDir = options.outputDir !== undefined ? resolve(options.outputDir) : undefined;
  if (options.resume && !outputDir && options.resume === true) {
    throw new EmbedlabError('resume: true continues from the newest checkpoint in outputDir; set outputDir (or pass the checkpoint folder)');
  }
  if ((options.saveSteps || options.saveTotalLimit) && !outputDir) {
    throw new EmbedlabError('saveSteps / saveTotalLimit write checkpoints: set outputDir');
  }

  // Batches: deterministic per epoch, cached.
  const textsOf = (i: number) => rowTexts(rows[i]!, negatives);
  const cache = new Map<number, number[][]>();
  const batchesFor = (epoch: number) => {
    let batches = cache.get(epoch);
    if (!batches) {
      batches = planEpoch(rows.length, textsOf, { batchSize, seed, epoch, sampler: batchSampler, dropLast });
      cache.set(epoch, batches);
    }
    return batches;
  };
  const first = batchesFor(0);
  if (first.length === 0) throw new EmbedlabError(`no full batch of ${batchSize} rows can be formed (dropLast is on)`);
  if (batchSampler === 'no-duplicates' && batchSize > 1 && first.every((b) => b.length < 2)) {
    throw new EmbedlabError(
      `every batch would hold a single row: all ${rows.length} training rows share texts with each other ` +
        `(duplicates are false negatives for ${loss.name}, so the no-duplicates sampler keeps them apart). Remove the duplicates.`,
    );
  }
  const stepsInEpoch = (e: number) => Math.ceil(batchesFor(e).length / gradAccumSteps);
  let totalSteps = 0;
  if (maxSteps !== undefined) totalSteps = maxSteps;
  else for (let e = 0; e < epochs; e++) totalSteps += stepsInEpoch(e);
  const warmupSteps = resolveWarmupSteps(totalSteps, options.warmupRatio ?? 0, options.warmupSteps ?? 0);

  const signature: RunSignature = {
    rows: rows.length,
    dataHash: hashRows(rows, negatives),
    batchSize,
    gradAccumSteps,
    seed,
    batchSampler,
    dropLast,
    negatives,
    loss: loss.name,
  };

  let resumeFrom: Plan['resumeFrom'];
  if (options.resume) {
    const path = options.resume === true ? listCheckpoints(outputDir!).pop()?.path : resolve(options.resume);
    if (!path) throw new EmbedlabError(`nothing to resume: ${outputDir} holds no checkpoint-<step> folder`);
    const state = readTrainerState(path);
    checkFingerprint(path, state, model);
    const changed = (Object.keys(signature) as (keyof RunSignature)[]).filter((k) => state.run?.[k] !== signature[k]);
    if (changed.length > 0) {
      throw new EmbedlabError(
        `cannot resume from ${path}: ${changed.map((k) => `${k} was ${JSON.stringify(state.run?.[k])}, now ${JSON.stringify(signature[k])}`).join('; ')}. ` +
          `Resume with the same data and batch settings.`,
      );
    }
    resumeFrom = { path, state };
  } else if (outputDir && listCheckpoints(outputDir).length > 0) {
    const found = listCheckpoints(outputDir).map((c) => c.path.split(/[\\/]/).pop());
    throw new EmbedlabError(
      `${outputDir} already holds checkpoints (${found.join(', ')}); pass resume: true to continue that run, or choose an empty outputDir`,
    );
  }

  return {
    loss,
    evaluator,
    metric,
    greaterIsBetter,
    loadBestModelAtEnd,
    outputDir,
    epochs,
    seed,
    negatives,
    gradAccumSteps,
    maxGradNorm,
    evalSteps,
    evalEveryEpoch: options.evalEveryEpoch ?? true,
    saveSteps,
    saveEveryEpoch: options.saveEveryEpoch ?? true,
    saveFinalModel: options.saveFinalModel ?? true,
    schedule: { scheduler, lr, warmupSteps, totalSteps },
    signature,
    batchesFor,
    resumeFrom,
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
