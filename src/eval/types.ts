import type { SentenceEmbedder } from '../models/types';

/** How a caller follows and stops one evaluation. */
export interface EvaluateOptions {
  /** Called as the work advances: `done` of `total` (texts encoded, or documents scored). */
  onProgress?: (done: number, total: number) => void;
  /** Aborts the evaluation: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Something the trainer can run every N steps / every epoch. */
export interface Evaluator {
  /** The metric used when none is named, e.g. `dim_768_cosine_ndcg@10`. */
  readonly primaryMetric: string;
  /** Every key `evaluate` returns — used to validate `metricForBestModel` up front. */
  metricNames(): string[];
  /** Runs the evaluation; returns metrics keyed like `dim_128_cosine_ndcg@10`. */
  evaluate(model: SentenceEmbedder, options?: EvaluateOptions): Promise<Record<string, number>>;
}
