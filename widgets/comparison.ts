/**
 * Baseline vs fine-tuned, per Matryoshka dimension: the table and chart the
 * whole fine-tuning workflow exists for.
 */
import { EmbedlabError } from '../src/util/errors';
import { Chart } from './chart';
import { formatNumber, formatPercent, textTable } from './html';

/** Flat metrics as evaluators return them (`dim_128_cosine_ndcg@10` → value), or an object holding them. */
export type MetricsInput = Record<string, number> | { metrics: Record<string, number> };

/** One row of {@link compareMetrics}. */
export interface ComparisonRow {
  /** The Matryoshka dimension, or undefined for metrics without a `dim_N_` part. */
  dim: number | undefined;
  baseline: number | undefined;
  finetuned: number | undefined;
  /** (finetuned − baseline) / baseline × 100. */
  changePercent: number | undefined;
  /** finetuned(dim) / finetuned(largest dim): how much of the full-size score the truncated embedding keeps. */
  keptShare: number | undefined;
  /** The same share for the baseline model. */
  baselineKeptShare: number | undefined;
}

function flatMetrics(input: MetricsInput): Record<string, number> {
  const metrics = (input as { metrics?: unknown }).metrics;
  return metrics && typeof metrics === 'object' ? (metrics as Record<string, number>) : (input as Record<string, number>);
}

/**
 * Picks `metric` (e.g. `ndcg@10`) per dimension out of flat metric keys such
 * as `dim_768_cosine_ndcg@10` (an evaluator name prefix is allowed). Keys
 * without a `dim_N_` part count as the full dimension (`undefined`).
 *
 * @example
 * metricByDimension({ 'dim_768_cosine_ndcg@10': 0.82, 'dim_64_cosine_ndcg@10': 0.79 }); // Map { 768 → 0.82, 64 → 0.79 }
 */
export function metricByDimension(input: MetricsInput, metric = 'ndcg@10'): Map<number | undefined, number> {
  const byDim = new Map<number | undefined, number>();
  for (const [key, value] of Object.entries(flatMetrics(input))) {
    if (key !== metric && !key.endsWith(`_${metric}`)) continue;
    const dim = /(?:^|_)dim_(\d+)_/.exec(key);
    byDim.set(dim ? Number(dim[1]) : undefined, value);
  }
  return byDim;
}

function sortedDims(...maps: Map<number | undefined, number>[]): (number | undefined)[] {
  const dims = new Set<number | undefined>();
  for (const map of maps) for (const dim of map.keys()) dims.add(dim);
  // Full-width (no dim) first, then largest to smallest, as the guide's table.
  return [...dims].sort((a, b) => (a === undefined ? -1 : b === undefined ? 1 : b - a));
}

function metricNames(input: MetricsInput): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(flatMetrics(input))) names.add(key.replace(/^(?:.*_)?dim_\d+_[a-z]+_/, ''));
  return [...names];
}

/**
 * Rows of baseline vs fine-tuned scores, largest dimension first.
 *
 * @example
 * compareMetrics({ 'dim_768_cosine_ndcg@10': 0.768, 'dim_64_cosine_ndcg@10': 0.644 },
 *                { 'dim_768_cosine_ndcg@10': 0.825, 'dim_64_cosine_ndcg@10': 0.789 });
 * // [{ dim: 768, baseline: 0.768, finetuned: 0.825, changePercent: 7.42, keptShare: 1, … },
 * //  { dim: 64, baseline: 0.644, finetuned: 0.789, changePercent: 22.5, keptShare: 0.956, … }]
 */
export function compareMetrics(baseline: MetricsInput, finetuned: MetricsInput, metric = 'ndcg@10'): ComparisonRow[] {
  const base = metricByDimension(baseline, metric);
  const tuned = metricByDimension(finetuned, metric);
  if (base.size === 0 && tuned.size === 0) {
    const known = [...new Set([...metricNames(baseline), ...metricNames(finetuned)])].slice(0, 12).join(', ');
    throw new EmbedlabError(`no metric "${metric}" in the results; they have: ${known || '(nothing)'}`);
  }
  const dims = sortedDims(base, tuned);
  const fullDim = dims[0];
  const fullTuned = tuned.get(fullDim);
  const fullBase = base.get(fullDim);
  return dims.map((dim) => {
    const b = base.get(dim);
    const f = tuned.get(dim);
    return {
      dim,
      baseline: b,
      finetuned: f,
      changePercent: b !== undefined && f !== undefined && b !== 0 ? ((f - b) / b) * 100 : undefined,
      keptShare: f !== undefined && fullTuned ? f / fullTuned : undefined,
      baselineKeptShare: b !== undefined && fullBase ? b / fullBase : undefined,
    };
  });
}

function dimLabel(dim: number | undefined): string {
  return dim === undefined ? 'full' : String(dim);
}

/** Column names for the two sides of a comparison (default "baseline" and "fine-tuned"). */
export interface ComparisonLabels {
  baseline?: string;
  finetuned?: string;
}

