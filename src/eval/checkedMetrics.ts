import { EmbedlabError } from '../util/errors';

/** Keys that can only be meant as metric names: `…@10`, `dim_128_…`, `…_cosine_…`. */
function looksLikeMetric(key: string): boolean {
  return /@\d+$/.test(key) || /(^|_)dim_\d+_/.test(key) || /_(cosine|dot|euclidean|manhattan)_/.test(key);
}

/** The valid keys, compactly: `dim_{768,512}_cosine_{ndcg@10,mrr@10}` when they form a grid. */
export function describeMetricKeys(keys: readonly string[]): string {
  const parts = keys.map((k) => /^(.*?dim_)(\d+)(_.+)$/.exec(k));
  if (parts.length && parts.every((p) => p)) {
    const heads = new Set(parts.map((p) => p![1]));
    const dims = [...new Set(parts.map((p) => p![2]))];
    const tails = [...new Set(parts.map((p) => p![3]))];
    if (heads.size === 1 && dims.length * tails.length === keys.length) {
      return `${[...heads][0]}{${dims.join(',')}}${tails.length === 1 ? tails[0] : `_{${tails.map((t) => t.slice(1)).join(',')}}`}`;
    }
  }
  return keys.join(', ');
}

/**
 * Evaluation results that answer a mistyped metric name with the valid ones
 * (`result['dim_128_cosine_ndcg@1O']` throws "no metric … valid keys: …")
 * instead of `undefined` and a later "Cannot read properties of undefined".
 * Every other read behaves as on the plain object.
 *
 * @example
 * const metrics = checkedMetrics({ 'dim_64_cosine_ndcg@10': 0.8 });
 * metrics['dim_64_cosine_ndcg@10']; // 0.8
 */
export function checkedMetrics(metrics: Record<string, number>): Record<string, number> {
  return new Proxy(metrics, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target) && looksLikeMetric(key)) {
        throw new EmbedlabError(`no metric "${key}" in these results; valid keys: ${describeMetricKeys(Object.keys(target))}`);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}
