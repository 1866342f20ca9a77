import { join } from 'node:path';
import type { Evaluator } from '../eval/types';
import type { HostTensor } from '../models/safetensors';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { assignWeights, checkpointName, copyTrainableWeights, restoreCheckpoint, type BestModel, type TrainerState } from './checkpoints';
import type { EvalRecord, TrainingHistory } from './finetune';

/**
 * Runs the evaluator during training: each result goes into the history and
 * to `onEvaluate`, and the value of the metric that picks the best model
 * comes back.
 */
export class EvaluationRunner {
  constructor(
    private readonly evaluator: Evaluator,
    private readonly metric: string,
    private readonly model: SentenceEmbedder,
    private readonly history: TrainingHistory,
    private readonly options: { signal?: AbortSignal; onEvaluate?: (record: EvalRecord) => void },
  ) {}

  /** Evaluates after optimizer step `step` (0: before training) at fractional `epoch`. */
  async run(step: number, epoch: number): Promise<number> {
    const metrics = await this.evaluator.evaluate(this.model, { signal: this.options.signal });
    const record: EvalRecord = { step, epoch, metrics };
    this.history.evals.push(record);
    this.options.onEvaluate?.(record);
    const value = metrics[this.metric];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new EmbedlabError(`the evaluator returned no value for "${this.metric}" (it returned: ${Object.keys(metrics).join(', ')})`);
    }
    return value;
  }
}

/**
 * A `.catch` handler: an evaluation cut short by the stop signal is skipped
 * (training still writes its checkpoint and stops); any other error stands.
 */
export function skipIfStopped(signal: AbortSignal | undefined): (error: unknown) => undefined {
  return (error) => {
    if (!signal?.aborted) throw error;
    return undefined;
  };
}

// ---------------------------------------------------------------------------
// The best model

/** What {@link BestModelTracker} needs from the run plan. */
export interface BestModelOptions {
  greaterIsBetter: boolean;
  outputDir?: string;
  loadBestModelAtEnd: boolean;
}

/**
 * Tracks the best evaluation and where its weights can be found again: in
 * that step's checkpoint when there is an output folder (the caller writes
 * it), else, with `loadBestModelAtEnd`, in a copy kept in host memory.
 */
export class BestModelTracker {
  private best?: BestModel;
  private weights?: Map<string, HostTensor>;

  constructor(private readonly options: BestModelOptions) {}

  get current(): BestModel | undefined {
    return this.best;
  }

  /** The best checkpoint's folder, when one was written. */
  get checkpointPath(): string | undefined {
    const { outputDir } = this.options;
    return this.best?.checkpoint && outputDir ? join(outputDir, this.best.checkpoint) : undefined;
  }

  /** Continues from the best recorded in a resumed checkpoint. */
  resume(state: TrainerState): void {
    if (state.bestMetric !== undefined && state.bestStep !== undefined) {
      this.best = { value: state.bestMetric, step: state.bestStep, checkpoint: state.bestCheckpoint };
    }
  }

  /** Takes `value`, measured after step `step`, when it beats the best; says whether it did. */
  async offer(value: number, step: number, model: SentenceEmbedder): Promise<boolean> {
    const { greaterIsBetter, outputDir, loadBestModelAtEnd } = this.options;
    if (this.best && !(greaterIsBetter ? value > this.best.value : value < this.best.value)) return false;
    this.best = { value, step, checkpoint: outputDir ? checkpointName(step) : undefined };
    if (!outputDir && loadBestModelAtEnd) this.weights = await copyTrainableWeights(model);
    return true;
  }

  /** Puts the best weights back into the model (nothing before the first evaluation). */
  restore(model: SentenceEmbedder): void {
    if (!this.best) return;
    const path = this.checkpointPath;
    if (path) restoreCheckpoint(path, model);
    else if (this.weights) assignWeights(model, this.weights);
  }
}
