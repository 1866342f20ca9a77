import * as aq from 'arquero';
import type { IRResult } from './informationRetrieval';

/**
 * Results as an arquero table: one row per Matryoshka dim (in the order
 * evaluated), a `dim` column, then one column per metric (`ndcg@10`, …).
 *
 * @example
 * irMetricsTable(result).select('dim', 'ndcg@10').print();
 */
export function irMetricsTable(result: Pick<IRResult, 'runs'>): aq.ColumnTable {
  const columns: Record<string, unknown[]> = { dim: result.runs.map((r) => r.dim) };
  for (const run of result.runs) {
    for (const [key, value] of Object.entries(run.metrics)) (columns[key] ??= []).push(value);
  }
  return aq.table(columns);
}
