import { ensureBackend } from '../backend';
import type { TrainingRow } from '../data/types';
import type { Evaluator } from '../eval/types';
import type { Loss } from '../losses/types';
import type { ModelCardData } from '../models/export/cardData';
import type { SentenceEmbedder } from '../models/types';
import { CheckpointWriter, restoreCheckpoint, type ResumePosition } from './checkpoints';
import { BestModelTracker, EvaluationRunner, skipIfStopped } from './evaluation';
import { AdamW } from './optimizer';
import { checkModelArgument, checkOptions, checkRowsArray } from '../util/validate';
import { isDue, planRun } from './plan';
import { prepareRunFolder, trainingWriteFailure } from './runFolder';
import type { BatchSamplerName } from './sampler';
import { learningRateAt, type SchedulerName } from './schedule';
import { optimizerStep, type StepSetup } from './step';
import { recordTraining } from './cardRecord';
import { columnPrompts, rememberPrompts } from './prompts';
import { interruptSignal } from '../util/interrupt';
import { breathe, longCall } from '../util/longCall';

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
 *
 * Without `onProgress` a progress bar shows in a notebook or terminal; without
 * `signal`, Kernel → Interrupt stops training after the current step, as
 * Ctrl-C does on the command line (the result then has `stopped: 'signal'`).
 */
export async function finetune(model: SentenceEmbedder, rows: TrainingRow[], options: FinetuneOptions = {}): Promise<FinetuneResult> {
  checkModelArgument(model, 'finetune(model)', ['forward', 'namedWeights']);
  checkRowsArray(rows, 'finetune(model, rows)');
  checkOptions(options, 'finetune(model, rows, options)');
  await ensureBackend();
  const result = await longCall('Fine-tuning', options, (hooks) => train(model, rows, { ...options, ...hooks }), {
    stopped: (r) => (r.stopped ? `stopped at step ${r.globalStep}/${r.totalSteps}` : undefined),
  });
  if (result.stopped && options.signal === undefined && interruptSignal()?.aborted) {
    process.stderr.write(`${interruptedNote(result, options)}\n`);
  }
  return result;
}

/** What an interrupted run kept, and how to continue it. */
function interruptedNote(result: FinetuneResult, options: FinetuneOptions): string {
  const kept = `Interrupted after step ${result.globalStep} of ${result.totalSteps}: the model holds the weights of step ${result.globalStep}`;
  if (!result.lastCheckpoint) {
    return `${kept}. No checkpoint was written (no outputDir); pass outputDir to make a run resumable.`;
  }
  const resume = options.resume ? 'run the same call again' : 'run it again with resume: true';
  return `${kept}, saved in ${result.lastCheckpoint}. To continue, ${resume} (same model, rows and options).`;
}

