/**
 * Rich display of values, as a notebook user expects from pandas: the
 * embedlab kernel shows a cell's last value with {@link richBundle}, and
 * `display(value)` shows any value the same way from inside a cell.
 *
 * - evaluation results (`dim_128_cosine_ndcg@10` → value) as a dims × metrics table;
 * - arquero tables, danfo DataFrames and arrays of records as HTML tables;
 * - a training history, or the result of `finetune`, as a short summary;
 * - charts drawn.
 */
import { inspect } from 'node:util';
import { Chart } from './chart';
import { escapeHtml, formatValue } from './html';
import { tableBundle, type TableLike } from './tables';
import { displayBundle, type MimeBundle } from './tslabBridge';

const METRIC_KEY = /^(?:(.+)_)?dim_(\d+)_([a-z]+)_([a-z_]+@\d+)$|^(?:(.+)_)?([a-z]+)_([a-z_]+@\d+)$/;

/**
 * An evaluation result as rows: one per embedding dimension (largest first),
 * one column per metric; undefined when a key is not a metric key.
 *
 * @example
 * metricsTable({ 'dim_768_cosine_ndcg@10': 0.82, 'dim_64_cosine_ndcg@10': 0.79 });
 * // [{ dim: 768, 'ndcg@10': 0.82 }, { dim: 64, 'ndcg@10': 0.79 }]
 */
export function metricsTable(metrics: Record<string, number>): Record<string, number | string>[] | undefined {
  const rows = new Map<string, Record<string, number | string>>();
  for (const [key, value] of Object.entries(metrics)) {
    const match = METRIC_KEY.exec(key);
    if (!match) return undefined;
    const evaluator = match[1] ?? match[5];
    const similarity = match[3] ?? match[6]!;
    const dim = match[2] === undefined ? 'full' : Number(match[2]);
    const id = `${evaluator ?? ''}|${similarity}|${dim}`;
    let row = rows.get(id);
    if (!row) {
      row = { ...(evaluator ? { evaluator } : {}), ...(similarity !== 'cosine' ? { similarity } : {}), dim };
      rows.set(id, row);
    }
    row[match[4] ?? match[7]!] = value;
  }
  if (rows.size === 0) return undefined;
  const size = (row: Record<string, unknown>) => (typeof row.dim === 'number' ? row.dim : Infinity);
  return [...rows.values()].sort((a, b) => String(a.evaluator ?? '').localeCompare(String(b.evaluator ?? '')) || size(b) - size(a));
}

interface HistoryLike {
  steps: { step: number; loss: number; lr?: number; epoch?: number }[];
  evals: { step: number; epoch?: number; metrics: Record<string, number> }[];
}

function isHistory(value: unknown): value is HistoryLike {
  const v = value as HistoryLike;
  return !!v && Array.isArray(v.steps) && Array.isArray(v.evals) && v.steps.every((s) => typeof s?.step === 'number');
}

interface FinetuneResultLike {
  history: HistoryLike;
  globalStep: number;
  totalSteps: number;
  bestMetric?: number;
  metricForBestModel?: string;
  bestStep?: number;
  stopped?: string;
  lastCheckpoint?: string;
}

function isFinetuneResult(value: unknown): value is FinetuneResultLike {
  const v = value as FinetuneResultLike;
  return !!v && isHistory(v.history) && typeof v.globalStep === 'number' && typeof v.totalSteps === 'number';
}

/** A few lines about a run: steps, loss at the start and end (means of 10 steps), evaluations, the best one. */
export function historySummary(history: HistoryLike, result?: FinetuneResultLike): string[] {
  const steps = history.steps;
  const mean = (part: HistoryLike['steps']) => part.reduce((sum, s) => sum + s.loss, 0) / part.length;
  const lines: string[] = [];
  if (result) {
    lines.push(
      `${result.globalStep}/${result.totalSteps} optimizer steps${result.stopped ? ` (stopped: ${result.stopped})` : ''}` +
        (result.lastCheckpoint ? `, last checkpoint ${result.lastCheckpoint}` : ''),
    );
  } else {
    lines.push(`${steps.length} optimizer steps`);
  }
  if (steps.length) {
    const window = Math.min(10, steps.length);
    lines.push(
      `loss ${formatValue(mean(steps.slice(0, window)))} (first ${window} steps) → ${formatValue(mean(steps.slice(-window)))} (last ${window})`,
    );
  }
  const metric = result?.metricForBestModel;
  for (const e of history.evals) {
    const shown = metric && e.metrics[metric] !== undefined ? `${metric} ${formatValue(e.metrics[metric]!)}` : `${Object.keys(e.metrics).length} metrics`;
    lines.push(`evaluation at step ${e.step}${e.epoch !== undefined ? ` (epoch ${formatValue(e.epoch)})` : ''}: ${shown}`);
  }
  if (result?.bestMetric !== undefined && metric) {
    lines.push(`best ${metric} ${formatValue(result.bestMetric)} at step ${result.bestStep}`);
  }
  return lines;
}

function linesBundle(title: string, lines: string[]): MimeBundle {
  const html =
    `<div class="embedlab-summary tex2jax_ignore mathjax_ignore" style="font:13px/1.5 system-ui,sans-serif">` +
    `<b>${escapeHtml(title)}</b><ul style="margin:2px 0">${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul></div>`;
  return { 'text/html': html, 'text/plain': [title, ...lines.map((l) => `  ${l}`)].join('\n') };
}

function isTableLike(value: unknown): value is TableLike {
  if (Array.isArray(value)) {
    return value.length > 0 && value.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row) && Object.getPrototypeOf(row) === Object.prototype);
  }
  const v = value as Record<string, unknown>;
  if (!v || typeof v !== 'object') return false;
  if (typeof v.columnNames === 'function' && typeof v.numRows === 'function' && typeof v.objects === 'function') return true;
  return Array.isArray(v.columns) && Array.isArray(v.values);
}

function isMetrics(value: unknown): value is Record<string, number> {
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([, v]) => typeof v === 'number');
}

/**
 * The rich MIME bundle of a value, or undefined when plain text serves it
 * best (numbers, strings, most objects).
 *
 * @example
 * richBundle(await evaluator.evaluate(model))?.['text/plain']; // "dim  accuracy@1 …\n768  0.6543 …"
 */
export function richBundle(value: unknown): MimeBundle | undefined {
  if (value instanceof Chart || (value && typeof (value as Chart).notebookBundle === 'function')) {
    return (value as Chart).notebookBundle();
  }
  if (isMetrics(value)) {
    const rows = metricsTable(value);
    return rows ? tableBundle(rows, { caption: 'evaluation (rows: embedding dimension)' }) : undefined;
  }
  if (isFinetuneResult(value)) return linesBundle('Fine-tuning result', historySummary(value.history, value));
  if (isHistory(value)) return linesBundle('Training history', historySummary(value));
  if (isTableLike(value)) return tableBundle(value);
  return undefined;
}

/**
 * Shows `value` in the running cell: rich when {@link richBundle} knows it,
 * else as `console.log` would print it.
 *
 * @example
 * display(await evaluator.evaluate(model)); // a dims × metrics table
 */
export function display(value: unknown): void {
  displayBundle(richBundle(value) ?? { 'text/plain': inspect(value) });
}
