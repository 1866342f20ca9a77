import type { Evaluator } from '../eval/types';
import { EmbedlabError } from '../util/errors';
import type { FinetuneOptions } from './types';

/** How the best model is picked: the metric, its direction, and whether it is loaded at the end. */
export interface ModelSelection {
  evaluator?: Evaluator;
  /** Set exactly when there is an evaluator. */
  metric?: string;
  greaterIsBetter: boolean;
  loadBestModelAtEnd: boolean;
}

/**
 * Resolves the best-model options, checking the metric name against the
 * evaluator's own list before any training (a typo would otherwise surface
 * only at the first evaluation).
 */
export function modelSelection(
  options: Pick<FinetuneOptions, 'evaluator' | 'metricForBestModel' | 'greaterIsBetter' | 'loadBestModelAtEnd'>,
): ModelSelection {
  const evaluator = options.evaluator;
  let metric: string | undefined;
  if (options.metricForBestModel !== undefined && !evaluator) {
    throw new EmbedlabError(`metricForBestModel "${options.metricForBestModel}" needs an evaluator`);
  }
  if (evaluator) {
    metric = options.metricForBestModel ?? evaluator.primaryMetric;
    checkMetricName(metric, evaluator.metricNames());
  }
  const greaterIsBetter = options.greaterIsBetter ?? !(metric ?? '').toLowerCase().includes('loss');
  const loadBestModelAtEnd = options.loadBestModelAtEnd ?? evaluator !== undefined;
  if (loadBestModelAtEnd && !evaluator) throw new EmbedlabError('loadBestModelAtEnd needs an evaluator to know which model is best');
  return { evaluator, metric, greaterIsBetter, loadBestModelAtEnd };
}

function checkMetricName(metric: string, names: string[]): void {
  if (names.includes(metric)) return;
  // close matches share the part after the last "_" (e.g. "ndcg@10")
  const hint = names.filter((n) => n.toLowerCase().includes(metric.toLowerCase().replace(/^.*_/, '')));
  throw new EmbedlabError(
    `metricForBestModel "${metric}" is not a metric of this evaluator. ` +
      (hint.length > 0 && hint.length < names.length ? `Close matches: ${hint.slice(0, 10).join(', ')}. ` : '') +
      `Valid names: ${names.join(', ')}`,
  );
}
