import type { TrainingRow } from '../data/types';
import type { SentenceEmbedder } from '../models/types';
import { BestModelTracker } from './bestModel';
import { EvaluationRunner, skipIfStopped } from './evaluation';
import { restoreCheckpoint } from './checkpoint';
import { CheckpointWriter } from './checkpointWriter';
import { AdamW } from './optimizer';
import { optimizerStep } from './optimizerStep';
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
    const stepSetup = { model, loss, optimizer, rows, negatives: plan.negatives, seed: plan.seed, maxGradNorm: plan.maxGradNorm };

    training: for (let epoch = startEpoch; globalStep < schedule.totalSteps; epoch++) {
      const batches = plan.batchesFor(epoch);
      for (let b = epoch === startEpoch ? startBatch : 0; b < batches.length && globalStep < schedule.totalSteps; b += accum) {
        const group = batches.slice(b, b + accum);
        const lr = learningRateAt(globalStep, schedule);
        const step = await optimizerStep(stepSetup, group, { globalStep, epoch, firstBatch: b, lr, lastCheckpoint });
        examples += step.examples;
        globalStep += 1;
        const batchInEpoch = Math.min(b + accum, batches.length);
        const epochFloat = epoch + batchInEpoch / batches.length;
        history.steps.push({ step: globalStep, epoch: epochFloat, loss: step.loss, lr, gradNorm: step.gradNorm });
        if (options.onProgress) {
          const seconds = (performance.now() - started) / 1000;
          const done = globalStep - firstStep;
          options.onProgress({
            step: globalStep,
            totalSteps: schedule.totalSteps,
            epoch: epochFloat,
            epochs: plan.epochs,
            loss: step.loss,
            lr,
            examplesPerSec: seconds > 0 ? examples / seconds : 0,
            etaSeconds: done > 0 ? (seconds / done) * (schedule.totalSteps - globalStep) : 0,
          });
        }

        const epochEnd = batchInEpochAfter(b, accum, batches.length) >= batches.length;
        const lastStep = globalStep >= schedule.totalSteps;
        const next = epochEnd ? { epoch: epoch + 1, batch: 0 } : { epoch, batch: b + accum };

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
