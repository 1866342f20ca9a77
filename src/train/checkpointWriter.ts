import type { SentenceEmbedder } from '../models/types';
import type { BestModelTracker } from './bestModel';
import { modelFingerprint, pruneCheckpoints, saveCheckpoint } from './checkpoint';
import type { AdamW } from './optimizer';
import type { FinetuneOptions, RunSignature, TrainerState, TrainingHistory } from './types';

/** Where training continues after a checkpoint: the epoch (0-based) and the batch within it. */
export interface ResumePosition {
  epoch: number;
  batchInEpoch: number;
}

/** What a run's checkpoints share (the run plan has it all). */
export interface CheckpointRun {
  schedule: { totalSteps: number };
  /** The metric that picks the best model. */
  metric?: string;
  signature: RunSignature;
  saveTotalLimit?: number;
}

/**
 * Writes the `checkpoint-<step>/` folders of one run: weights, optimizer
 * moments and the trainer state (position, history, best model, what a
 * resume must match); then prunes to `saveTotalLimit`, never deleting the
 * best checkpoint, and calls `onCheckpoint`.
 */
export class CheckpointWriter {
  constructor(
    private readonly outputDir: string,
    private readonly model: SentenceEmbedder,
    private readonly optimizer: AdamW,
    private readonly run: CheckpointRun,
    private readonly callbacks: Pick<FinetuneOptions, 'onCheckpoint'>,
  ) {}

  /** Writes the checkpoint of `globalStep`; returns its folder. */
  async write(globalStep: number, resumeAt: ResumePosition, history: TrainingHistory, best: BestModelTracker): Promise<string> {
    const state: TrainerState = {
      format: 'embedlab.trainer_state',
      version: 1,
      globalStep,
      epoch: resumeAt.epoch,
      batchInEpoch: resumeAt.batchInEpoch,
      totalSteps: this.run.schedule.totalSteps,
      history,
      bestMetric: best.current?.value,
      bestStep: best.current?.step,
      bestCheckpoint: best.current?.checkpoint,
      metricForBestModel: this.run.metric,
      modelFingerprint: modelFingerprint(this.model),
      run: this.run.signature,
    };
    const path = await saveCheckpoint(this.outputDir, this.model, this.optimizer, state);
    if (this.run.saveTotalLimit !== undefined) {
      await pruneCheckpoints(this.outputDir, this.run.saveTotalLimit, [best.checkpointPath]);
    }
    this.callbacks.onCheckpoint?.(path);
    return path;
  }
}
