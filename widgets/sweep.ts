/** Charts for hyperparameter sweeps: a heatmap over two parameters, or parallel coordinates over all. */
import { EmbedlabError } from '../src/util/errors';
import { Chart, type PlotlyFigure } from './chart';
import { formatNumber, textTable } from './html';

/** One finished run of a sweep. */
export interface SweepRun {
  /** The hyperparameters that vary, e.g. `{ lr: 2e-5, batchSize: 32, loss: 'mnrl' }`. */
  params: Record<string, number | string | boolean>;
  /** The run's metrics, e.g. evaluator results (`dim_128_cosine_ndcg@10` → value). */
  metrics: Record<string, number>;
}

/** Options of {@link sweepChart}. */
export interface SweepChartOptions {
  /**
   * The metric key to plot.
   * @default the first key ending in `ndcg@10`
   */
  metric?: string;
  /**
   * `heatmap` (two parameters; others are maximised over) or `parcoords` (all).
   * @default heatmap for two varying parameters, else parcoords
   */
  kind?: 'heatmap' | 'parcoords';
  /**
   * Heatmap x axis: a parameter name.
   * @default the first varying parameter
   */
  x?: string;
  /**
   * Heatmap y axis: a parameter name.
   * @default the next varying parameter
   */
  y?: string;
  /** Chart title. */
  title?: string;
}

type Value = number | string | boolean;

function sortValues(values: Value[]): Value[] {
  return [...new Set(values)].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
  );
}

function pickMetric(runs: SweepRun[], metric: string | undefined): string {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  if (metric) {
    if (!keys.includes(metric)) {
      throw new EmbedlabError(`sweep metric "${metric}" is not in the runs' metrics; they have: ${keys.slice(0, 12).join(', ')}`);
    }
    return metric;
  }
  const found = keys.find((k) => k.endsWith('ndcg@10')) ?? keys[0];
  if (!found) throw new EmbedlabError('the sweep runs have no metrics to plot');
  return found;
}

/** The runs as a text table, best first. */
function rankedText(runs: SweepRun[], names: string[], metric: string): string {
  const ranked = [...runs].sort((a, b) => (b.metrics[metric] ?? -Infinity) - (a.metrics[metric] ?? -Infinity));
  return textTable(
    [...names, metric],
    ranked.map((r) => [...names.map((n) => String(r.params[n] ?? '')), formatNumber(r.metrics[metric])]),
  );
}

/** `metric` over parameters `x` and `y`; a cell several runs share shows the best. */
function heatmapFigure(runs: SweepRun[], metric: string, x: string, y: string): PlotlyFigure {
  const xs = sortValues(runs.map((r) => r.params[x]!).filter((v) => v !== undefined));
  const ys = sortValues(runs.map((r) => r.params[y]!).filter((v) => v !== undefined));
  const z = ys.map((yv) =>
    xs.map((xv) => {
      const scores = runs
        .filter((r) => r.params[x] === xv && r.params[y] === yv)
        .map((r) => r.metrics[metric])
        .filter((v): v is number => v !== undefined);
      return scores.length ? Math.max(...scores) : null;
    }),
  );
  return {
    data: [
      {
        type: 'heatmap',
        x: xs.map(String),
        y: ys.map(String),
        z,
        text: z.map((row) => row.map((v) => (v === null ? '' : v.toFixed(4)))),
        texttemplate: '%{text}',
        colorscale: 'Viridis',
        colorbar: { title: { text: metric } },
        hovertemplate: `${x} %{x}<br>${y} %{y}<br>${metric} %{z:.4f}<extra></extra>`,
      },
    ],
    layout: {
      height: 200 + 50 * ys.length,
      xaxis: { title: { text: x }, type: 'category' },
      yaxis: { title: { text: y }, type: 'category' },
    },
  };
}

/** One axis per parameter (categories as ticks) and one for `metric`, a line per run. */
function parcoordsFigure(runs: SweepRun[], metric: string, names: string[]): PlotlyFigure {
  const dimensions = names.map((name) => {
    const values = runs.map((r) => r.params[name]);
    if (values.every((v) => typeof v === 'number')) return { label: name, values };
    const categories = sortValues(values.filter((v): v is Value => v !== undefined));
    return {
      label: name,
      values: values.map((v) => categories.indexOf(v as Value)),
      tickvals: categories.map((_, i) => i),
      ticktext: categories.map(String),
    };
  });
  const scores = runs.map((r) => r.metrics[metric] ?? null);
  dimensions.push({ label: metric, values: scores as number[] });
  return {
    data: [
      {
        type: 'parcoords',
        line: { color: scores, colorscale: 'Viridis', showscale: true, colorbar: { title: { text: metric } } },
        dimensions,
      },
    ],
    // the axis labels sit above the axes: room for them under the title
    layout: { height: 520, margin: { l: 80, r: 80, t: 150, b: 40 }, title: { y: 0.97, yanchor: 'top' } },
  };
}

/**
 * A chart of sweep results.
 *
 * @example
 * sweepChart([
 *   { params: { lr: 1e-5, batchSize: 16 }, metrics: { 'dim_128_cosine_ndcg@10': 0.61 } },
 *   { params: { lr: 5e-5, batchSize: 16 }, metrics: { 'dim_128_cosine_ndcg@10': 0.66 } },
 * ]).show();
 */
export function sweepChart(runs: SweepRun[], options: SweepChartOptions = {}): Chart {
  if (runs.length === 0) throw new EmbedlabError('sweepChart needs at least one run');
  const metric = pickMetric(runs, options.metric);
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
  const varying = names.filter((n) => new Set(runs.map((r) => r.params[n])).size > 1);
  const kind = options.kind ?? (varying.length === 2 || (options.x && options.y) ? 'heatmap' : 'parcoords');
  const title = options.title ?? `Sweep: ${metric}`;
  const text = `${title}\n${rankedText(runs, names, metric)}`;
  if (kind === 'parcoords') return new Chart(parcoordsFigure(runs, metric, names), { title, text });

  const x = options.x ?? varying[0] ?? names[0];
  const y = options.y ?? varying.find((n) => n !== x) ?? names.find((n) => n !== x);
  if (!x || !y) throw new EmbedlabError('a sweep heatmap needs two parameters; use kind: "parcoords"');
  for (const axis of [x, y]) {
    if (!names.includes(axis)) throw new EmbedlabError(`sweep parameter "${axis}" is not in the runs; they have: ${names.join(', ')}`);
  }
  return new Chart(heatmapFigure(runs, metric, x, y), { title, text });
}
