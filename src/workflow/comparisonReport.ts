import { comparisonTable, compareMetrics, comparisonText, metricByDimensionChart, trainingCurves, type Report } from '../../widgets';
import type { ComparisonResult } from './matryoshkaComparison';

/**
 * The comparison as a text table for terminals and logs.
 *
 * @example
 * console.log(comparisonSummary(await runMatryoshkaComparison({ outputDir: 'runs/demo' })));
 */
export function comparisonSummary(result: ComparisonResult): string {
  return comparisonText(compareMetrics(result.baseline, result.finetuned, 'ndcg@10'), 'ndcg@10');
}

/**
 * The report page of a comparison run: the table, NDCG@10 by dimension,
 * training curves, and plainly what model, data and backend were used.
 *
 * @example
 * await saveReport('report.html', comparisonReport(result));
 */
export function comparisonReport(result: ComparisonResult): Report {
  const { model, dataset, settings, backend, timings } = result;
  const intro = [
    `Model: ${model.source} (embedding dimension ${model.dimension}${Number.isFinite(model.maxSeqLength) ? `, max ${model.maxSeqLength} tokens` : ''}).`,
    `Data: ${dataset.source} — ${dataset.rows} pairs` +
      (dataset.emptyRowsSkipped.length ? ` (rows ${dataset.emptyRowsSkipped.join(', ')} skipped: empty text)` : '') +
      `; ${dataset.train} for training, ${dataset.test} test queries against ${dataset.corpus} distinct documents.`,
    `Training: ${settings.loss}; ${settings.epochs} epochs, batch ${settings.batchSize}` +
      (settings.gradAccumSteps > 1 ? ` × ${settings.gradAccumSteps} accumulated` : '') +
      `, lr ${settings.lr} (${settings.scheduler}, warm-up ${settings.warmupRatio}), seed ${settings.seed}; best epoch by ${settings.metricForBestModel}.`,
    `${backend.summary}. Total time ${timings.totalSeconds.toFixed(1)} s (training ${timings.trainSeconds.toFixed(1)} s).`,
  ].join('\n');
  return {
    title: 'Baseline vs fine-tuned: NDCG@10 by embedding dimension',
    intro,
    sections: [
      { heading: 'Comparison', chart: comparisonTable(result.baseline, result.finetuned) },
      { heading: 'NDCG@10 by dimension', chart: metricByDimensionChart({ baseline: result.baseline, 'fine-tuned': result.finetuned }) },
      {
        heading: 'Training',
        text: `${result.training.globalStep} optimizer steps; best ${settings.metricForBestModel} = ${result.training.bestMetric?.toFixed(4) ?? '—'} at step ${result.training.bestStep ?? '—'}.`,
        chart: trainingCurves(result.training.history, { metric: settings.metricForBestModel }),
      },
    ],
  };
}
