import { ensureBackend } from '../backend';
import type { TrainingRow } from '../data/types';
import { checkModelArgument, checkOptions, checkRowsArray } from '../util/validate';
import type { SentenceEmbedder } from '../models/types';
import { BestModelTracker } from './bestModel';
import { isDue } from './cadence';
import { restoreCheckpoint } from './checkpoint';
import { CheckpointWriter, type ResumePosition } from './checkpointWriter';
import { EvaluationRunner, skipIfStopped } from './evaluation';
import { AdamW } from './optimizer';
import { optimizerStep, type StepSetup } from './optimizerStep';
import { ProgressMeter } from './progressMeter';
import { remainingSteps } from './remainingSteps';
import { prepareRunFolder, trainingWriteFailure } from './runFolder';
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
  checkModelArgument(model, 'finetune(model)', ['forward', 'namedWeights']);
  checkRowsArray(rows, 'finetune(model, rows)');
  checkOptions(options, 'finetune(model, rows, options)');
  await ensureBackend();
  const plan = planRun(model, rows, options);
  const { outputDir, schedule } = plan;
  if (outputDir) await prepareRunFolder(outputDir, options, options.onWarning ?? console.warn);
  const optimizer = new AdamW(model.namedWeights(), plan.adamW);
  const history: TrainingHistory = { steps: [], evals: [] };
  const best = new BestModelTracker(plan);
  let globalStep = 0;
  let resumeAt: ResumePosition = { epoch: 0, batchInEpoch: 0 };
  let lastCheckpoint: string | undefined;
  let stopped: FinetuneResult['stopped'];

  try {
    if (plan.resumeFrom) {
      const { path, state } = plan.resumeFrom;
      restoreCheckpoint(path, model, optimizer);
      globalStep = state.globalStep;
      resumeAt = { epoch: state.epoch, batchInEpoch: state.batchInEpoch };
      history.steps.push(...state.history.steps);
      history.evals.push(...state.history.evals);
      best.resume(state);
      lastCheckpoint = path;
    }

    const evaluation = plan.evaluator && new EvaluationRunner(plan.evaluator, plan.metric!, model, history, options);
    // the baseline is recorded but never becomes the best model: no checkpoint holds it
    if (options.evaluateBeforeTraining && evaluation && globalStep === 0 && !history.evals.some((e) => e.step === 0)) {
      await evaluation.run(0, 0);
    }
    const checkpoints = outputDir ? new CheckpointWriter(outputDir, model, optimizer, plan, options) : undefined;
    const stepSetup: StepSetup = { model, loss: plan.loss, optimizer, rows, negatives: plan.negatives, seed: plan.seed, maxGradNorm: plan.maxGradNorm };
    const progress = new ProgressMeter(globalStep, schedule.totalSteps, plan.epochs);

    for (const planned of remainingSteps(plan.batchesFor, plan.gradAccumSteps, resumeAt, schedule.totalSteps - globalStep)) {
      const lr = learningRateAt(globalStep, schedule);
      const { firstBatch, epoch, epochProgress } = planned;
      const step = await optimizerStep(stepSetup, planned.batches, { globalStep, epoch, firstBatch, lr, lastCheckpoint });
      globalStep += 1;
      history.steps.push({ step: globalStep, epoch: epochProgress, loss: step.loss, lr, gradNorm: step.gradNorm });
      progress.count(step.examples);
      options.onProgress?.(progress.at(globalStep, epochProgress, step.loss, lr));

      const epochBoundary = planned.endsEpoch || globalStep >= schedule.totalSteps;
      let newBest = false;
      if (evaluation && isDue(plan.evaluateEvery, globalStep, epochBoundary)) {
        const value = await evaluation.run(globalStep, epochProgress).catch(skipIfStopped(options.signal));
        if (value !== undefined) newBest = await best.offer(value, globalStep, model);
      }
      const aborted = options.signal?.aborted === true;
      // a new best is saved at once: its checkpoint is where loadBestModelAtEnd finds its weights
      if (checkpoints && (isDue(plan.saveEvery, globalStep, epochBoundary) || newBest || aborted)) {
        lastCheckpoint = await checkpoints.write(globalStep, planned.next, history, best);
      }
      if (aborted) {
        stopped = 'signal';
        break;
      }
    }

    if (!stopped && plan.loadBestModelAtEnd) best.restore(model);
    if (!stopped && outputDir && plan.saveFinalModel) await model.save(outputDir);
  } catch (error) {
    // disk full / read-only mid-run: say which checkpoint is intact (resume continues from it)
    throw trainingWriteFailure(error, lastCheckpoint);
  } finally {
    optimizer.dispose();
  }

  return {
    history,
    bestMetric: best.current?.value,
    metricForBestModel: plan.metric,
    bestStep: best.current?.step,
    bestCheckpoint: best.checkpointPath,
    globalStep,
    totalSteps: schedule.totalSteps,
    stopped,
    lastCheckpoint,
    model,
  };
}
