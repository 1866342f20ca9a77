import type { SentenceEmbedder } from '../models/types';

/** Something the trainer can run every N steps / every epoch. */
export interface Evaluator {
  /** The metric used when none is named, e.g. `dim_768_cosine_ndcg@10`. */
  readonly primaryMetric: string;
  /** Every key `evaluate` returns — used to validate `metricForBestModel` up front. */
  metricNames(): string[];
  /** Runs the evaluation; returns metrics keyed like `dim_128_cosine_ndcg@10`. */
  evaluate(
    model: SentenceEmbedder,
    options?: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
  ): Promise<Record<string, number>>;
}