async function train(model: SentenceEmbedder, rows: TrainingRow[], options: FinetuneOptions): Promise<FinetuneResult> {
  const plan = planRun(model, rows, options);
  const prompts = columnPrompts(options.prompts, plan.negatives);
  rememberPrompts(model, prompts);
  const { outputDir, schedule } = plan;
  if (outputDir) await prepareRunFolder(outputDir, options, options.onWarning ?? console.warn);
  const optimizer = new AdamW(model.namedWeights(), plan.adamW);
  const history: TrainingHistory = { steps: [], evals: [] };
  const best = new BestModelTracker(plan);
  let globalStep = 0;
  let resumeAt: ResumePosition = { epoch: 0, batchInEpoch: 0 };
  let lastCheckpoint: string | undefined;
  let stopped: FinetuneResult['stopped'];
  /** The evaluators' results after each evaluation, for the model card. */
  const cardResults = new Map<number, ModelCardData['evaluations']>();

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
    const stepSetup: StepSetup = { model, loss: plan.loss, optimizer, rows, negatives: plan.negatives, seed: plan.seed, maxGradNorm: plan.maxGradNorm, prompts };
    const progress = new ProgressMeter(globalStep, schedule.totalSteps, plan.epochs);

    for (const planned of remainingSteps(plan.batchesFor, plan.gradAccumSteps, resumeAt, schedule.totalSteps - globalStep)) {
      const lr = learningRateAt(globalStep, schedule);
      const { firstBatch, epoch, epochProgress } = planned;
      const step = await optimizerStep(stepSetup, planned.batches, { globalStep, epoch, firstBatch, lr, lastCheckpoint });
      globalStep += 1;
      history.steps.push({ step: globalStep, epoch: epochProgress, loss: step.loss, lr, gradNorm: step.gradNorm });
      progress.count(step.examples);
      options.onProgress?.(progress.at(globalStep, epochProgress, step.loss, lr));
      await breathe(); // lets an interrupt and the progress output through

      const epochBoundary = planned.endsEpoch || globalStep >= schedule.totalSteps;
      let newBest = false;
      if (evaluation && isDue(plan.evaluateEvery, globalStep, epochBoundary)) {
        const value = await evaluation.run(globalStep, epochProgress).catch(skipIfStopped(options.signal));
        if (value !== undefined) newBest = await best.offer(value, globalStep, model);
        if (value !== undefined && model.cardData) cardResults.set(globalStep, new Map(model.cardData.evaluations));
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

    if (!stopped && plan.loadBestModelAtEnd) {
      best.restore(model);
      // the card then shows the results of the weights it describes
      const kept = best.current && cardResults.get(best.current.step);
      if (kept && model.cardData) model.cardData.evaluations = kept;
    }
    if (model.cardData) recordTraining(model.cardData, model, rows, plan, options, history, best.current?.step);
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

/** One optimizer update in the history. */
export interface StepRecord {
  /** 1-based optimizer step. */
  step: number;
  /** Fractional epoch at the end of the step (1.5 = half-way through the second epoch). */
  epoch: number;
  /** Mean loss over the step's (micro-)batches. */
  loss: number;
  /** Learning rate used for this update. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** One evaluation in the history (`step` 0 = before training). */
export interface EvalRecord {
  step: number;
  epoch: number;
  metrics: Record<string, number>;
}

/** Per-step and per-evaluation records: plain data a chart can draw. */
export interface TrainingHistory {
  steps: StepRecord[];
  evals: EvalRecord[];
}

/** What {@link FinetuneOptions.onProgress} receives after every optimizer step. */
export interface ProgressInfo {
  step: number;
  totalSteps: number;
  /** Fractional epoch. */
  epoch: number;
  epochs: number;
  loss: number;
  lr: number;
  examplesPerSec: number;
  etaSeconds: number;
}

/** Options for {@link finetune}. Defaults follow the Hugging Face / sentence-transformers trainer. */
export interface FinetuneOptions {
  /**
   * Training objective.
   * @default `mnrl()`
   */
  loss?: Loss;
  /**
   * Passes over the data.
   * @default 3
   */
  epochs?: number;
  /** Stop after this many optimizer steps (overrides `epochs` when set). */
  maxSteps?: number;
  /**
   * Rows per batch — the contrastive batch for in-batch-negative losses.
   * @default 8
   */
  batchSize?: number;
  /**
   * Peak learning rate.
   * @default 5e-5
   */
  lr?: number;
  /**
   * Learning-rate schedule.
   * @default `linear`
   */
  scheduler?: SchedulerName;
  /**
   * Warm-up as a fraction of all optimizer steps.
   * @default 0
   */
  warmupRatio?: number;
  /** Warm-up in optimizer steps; overrides `warmupRatio` when > 0. */
  warmupSteps?: number;
  /**
   * AdamW decoupled weight decay (never applied to biases and LayerNorm weights).
   * @default 0
   */
  weightDecay?: number;
  /**
   * AdamW β1, the decay rate of the first-moment estimate.
   * @default 0.9
   */
  adamBeta1?: number;
  /**
   * AdamW β2, the decay rate of the second-moment estimate.
   * @default 0.999
   */
  adamBeta2?: number;
  /**
   * AdamW ε, added to the denominator for numerical stability.
   * @default 1e-8
   */
  adamEpsilon?: number;
  /**
   * Clip the global gradient norm to this (0 disables).
   * @default 1.0
   */
  maxGradNorm?: number;
  /**
   * Batches whose gradients are summed before one update. This does NOT
   * enlarge the contrastive batch: each batch still only sees its own
   * in-batch negatives. For more negatives use a larger `batchSize` with
   * `cachedMnrl` (GradCache), which keeps memory at the mini-batch size.
   * @default 1
   */
  gradAccumSteps?: number;
  /**
   * How rows are grouped into batches: `no-duplicates` keeps a text from
   * appearing twice in a batch (a false negative for in-batch-negative losses);
   * `shuffle` takes consecutive slices of the shuffled rows.
   * @default `no-duplicates` for in-batch-negative losses, else `shuffle`
   */
  batchSampler?: BatchSamplerName;
  /**
   * Drop a last batch smaller than `batchSize`.
   * @default false
   */
  dropLast?: boolean;
  /**
   * Use the first n hard negatives of each row (the same number in every row).
   * @default all
   */
  negatives?: number;
  /**
   * Prompts prepended to the training texts, as sentence-transformers' `prompts`
   * training argument: one string for every column, or by column name —
   * `anchor`, `positive`, and `negative` (every hard-negative column) or
   * `negative_1..n`. A Pooling module with `include_prompt: false` leaves the
   * prompt's tokens out. They are saved as the model's "query" (anchor) and
   * "document" (positive) prompts. E5-style: `{ anchor: 'query: ', positive: 'passage: ', negative: 'passage: ' }`.
   * @default none
   */
  prompts?: string | Record<string, string>;
  /**
   * Seeds shuffling, batching and any sampling in the loss.
   * @default 42
   */
  seed?: number;
  /** Run every `evalSteps` optimizer steps and/or at each epoch end. */
  evaluator?: Evaluator;
  /** Evaluate every N optimizer steps. */
  evalSteps?: number;
  /**
   * Evaluate at the end of every epoch.
   * @default true when an evaluator is given
   */
  evalEveryEpoch?: boolean;
  /**
   * Evaluate once before the first step (the baseline).
   * @default false
   */
  evaluateBeforeTraining?: boolean;
  /**
   * Metric that picks the best model. Checked before training.
   * @default the evaluator's primary metric
   */
  metricForBestModel?: string;
  /**
   * Whether a larger metric is better (false for names containing "loss").
   * @default true
   */
  greaterIsBetter?: boolean;
  /**
   * Put the best evaluated weights back into the model at the end.
   * @default true with an evaluator
   */
  loadBestModelAtEnd?: boolean;
  /** Where checkpoints (`checkpoint-<step>/`) and the final model go. Without it nothing is written. */
  outputDir?: string;
  /** Write a checkpoint every N optimizer steps. */
  saveSteps?: number;
  /**
   * Write a checkpoint at the end of every epoch.
   * @default true with `outputDir`
   */
  saveEveryEpoch?: boolean;
  /** Keep at most this many checkpoints (the best and the newest are never deleted). */
  saveTotalLimit?: number;
  /**
   * Save the final model into `outputDir` itself.
   * @default true with `outputDir`
   */
  saveFinalModel?: boolean;
  /**
   * Continue from the newest checkpoint in `outputDir` that loads (true; newer broken ones are
   * skipped with a warning) or from the given checkpoint folder.
   */
  resume?: boolean | string;
  /**
   * Write into an `outputDir` that holds files embedlab did not write (none is deleted), and start
   * over where an earlier run left checkpoints (they are replaced).
   * @default false
   */
  overwrite?: boolean;
  /**
   * Called with what was done on the user's behalf (a broken checkpoint skipped, a stale temp folder removed).
   * @default console.warn
   */
  onWarning?: (message: string) => void;
  /** Stops cleanly after the current step; a checkpoint is written when `outputDir` is set. */
  signal?: AbortSignal;
  /** Called after every optimizer step. */
  onProgress?: (info: ProgressInfo) => void;
  /** Called after every evaluation. */
  onEvaluate?: (record: EvalRecord) => void;
  /** Called after a checkpoint is written. */
  onCheckpoint?: (path: string) => void;
}

/** What {@link finetune} returns. */
export interface FinetuneResult {
  history: TrainingHistory;
  /** Best value of `metricForBestModel`, when evaluated. */
  bestMetric?: number;
  metricForBestModel?: string;
  /** Step of the best evaluation. */
  bestStep?: number;
  /** Folder of the best checkpoint, when one was written. */
  bestCheckpoint?: string;
  /** Optimizer steps completed. */
  globalStep: number;
  totalSteps: number;
  /** Why training ended before `totalSteps`: `'signal'` when the AbortSignal fired. */
  stopped?: 'signal';
  /** The newest checkpoint written, if any. */
  lastCheckpoint?: string;
  /** The trained model (the same object that was passed in). */
  model: SentenceEmbedder;
}

// ---------------------------------------------------------------------------
// The steps still to take

/** One optimizer step still to take, and where it sits in the data. */
export interface PlannedStep {
  epoch: number;
  /** Index within the epoch of the step's first batch. */
  firstBatch: number;
  /** The step's batches (row indices): `gradAccumSteps` of them, fewer at the end of an epoch. */
  batches: number[][];
  /** Fractional epoch once the step is done (1.5 = half-way through the second epoch). */
  epochProgress: number;
  /** Whether the step finishes its epoch. */
  endsEpoch: boolean;
  /** Where training continues after the step. */
  next: ResumePosition;
}

/**
 * The next `count` optimizer steps, starting at `from`: each takes
 * `gradAccumSteps` consecutive batches of its epoch, the epoch's last step
 * whatever is left. Epochs are planned only when a step reaches them.
 */
export function* remainingSteps(
  batchesFor: (epoch: number) => number[][],
  gradAccumSteps: number,
  from: ResumePosition,
  count: number,
): Generator<PlannedStep> {
  let left = count;
  for (let epoch = from.epoch; left > 0; epoch++) {
    const batches = batchesFor(epoch);
    for (let b = epoch === from.epoch ? from.batchInEpoch : 0; b < batches.length && left > 0; b += gradAccumSteps) {
      const end = Math.min(b + gradAccumSteps, batches.length);
      const endsEpoch = end >= batches.length;
      left -= 1;
      yield {
        epoch,
        firstBatch: b,
        batches: batches.slice(b, end),
        epochProgress: epoch + end / batches.length,
        endsEpoch,
        next: endsEpoch ? { epoch: epoch + 1, batchInEpoch: 0 } : { epoch, batchInEpoch: b + gradAccumSteps },
      };
    }
  }
}

// ---------------------------------------------------------------------------
// Progress

/**
 * Measures throughput and time left for {@link ProgressInfo}, from the
 * meter's creation and over the steps after `firstStep`: a baseline
 * evaluation and a resumed run's earlier steps do not count.
 */
export class ProgressMeter {
  private readonly started = performance.now();
  private examples = 0;

  constructor(
    private readonly firstStep: number,
    private readonly totalSteps: number,
    private readonly epochs: number,
  ) {}

  /** Counts the rows of a finished step. */
  count(examples: number): void {
    this.examples += examples;
  }

  /** Progress after optimizer step `step` (1-based). */
  at(step: number, epoch: number, loss: number, lr: number): ProgressInfo {
    const seconds = (performance.now() - this.started) / 1000;
    const done = step - this.firstStep;
    return {
      step,
      totalSteps: this.totalSteps,
      epoch,
      epochs: this.epochs,
      loss,
      lr,
      examplesPerSec: seconds > 0 ? this.examples / seconds : 0,
      etaSeconds: done > 0 ? (seconds / done) * (this.totalSteps - step) : 0,
    };
  }
}
