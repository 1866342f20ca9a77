import type { Evaluator } from '../eval/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import type { EvalRecord, FinetuneOptions, TrainingHistory } from './types';

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
    private readonly options: Pick<FinetuneOptions, 'signal' | 'onEvaluate'>,
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
