import { EmbedlabError } from '../util/errors';

/** Learning-rate schedules, as Hugging Face `get_scheduler` names them. */
export type SchedulerName = 'constant' | 'constant_with_warmup' | 'linear' | 'cosine';

export const SCHEDULERS: readonly SchedulerName[] = ['constant', 'constant_with_warmup', 'linear', 'cosine'];

/** What {@link learningRateAt} needs. */
export interface ScheduleConfig {
  scheduler: SchedulerName;
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  totalSteps: number;
}

/**
 * The multiplier of the peak learning rate for optimizer update `step`
 * (0-based), with Hugging Face semantics (`transformers.optimization`):
 *
 * - warm-up (every schedule but `constant`): `step / max(1, warmupSteps)` while `step < warmupSteps`
 *   — so the very first update uses lr 0 when there is a warm-up, as in HF;
 * - `linear`: `max(0, (total − step) / max(1, total − warmup))`;
 * - `cosine` (`get_cosine_schedule_with_warmup`, half a cycle):
 *   `max(0, ½·(1 + cos(π · progress)))` with `progress = (step − warmup) / max(1, total − warmup)`;
 * - `constant_with_warmup`: 1 after warm-up; `constant`: always 1.
 *
 * @example
 * learningRateAt(0, { scheduler: 'cosine', lr: 2e-5, warmupSteps: 10, totalSteps: 100 }); // 0
 * learningRateAt(10, { scheduler: 'cosine', lr: 2e-5, warmupSteps: 10, totalSteps: 100 }); // 2e-5
 */
export function learningRateAt(step: number, config: ScheduleConfig): number {
  return config.lr * lrMultiplier(step, config);
}

function lrMultiplier(step: number, { scheduler, warmupSteps, totalSteps }: ScheduleConfig): number {
  if (scheduler === 'constant') return 1;
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  switch (scheduler) {
    case 'constant_with_warmup':
      return 1;
    case 'linear':
      return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    case 'cosine': {
      const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * progress)));
    }
  }
}

/**
 * Warm-up length: `warmupSteps` when positive, else `ceil(totalSteps · warmupRatio)`
 * (HF `TrainingArguments.get_warmup_steps`).
 */
export function resolveWarmupSteps(totalSteps: number, warmupRatio = 0, warmupSteps = 0): number {
  if (!Number.isFinite(warmupRatio) || warmupRatio < 0 || warmupRatio > 1) {
    throw new EmbedlabError(`warmupRatio must be between 0 and 1, got ${warmupRatio}`);
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new EmbedlabError(`warmupSteps must be a non-negative integer, got ${warmupSteps}`);
  }
  return warmupSteps > 0 ? warmupSteps : Math.ceil(totalSteps * warmupRatio);
}

/** Checks a scheduler name from user input. */
export function parseScheduler(name: string): SchedulerName {
  if ((SCHEDULERS as readonly string[]).includes(name)) return name as SchedulerName;
  throw new EmbedlabError(`unknown scheduler "${name}"; use one of: ${SCHEDULERS.join(', ')}`);
}
