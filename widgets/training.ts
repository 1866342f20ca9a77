/** Training curves: loss and learning rate per step, evaluation metrics per evaluation. */
import type { EvalRecord, StepRecord, TrainingHistory } from '../src/train/finetune';
import { Chart } from './chart';
import { formatNumber } from './html';

/** A {@link StepRecord} of which only `step` is required. */
export type StepLogEntry = Pick<StepRecord, 'step'> & Partial<StepRecord>;

/** An {@link EvalRecord} of which `epoch` may be missing. */
export type EvalLogEntry = Pick<EvalRecord, 'step' | 'metrics'> & Partial<EvalRecord>;

/**
 * What `trainingCurves` reads: a {@link TrainingHistory} as `finetune` returns
 * it, or steps and evaluations from elsewhere with the fields they have.
 */
export interface TrainingHistoryLike {
  steps?: StepLogEntry[];
  evals?: EvalLogEntry[];
}

/**
 * Loss and learning rate against step (top panel) and evaluation metrics
 * against step (bottom panel). `metric` picks which evaluation keys to draw:
 * those ending in it (default `ndcg@10`, i.e. one line per Matryoshka dim).
 *
 * @example
 * trainingCurves({ steps: result.history.steps, evals: result.history.evals }).show();
 */
export function trainingCurves(history: TrainingHistoryLike, options: { metric?: string; title?: string } = {}): Chart {
  const metric = options.metric ?? 'ndcg@10';
  const steps = (history.steps ?? []).filter((s) => Number.isFinite(s.step));
  const evals = history.evals ?? [];
  const hasEvals = evals.length > 0;
  const data: Record<string, unknown>[] = [];
  const withLoss = steps.filter((s) => s.loss !== undefined);
  const withLr = steps.filter((s) => s.lr !== undefined);
  data.push({
    type: 'scatter',
    mode: withLoss.length > 50 ? 'lines' : 'lines+markers',
    name: 'loss',
    x: withLoss.map((s) => s.step),
    y: withLoss.map((s) => s.loss),
    line: { color: '#2f6fbf' },
    xaxis: 'x',
    yaxis: 'y',
  });
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: 'learning rate',
    x: withLr.map((s) => s.step),
    y: withLr.map((s) => s.lr),
    line: { color: '#9a6700', dash: 'dot' },
    xaxis: 'x',
    yaxis: 'y2',
  });
  const keys = [...new Set(evals.flatMap((e) => Object.keys(e.metrics)))].filter(
    (k) => k === metric || k.endsWith(`_${metric}`),
  );
  const palette = ['#1a7f37', '#d1242f', '#8250df', '#bc4c00', '#0969da', '#57606a', '#bf3989'];
  keys.forEach((key, i) => {
    const points = evals.filter((e) => e.metrics[key] !== undefined);
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: key,
      x: points.map((e) => e.step),
      y: points.map((e) => e.metrics[key]),
      line: { color: palette[i % palette.length] },
      xaxis: 'x2',
      yaxis: 'y3',
    });
  });
  const title = options.title ?? 'Training curves';
  const lastLoss = withLoss.at(-1);
  const text = [
    title,
    `${steps.length} steps logged${lastLoss ? `, last loss ${formatNumber(lastLoss.loss)} at step ${lastLoss.step}` : ''}`,
    ...evals.map(
      (e) =>
        `eval at step ${e.step}${e.epoch !== undefined ? ` (epoch ${e.epoch})` : ''}: ` +
        keys.map((k) => `${k}=${formatNumber(e.metrics[k])}`).join(' '),
    ),
  ].join('\n');
  return new Chart(
    {
      data,
      layout: {
        height: hasEvals ? 620 : 380,
        xaxis: { domain: [0, 1], anchor: 'y', title: { text: hasEvals ? '' : 'step' } },
        yaxis: { domain: hasEvals ? [0.58, 1] : [0, 1], title: { text: 'loss' } },
        yaxis2: { overlaying: 'y', side: 'right', title: { text: 'learning rate' }, exponentformat: 'e', showgrid: false },
        xaxis2: { domain: [0, 1], anchor: 'y3', title: { text: 'step' }, matches: 'x' },
        yaxis3: { domain: [0, hasEvals ? 0.42 : 0], title: { text: metric }, tickformat: '.3f', visible: hasEvals },
        legend: { orientation: 'h', y: -0.12 },
        margin: { t: 60, r: 70 },
      },
    },
    { title, text },
  );
}
