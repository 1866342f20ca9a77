import type { Evaluator } from '../eval/types';
import type { Loss } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import type { BatchSamplerName } from './sampler';
import type { SchedulerName } from './schedule';

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
  /** Training objective (default `mnrl()`). */
  loss?: Loss;
  /** Passes over the data (default 3). */
  epochs?: number;
  /** Stop after this many optimizer steps (overrides `epochs` when set). */
  maxSteps?: number;
  /** Rows per batch — the contrastive batch for in-batch-negative losses (default 8). */
  batchSize?: number;
  /** Peak learning rate (default 5e-5). */
  lr?: number;
  /** Learning-rate schedule (default `linear`). */
  scheduler?: SchedulerName;
  /** Warm-up as a fraction of all optimizer steps (default 0). */
  warmupRatio?: number;
  /** Warm-up in optimizer steps; overrides `warmupRatio` when > 0. */
  warmupSteps?: number;
  /** AdamW decoupled weight decay (default 0; never applied to biases and LayerNorm weights). */
  weightDecay?: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  /** Clip the global gradient norm to this (default 1.0; 0 disables). */
  maxGradNorm?: number;
  /**
   * Batches whose gradients are summed before one update (default 1). This
   * does NOT enlarge the contrastive batch: each batch still only sees its
   * own in-batch negatives. For more negatives use a larger `batchSize` with
   * `cachedMnrl` (GradCache), which keeps memory at the mini-batch size.
   */
  gradAccumSteps?: number;
  /** `no-duplicates` (default for in-batch-negative losses) or `shuffle`. */
  batchSampler?: BatchSamplerName;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Use the first n hard negatives of each row (default: all, the same number in every row). */
  negatives?: number;
  /** Seeds shuffling, batching and any sampling in the loss (default 42). */
  seed?: number;
  /** Run every `evalSteps` optimizer steps and/or at each epoch end. */
  evaluator?: Evaluator;
  /** Evaluate every N optimizer steps. */
  evalSteps?: number;
  /** Evaluate at the end of every epoch (default true when an evaluator is given). */
  evalEveryEpoch?: boolean;
  /** Evaluate once before the first step (the baseline; default false). */
  evaluateBeforeTraining?: boolean;
  /** Metric that picks the best model (default: the evaluator's primary metric). Checked before training. */
  metricForBestModel?: string;
  /** Whether a larger metric is better (default true, false for names containing "loss"). */
  greaterIsBetter?: boolean;
  /** Put the best evaluated weights back into the model at the end (default true with an evaluator). */
  loadBestModelAtEnd?: boolean;
  /** Where checkpoints (`checkpoint-<step>/`) and the final model go. Without it nothing is written. */
  outputDir?: string;
  /** Write a checkpoint every N optimizer steps. */
  saveSteps?: number;
  /** Write a checkpoint at the end of every epoch (default true with `outputDir`). */
  saveEveryEpoch?: boolean;
  /** Keep at most this many checkpoints (the best and the newest are never deleted). */
  saveTotalLimit?: number;
  /** Save the final model into `outputDir` itself (default true with `outputDir`). */
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
