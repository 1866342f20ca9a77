/**
 * Notebook widgets for tslab: plotly charts that draw with no internet,
 * tables, live progress bars and short errors — plus standalone HTML output.
 *
 * @example
 * import { comparisonTable, metricByDimensionChart, withProgress } from 'embedlab';
 * comparisonTable(baseline, finetuned).show();
 * metricByDimensionChart({ baseline, 'fine-tuned': finetuned }).show();
 */
export { Chart, embedPlotly, PLOTLY_MIME, standalonePage, type PlotlyFigure } from './chart';
export {
  compareMetrics,
  comparisonTable,
  comparisonText,
  metricByDimension,
  metricByDimensionChart,
  type ComparisonLabels,
  type ComparisonRow,
  type MetricsInput,
} from './comparison';
export { trainingCurves, type EvalLogEntry, type StepLogEntry, type TrainingHistoryLike } from './training';
export { sweepChart, type SweepChartOptions, type SweepRun } from './sweep';
export { showTable, tableBundle, tableHtml, tableText, type TableLike, type TableOptions } from './tables';
export {
  notebookProgress,
  progressBar,
  terminalProgress,
  withProgress,
  type ProgressBar,
  type ProgressOptions,
  type TerminalProgressOptions,
} from './progress';
export {
  formatDuration,
  progressLine,
  ProgressTracker,
  type ProgressCallback,
  type ProgressSnapshot,
  type TrainingProgress,
} from './progressState';
export { renderReport, saveReport, type Report, type ReportSection } from './report';
export { formatCellError, guard, installCellErrorFormatting } from './cellErrors';
export { displayBundle, inTslab, LiveDisplay, type MimeBundle } from './tslabBridge';
export { display, historySummary, metricsTable, richBundle } from './display';
export { plotlyScriptTag, plotlyVersion, resetPlotlyEmbedding } from './plotlyBundle';
