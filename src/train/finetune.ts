import * as tf from '@tensorflow/tfjs';
import type { TrainingRow } from '../data/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { Random } from '../util/random';
import { BestModelTracker } from './bestModel';
import { EvaluationRunner, skipIfStopped } from './evaluation';
import { restoreCheckpoint } from './checkpoint';
import { CheckpointWriter } from './checkpointWriter';
import { clipGradNorm } from './clip';
import { addGradients, batchGradients } from './gradients';
import { AdamW } from './optimizer';
import { makeBatch } from './rows';
import { planRun } from './runPlan';
import { learningRateAt } from './schedule';
import type { FinetuneOptions, FinetuneResult, TrainingHistory } from './types';

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
  const plan = planRun(model, rows, options);
  const { loss, evaluator, metric, outputDir, schedule, signature } = plan;
  const optimizer = new AdamW(model.namedWeights(), plan.adamW);
  const history: TrainingHistory = { steps: [], evals: [] };
  let globalStep = 0;
  let startEpoch = 0;
  let startBatch = 0;
  const best = new BestModelTracker(plan);
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
      best.resume(state);
      lastCheckpoint = plan.resumeFrom.path;
    }

    const evaluation = evaluator && new EvaluationRunner(evaluator, metric!, model, history, options);
    // the baseline is recorded but never becomes the best model: no checkpoint holds it
    if (options.evaluateBeforeTraining && evaluation && globalStep === 0 && !history.evals.some((e) => e.step === 0)) {
      await evaluation.run(0, 0);
    }

    const checkpoints =
      outputDir &&
      new CheckpointWriter(
        outputDir,
        model,
        optimizer,
        { totalSteps: schedule.totalSteps, metricForBestModel: metric, signature, saveTotalLimit: plan.saveTotalLimit },
        options,
      );

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
          evaluation !== undefined &&
          ((plan.evalSteps !== undefined && globalStep % plan.evalSteps === 0) || ((epochEnd || lastStep) && plan.evalEveryEpoch));
        if (wantEval) {
          const value = await evaluation.run(globalStep, epochFloat).catch(skipIfStopped(options.signal));
          if (value !== undefined) newBest = await best.offer(value, globalStep, model);
        }

        const aborted = options.signal?.aborted === true;
        if (
          checkpoints &&
          ((plan.saveSteps !== undefined && globalStep % plan.saveSteps === 0) ||
            ((epochEnd || lastStep) && plan.saveEveryEpoch) ||
            newBest ||
            aborted)
        ) {
          lastCheckpoint = await checkpoints.write(globalStep, { epoch: next.epoch, batchInEpoch: next.batch }, history, best);
        }
        if (aborted) {
          stopped = 'signal';
          break training;
        }
      }
    }

    if (!stopped && plan.loadBestModelAtEnd) best.restore(model);
    if (!stopped && outputDir && plan.saveFinalModel) await model.save(outputDir);
  } finally {
    optimizer.dispose();
  }

  return {
    history,
    bestMetric: best.current?.value,
    metricForBestModel: metric,
    bestStep: best.current?.step,
    bestCheckpoint: best.checkpointPath,
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
