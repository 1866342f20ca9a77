/**
 * Training: the `finetune` loop and its parts (AdamW, schedules, gradient
 * clipping, the no-duplicates batch sampler, checkpoints, progress).
 *
 * @example
 * import { finetune, matryoshka, mnrl } from 'embedlab';
 * const run = await finetune(model, rows, { loss: matryoshka(mnrl(), { dims: [256, 128, 64] }), epochs: 1 });
 */
export { finetune } from './finetune';
export type {
  FinetuneOptions,
  FinetuneResult,
  ProgressInfo,
  StepRecord,
  EvalRecord,
  TrainingHistory,
  TrainerState,
} from './types';
export { AdamW, defaultNoDecay, type AdamWOptions, type AdamWState } from './optimizer';
export { learningRateAt, resolveWarmupSteps, parseScheduler, SCHEDULERS, type SchedulerName, type ScheduleConfig } from './schedule';
export { clipGradNorm } from './clip';
export { planEpoch, type BatchSamplerName, type SamplerOptions } from './sampler';
export { batchGradients, type BatchGradients, type BatchGradientOptions } from './gradients';
export { miniBatchForMemory, WASM_TRAINING_BUDGET, type MemoryBudgetOptions } from './memoryBudget';
export { checkRows, makeBatch, type TextBatch } from './rows';
export { listCheckpoints, readTrainerState, type CheckpointRef } from './checkpoint';
