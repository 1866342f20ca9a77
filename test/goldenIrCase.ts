/** The layout of `../shared/golden/ir_metrics/case_*.json` (see the golden README §1), and its reader. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GoldenRun {
  truncate_dim: number | null;
  name: string | null;
  primary_metric: string;
  evaluated_query_ids: string[];
  metrics: Record<string, number>;
  top10_ranked_hits: Record<string, [string, number][]>;
}

export interface GoldenCase {
  query_ids: string[];
  doc_ids: string[];
  query_embeddings: number[][];
  doc_embeddings: number[][];
  relevant_docs: Record<string, string[]>;
  runs: GoldenRun[];
  metrics_under_alternative_tie_rules?: Record<string, Record<string, number>>;
}

const GOLDEN = join(__dirname, '../../../shared/golden/ir_metrics');

/** Reads `case_a.json`, `case_c.json`, … */
export function readGoldenCase(name: string): GoldenCase {
  return JSON.parse(readFileSync(join(GOLDEN, name), 'utf8')) as GoldenCase;
}
