export type { Evaluator, EvaluateOptions } from './types';
export {
  InformationRetrievalEvaluator,
  evaluateEmbeddings,
  type InformationRetrievalOptions,
  type IRResult,
  type IRRun,
} from './informationRetrieval';
export {
  computeRankingMetrics,
  rankingMetricNames,
  resolveMetricConfig,
  resolveMetricName,
  DEFAULT_IR_METRIC_CONFIG,
  type IRMetricConfig,
} from './metrics';
export { irMetricsTable } from './table';
export type { Similarity, ScoringEngine, ScoringStats } from './scoring';
