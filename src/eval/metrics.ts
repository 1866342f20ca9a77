/**
 * Rank-based retrieval metrics with the exact semantics of
 * sentence-transformers' `InformationRetrievalEvaluator.compute_metrics`
 * (binary relevance):
 *
 * - Accuracy@k: 1 when any relevant document is in the top k.
 * - Precision@k: hits in the top k / k.
 * - Recall@k: hits in the top k / |R|.
 * - MRR@k: 1 / rank of the first relevant document in the top k, else 0.
 * - NDCG@k: Σ_{i≤k} rel_i / log2(i+1), divided by the same sum for an ideal
 *   list of min(k, |R|) relevant documents (ranks 1-based).
 * - MAP@k: Σ over relevant ranks i ≤ k of (hits so far / i), divided by min(k, |R|).
 *
 * R is the relevant set exactly as the qrels give it: ids that are not in the
 * corpus can never be retrieved but still count in |R|. Every value is the mean
 * over the evaluated queries, computed in float64.
 */
import { EmbedlabError } from '../util/errors';

/** Which cut-offs each metric family is reported at. */
export interface IRMetricConfig {
  /**
   * @default [1, 3, 5, 10]
   */
  accuracyAtK?: number[];
  /**
   * precision@k and recall@k.
   * @default [1, 3, 5, 10]
   */
  precisionRecallAtK?: number[];
  /**
   * @default [10]
   */
  mrrAtK?: number[];
  /**
   * @default [10]
   */
  ndcgAtK?: number[];
  /**
   * @default [100]
   */
  mapAtK?: number[];
}

/** A config with every list filled in and checked. */
export type ResolvedIRMetricConfig = Required<IRMetricConfig>;

/** Upstream's default cut-offs (`InformationRetrievalEvaluator` without arguments). */
export const DEFAULT_IR_METRIC_CONFIG: ResolvedIRMetricConfig = {
  accuracyAtK: [1, 3, 5, 10],
  precisionRecallAtK: [1, 3, 5, 10],
  mrrAtK: [10],
  ndcgAtK: [10],
  mapAtK: [100],
};

/**
 * Fills defaults and rejects cut-offs that are not positive integers.
 *
 * @example
 * resolveMetricConfig({ ndcgAtK: [5, 10] }).ndcgAtK; // [5, 10]; the other lists keep their defaults
 */
export function resolveMetricConfig(config: IRMetricConfig = {}): ResolvedIRMetricConfig {
  const out = { ...DEFAULT_IR_METRIC_CONFIG };
  for (const key of Object.keys(DEFAULT_IR_METRIC_CONFIG) as (keyof IRMetricConfig)[]) {
    const value = config[key];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.some((k) => !Number.isInteger(k) || k < 1)) {
      throw new EmbedlabError(`${key} must be a list of positive integers, got ${JSON.stringify(value)}`);
    }
    out[key] = [...value];
  }
  return out;
}

/** The largest cut-off any metric needs: how many hits retrieval must keep per query. */
export function maxCutoff(config: ResolvedIRMetricConfig): number {
  return Math.max(
    ...config.accuracyAtK,
    ...config.precisionRecallAtK,
    ...config.mrrAtK,
    ...config.ndcgAtK,
    ...config.mapAtK,
  );
}

/**
 * Metric names without prefix, in upstream order: accuracy@k…, precision@k…,
 * recall@k…, ndcg@k…, mrr@k…, map@k….
 *
 * @example
 * rankingMetricNames(resolveMetricConfig({ accuracyAtK: [1], precisionRecallAtK: [5] }));
 * // ['accuracy@1', 'precision@5', 'recall@5', 'ndcg@10', 'mrr@10', 'map@100']
 */
export function rankingMetricNames(config: ResolvedIRMetricConfig): string[] {
  return [
    ...config.accuracyAtK.map((k) => `accuracy@${k}`),
    ...config.precisionRecallAtK.map((k) => `precision@${k}`),
    ...config.precisionRecallAtK.map((k) => `recall@${k}`),
    ...config.ndcgAtK.map((k) => `ndcg@${k}`),
    ...config.mrrAtK.map((k) => `mrr@${k}`),
    ...config.mapAtK.map((k) => `map@${k}`),
  ];
}

function dcg(relevances: ArrayLike<number>, k: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(relevances.length, k); i++) sum += relevances[i]! / Math.log2(i + 2);
  return sum;
}

function mean(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length ? sum / values.length : NaN;
}

