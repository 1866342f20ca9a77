import { join } from 'node:path';
import type { HostTensor } from '../models/safetensors';
import type { SentenceEmbedder } from '../models/types';
import { checkpointName, restoreCheckpoint } from './checkpoint';
import { assignWeights, copyTrainableWeights } from './hostWeights';
import type { TrainerState } from './types';

/** The best evaluation so far. */
export interface BestModel {
  value: number;
  step: number;
  /** Folder name of that step's checkpoint (`checkpoint-<step>`), when checkpoints are written. */
  checkpoint?: string;
}

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
