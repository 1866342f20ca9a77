/**
 * Training: the `finetune` loop and its parts (AdamW, schedules, gradient
 * clipping, the no-duplicates batch sampler, checkpoints, progress).
 *
 * @example
 * import { finetune, matryoshka, mnrl } from 'embedlab';
 * const run = await finetune(model, rows, { loss: matryoshka(mnrl(), { dims: [256, 128, 64] }), epochs: 1 });
 */
export {
  finetune,
  type FinetuneOptions,
  type FinetuneResult,
  type ProgressInfo,
  type StepRecord,
  type EvalRecord,
  type TrainingHistory,
} from './finetune';
export type { TrainerState } from './checkpoints';
export { AdamW, defaultNoDecay, type AdamWOptions, type AdamWState } from './optimizer';
export { learningRateAt, resolveWarmupSteps, parseScheduler, SCHEDULERS, type SchedulerName, type ScheduleConfig } from './schedule';
export { planEpoch, type BatchSamplerName, type SamplerOptions } from './sampler';
export { batchGradients, clipGradNorm, makeBatch, type BatchGradientOptions } from './step';
export type { BatchGradients, TextBatch } from '../losses/types';
export { checkRows } from './plan';
export { keptLayersForMemory, miniBatchForMemory, WASM_TRAINING_BUDGET, type KeptLayersOptions, type MemoryBudgetOptions } from './memoryBudget';
export { listCheckpoints, readTrainerState, type CheckpointRef } from './checkpoints';