/**
 * Computes every metric of `config` from ranked hit lists.
 *
 * @param rankings for each evaluated query, corpus ids best first (at least
 *   `maxCutoff(config)` long, or the whole corpus when it is smaller)
 * @param relevant for each evaluated query, its relevant ids (non-empty)
 * @returns metrics keyed without prefix (`ndcg@10`), in upstream order
 *
 * @example
 * computeRankingMetrics([['d2', 'd1']], [new Set(['d1'])], resolveMetricConfig({ mrrAtK: [10] }))['mrr@10']; // 0.5
 */
export function computeRankingMetrics(
  rankings: readonly (readonly string[])[],
  relevant: readonly ReadonlySet<string>[],
  config: ResolvedIRMetricConfig,
): Record<string, number> {
  if (rankings.length !== relevant.length) {
    throw new EmbedlabError(`${rankings.length} rankings for ${relevant.length} relevant sets`);
  }
  const n = rankings.length;
  const hitsAt = new Map<number, number>(config.accuracyAtK.map((k) => [k, 0]));
  const precisions = new Map<number, number[]>(config.precisionRecallAtK.map((k) => [k, []]));
  const recalls = new Map<number, number[]>(config.precisionRecallAtK.map((k) => [k, []]));
  const mrr = new Map<number, number>(config.mrrAtK.map((k) => [k, 0]));
  const ndcg = new Map<number, number[]>(config.ndcgAtK.map((k) => [k, []]));
  const averagePrecision = new Map<number, number[]>(config.mapAtK.map((k) => [k, []]));

  for (let q = 0; q < n; q++) {
    const ranked = rankings[q]!;
    const rel = relevant[q]!;
    const isRelevant = ranked.map((id) => (rel.has(id) ? 1 : 0));

    for (const k of config.accuracyAtK) {
      if (isRelevant.slice(0, k).some((r) => r === 1)) hitsAt.set(k, hitsAt.get(k)! + 1);
    }
    for (const k of config.precisionRecallAtK) {
      let correct = 0;
      for (const r of isRelevant.slice(0, k)) correct += r;
      precisions.get(k)!.push(correct / k);
      recalls.get(k)!.push(correct / rel.size);
    }
    for (const k of config.mrrAtK) {
      const first = isRelevant.slice(0, k).indexOf(1);
      if (first >= 0) mrr.set(k, mrr.get(k)! + 1 / (first + 1));
    }
    for (const k of config.ndcgAtK) {
      const ideal = new Array<number>(rel.size).fill(1);
      ndcg.get(k)!.push(dcg(isRelevant.slice(0, k), k) / dcg(ideal, k));
    }
    for (const k of config.mapAtK) {
      let correct = 0;
      let sumPrecisions = 0;
      isRelevant.slice(0, k).forEach((r, rank) => {
        if (r) {
          correct += 1;
          sumPrecisions += correct / (rank + 1);
        }
      });
      averagePrecision.get(k)!.push(sumPrecisions / Math.min(k, rel.size));
    }
  }

  const out: Record<string, number> = {};
  for (const k of config.accuracyAtK) out[`accuracy@${k}`] = hitsAt.get(k)! / n;
  for (const k of config.precisionRecallAtK) out[`precision@${k}`] = mean(precisions.get(k)!);
  for (const k of config.precisionRecallAtK) out[`recall@${k}`] = mean(recalls.get(k)!);
  for (const k of config.ndcgAtK) out[`ndcg@${k}`] = mean(ndcg.get(k)!);
  for (const k of config.mrrAtK) out[`mrr@${k}`] = mrr.get(k)! / n;
  for (const k of config.mapAtK) out[`map@${k}`] = mean(averagePrecision.get(k)!);
  return out;
}

/**
 * Checks a metric name against the keys an evaluator returns. Accepts the
 * Hugging Face trainer spelling with an `eval_` prefix. Unknown names throw an
 * {@link EmbedlabError} that lists every valid key.
 *
 * @example
 * resolveMetricName('eval_dim_128_cosine_ndcg@10', evaluator.metricNames()); // 'dim_128_cosine_ndcg@10'
 */
export function resolveMetricName(name: string, valid: readonly string[]): string {
  if (valid.includes(name)) return name;
  if (name.startsWith('eval_') && valid.includes(name.slice(5))) return name.slice(5);
  throw new EmbedlabError(`unknown metric "${name}"; valid metrics are: ${valid.join(', ')}`);
}