/** Headers of the columns after the dimension: both scores, change, kept share. */
function scoreHeaders(metric: string, labels: ComparisonLabels = {}): string[] {
  return [`${labels.baseline ?? 'baseline'} ${metric}`, `${labels.finetuned ?? 'fine-tuned'} ${metric}`, 'change', 'kept vs full dim'];
}

/** A row as both tables print it: dimension, baseline, fine-tuned, change, kept share. */
function rowCells(r: ComparisonRow): string[] {
  return [
    dimLabel(r.dim),
    formatNumber(r.baseline),
    formatNumber(r.finetuned),
    formatPercent(r.changePercent),
    r.keptShare === undefined ? '—' : `${(r.keptShare * 100).toFixed(1)}%`,
  ];
}

/**
 * The comparison as a fixed-width text table.
 *
 * @example
 * console.log(comparisonText(compareMetrics(baseline, finetuned)));
 */
export function comparisonText(rows: ComparisonRow[], metric = 'ndcg@10', labels: ComparisonLabels = {}): string {
  return textTable(['dim', ...scoreHeaders(metric, labels)], rows.map(rowCells));
}

/**
 * The comparison table as a plotly table: dimension, baseline score,
 * fine-tuned score, change %, share of the full-dimension score kept.
 *
 * @example
 * comparisonTable(baselineResult, finetunedResult).show();
 * comparisonTable(without, withNegatives, { labels: { baseline: 'without', finetuned: 'with negatives' } }).show();
 */
export function comparisonTable(
  baseline: MetricsInput,
  finetuned: MetricsInput,
  options: { metric?: string; title?: string; labels?: ComparisonLabels } = {},
): Chart {
  const metric = options.metric ?? 'ndcg@10';
  const before = options.labels?.baseline ?? 'baseline';
  const after = options.labels?.finetuned ?? 'fine-tuned';
  const rows = compareMetrics(baseline, finetuned, metric);
  const changeColors = rows.map((r) =>
    r.changePercent === undefined ? '#ffffff' : r.changePercent >= 0 ? '#e6f4ea' : '#fce8e6',
  );
  const white = rows.map(() => '#ffffff');
  const headers = ['dimension', ...scoreHeaders(metric, options.labels)];
  const cells = rows.map(rowCells);
  return new Chart(
    {
      data: [
        {
          type: 'table',
          header: {
            values: headers,
            align: 'center',
            fill: { color: '#1f3b73' },
            font: { color: '#ffffff', size: 13 },
          },
          cells: {
            values: headers.map((_, column) => cells.map((row) => row[column])),
            align: ['center', 'right', 'right', 'right', 'right'],
            fill: { color: [white, white, white, changeColors, white] },
            height: 26,
          },
        },
      ],
      layout: { height: 90 + 28 * rows.length, margin: { l: 10, r: 10, t: 50, b: 10 } },
    },
    {
      title: options.title ?? `${before[0]!.toUpperCase()}${before.slice(1)} vs ${after} ${metric} by embedding dimension`,
      text: comparisonText(rows, metric, options.labels),
    },
  );
}

/**
 * A metric against embedding dimension, one line per model (e.g. baseline
 * and fine-tuned), dimensions on a log axis.
 *
 * @example
 * metricByDimensionChart({ baseline: baselineResult, 'fine-tuned': finetunedResult }).show();
 */
export function metricByDimensionChart(
  series: Record<string, MetricsInput>,
  options: { metric?: string; title?: string } = {},
): Chart {
  const metric = options.metric ?? 'ndcg@10';
  const colors = ['#8c959f', '#2f6fbf', '#d1242f', '#1a7f37', '#9a6700', '#8250df'];
  const lines: string[] = [];
  const data = Object.entries(series).map(([name, input], i) => {
    const byDim = metricByDimension(input, metric);
    const dims = sortedDims(byDim).filter((d): d is number => d !== undefined);
    if (dims.length === 0) {
      throw new EmbedlabError(`series "${name}" has no per-dimension "${metric}" (keys like dim_128_cosine_${metric})`);
    }
    lines.push(`${name}: ${dims.map((d) => `${d}=${formatNumber(byDim.get(d))}`).join(' ')}`);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x: dims,
      y: dims.map((d) => byDim.get(d)),
      line: { color: colors[i % colors.length], width: 3 },
      marker: { size: 8 },
      hovertemplate: `${name}<br>dim %{x}<br>${metric} %{y:.4f}<extra></extra>`,
    };
  });
  const allDims = [...new Set(data.flatMap((d) => d.x))].sort((a, b) => a - b);
  const title = options.title ?? `${metric} by embedding dimension`;
  return new Chart(
    {
      data,
      layout: {
        height: 420,
        xaxis: { title: { text: 'embedding dimension' }, type: 'log', tickvals: allDims, ticktext: allDims.map(String) },
        yaxis: { title: { text: metric }, tickformat: '.3f' },
        legend: { orientation: 'h', y: -0.2 },
        margin: { t: 60 },
      },
    },
    { title, text: `${title}\n${lines.join('\n')}` },
  );
}
