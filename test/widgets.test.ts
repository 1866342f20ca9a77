import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as aq from 'arquero';
import { EmbedlabError } from '../src/util/errors';
import {
  compareMetrics,
  comparisonTable,
  formatCellError,
  formatDuration,
  guard,
  installCellErrorFormatting,
  metricByDimension,
  metricByDimensionChart,
  ProgressTracker,
  saveReport,
  sweepChart,
  tableHtml,
  tableText,
  terminalProgress,
  trainingCurves,
  Chart,
  PLOTLY_MIME,
  plotlyScriptTag,
  standalonePage,
} from '../widgets';
import { CHROMIUM, countPlotlySvgs, renderedDom } from './notebooksHarness';

// The guide's published bge-base-en-v1.5 numbers (NDCG@10), as evaluator keys.
const DIMS = [768, 512, 256, 128, 64];
const BASE = [0.768, 0.764, 0.755, 0.723, 0.644];
const TUNED = [0.825, 0.827, 0.823, 0.818, 0.789];
const keyed = (values: number[]) => Object.fromEntries(DIMS.map((d, i) => [`dim_${d}_cosine_ndcg@10`, values[i]!]));
const baseline = { ...keyed(BASE), 'dim_768_cosine_mrr@10': 0.7 };
const tuned = keyed(TUNED);

test('compareMetrics: change and kept share per dimension, largest first', () => {
  const rows = compareMetrics({ metrics: baseline }, [...Object.entries(tuned)].reverse().reduce((o, [k, v]) => ({ ...o, [k]: v }), {}));
  assert.deepEqual(rows.map((r) => r.dim), DIMS);
  rows.forEach((row, i) => {
    assert.equal(row.baseline, BASE[i]);
    assert.equal(row.finetuned, TUNED[i]);
    assert.ok(Math.abs(row.changePercent! - ((TUNED[i]! - BASE[i]!) / BASE[i]!) * 100) < 1e-12);
    assert.ok(Math.abs(row.keptShare! - TUNED[i]! / 0.825) < 1e-12);
    assert.ok(Math.abs(row.baselineKeptShare! - BASE[i]! / 0.768) < 1e-12);
  });
  assert.equal(rows[0]!.changePercent!.toFixed(2), '7.42');
  // named evaluators prefix their keys; metrics without dims are the full width
  const named = metricByDimension({ 'finqa_dim_64_cosine_ndcg@10': 0.5, 'cosine_ndcg@10': 0.6, 'cosine_ndcg@100': 1 });
  assert.deepEqual([...named.entries()], [[64, 0.5], [undefined, 0.6]]);
  // a dimension only one side has
  const partial = compareMetrics({ 'dim_64_cosine_ndcg@10': 0.5 }, { 'dim_128_cosine_ndcg@10': 0.7, 'dim_64_cosine_ndcg@10': 0.6 });
  assert.deepEqual(partial.map((r) => [r.dim, r.baseline, r.changePercent]), [[128, undefined, undefined], [64, 0.5, ((0.6 - 0.5) / 0.5) * 100]]);
  assert.throws(() => compareMetrics(baseline, tuned, 'ndcg@5'), (e: Error) => e instanceof EmbedlabError && /no metric "ndcg@5".*ndcg@10.*mrr@10/.test(e.message));
});

test('comparisonTable: a plotly table with formatted columns and a text form', () => {
  const chart = comparisonTable(baseline, tuned);
  const [trace] = chart.figure.data as { type: string; header: { values: string[] }; cells: { values: string[][] } }[];
  assert.equal(trace!.type, 'table');
  assert.deepEqual(trace!.header.values, ['dimension', 'baseline ndcg@10', 'fine-tuned ndcg@10', 'change', 'kept vs full dim']);
  assert.deepEqual(trace!.cells.values[0], ['768', '512', '256', '128', '64']);
  assert.deepEqual(trace!.cells.values[3], ['+7.42%', '+8.25%', '+9.01%', '+13.14%', '+22.52%']);
  assert.deepEqual(trace!.cells.values[4], ['100.0%', '100.2%', '99.8%', '99.2%', '95.6%']);
  assert.match(chart.toText(), /^ 64 +0\.6440 +0\.7890 +\+22\.52% +95\.6%$/m);
  const labelled = comparisonTable(baseline, tuned, { labels: { baseline: 'without', finetuned: 'with negatives' } });
  assert.equal(labelled.title, 'Without vs with negatives ndcg@10 by embedding dimension');
  assert.match(labelled.toText(), /^dim  without ndcg@10  with negatives ndcg@10/);
  assert.equal(inspect(chart), 'Chart "Baseline vs fine-tuned ndcg@10 by embedding dimension" (call .show() to draw it, .saveHtml(path) to save it)');
});

test('metricByDimensionChart: one line per model over the dims, log axis', () => {
  const chart = metricByDimensionChart({ baseline, 'fine-tuned': tuned });
  const traces = chart.figure.data as { name: string; x: number[]; y: number[] }[];
  assert.deepEqual(traces.map((t) => t.name), ['baseline', 'fine-tuned']);
  assert.deepEqual(traces[0]!.x, DIMS);
  assert.deepEqual(traces[0]!.y, BASE);
  assert.deepEqual(traces[1]!.y, TUNED);
  assert.equal((chart.figure.layout.xaxis as { type: string }).type, 'log');
  const mrr = metricByDimensionChart({ baseline }, { metric: 'mrr@10' });
  assert.deepEqual((mrr.figure.data[0] as { y: number[] }).y, [0.7]);
  assert.throws(() => metricByDimensionChart({ x: { 'cosine_ndcg@10': 1 } }), /no per-dimension "ndcg@10"/);
});

test('sweepChart: heatmap keeps the best run per cell; parcoords maps categories', () => {
  const runs = [
    { params: { lr: 2e-5, batchSize: 16, loss: 'mnrl' }, metrics: { 'dim_128_cosine_ndcg@10': 0.61 } },
    { params: { lr: 2e-5, batchSize: 16, loss: 'cached' }, metrics: { 'dim_128_cosine_ndcg@10': 0.65 } },
    { params: { lr: 5e-5, batchSize: 16, loss: 'mnrl' }, metrics: { 'dim_128_cosine_ndcg@10': 0.7 } },
    { params: { lr: 2e-5, batchSize: 32, loss: 'mnrl' }, metrics: { 'dim_128_cosine_ndcg@10': 0.66 } },
  ];
  const heat = sweepChart(runs, { kind: 'heatmap', x: 'lr', y: 'batchSize' });
  const h = heat.figure.data[0] as { type: string; x: string[]; y: string[]; z: (number | null)[][] };
  assert.equal(h.type, 'heatmap');
  assert.deepEqual(h.x, ['0.00002', '0.00005']);
  assert.deepEqual(h.y, ['16', '32']);
  assert.deepEqual(h.z, [[0.65, 0.7], [0.66, null]]);
  assert.match(heat.toText().split('\n')[3]!, /^0\.00005 +16 +mnrl +0\.7000$/);

  const par = sweepChart(runs);
  const p = par.figure.data[0] as { type: string; dimensions: { label: string; values: number[]; ticktext?: string[] }[] };
  assert.equal(p.type, 'parcoords');
  assert.deepEqual(p.dimensions.map((d) => d.label), ['lr', 'batchSize', 'loss', 'dim_128_cosine_ndcg@10']);
  assert.deepEqual(p.dimensions[2]!.ticktext, ['cached', 'mnrl']);
  assert.deepEqual(p.dimensions[2]!.values, [1, 0, 1, 1]);
  assert.deepEqual(p.dimensions[3]!.values, [0.61, 0.65, 0.7, 0.66]);
  assert.throws(() => sweepChart(runs, { metric: 'map@100' }), /sweep metric "map@100" is not in the runs/);
  assert.throws(() => sweepChart([]), EmbedlabError);
});

test('trainingCurves: loss and lr per step, chosen eval metric per evaluation', () => {
  const chart = trainingCurves({
    steps: [1, 2, 3].map((step) => ({ step, loss: 3 - step, lr: step * 1e-5 })),
    evals: [
      { step: 2, epoch: 1, metrics: { 'dim_768_cosine_ndcg@10': 0.5, 'dim_64_cosine_ndcg@10': 0.4, 'dim_64_cosine_mrr@10': 0.3 } },
      { step: 3, epoch: 2, metrics: { 'dim_768_cosine_ndcg@10': 0.6, 'dim_64_cosine_ndcg@10': 0.45 } },
    ],
  });
  const traces = chart.figure.data as { name: string; x: number[]; y: number[]; yaxis: string }[];
  assert.deepEqual(traces.map((t) => t.name), ['loss', 'learning rate', 'dim_768_cosine_ndcg@10', 'dim_64_cosine_ndcg@10']);
  assert.deepEqual(traces[0]!.y, [2, 1, 0]);
  assert.deepEqual(traces[1]!.y, [1, 2, 3].map((step) => step * 1e-5));
  assert.equal(traces[1]!.yaxis, 'y2');
  assert.deepEqual(traces[3]!.x, [2, 3]);
  assert.deepEqual(traces[3]!.y, [0.4, 0.45]);
  assert.match(chart.toText(), /eval at step 3 \(epoch 2\): dim_768_cosine_ndcg@10=0\.6000 dim_64_cosine_ndcg@10=0\.4500/);
});

test('tables: arquero tables, row arrays and danfo-shaped frames, escaped, limited', () => {
  const table = aq.table({ dim: [768, 64], 'ndcg@10': [0.825, 0.7891234], note: ['<b>x</b>', 'a & b'] });
  const html = tableHtml(table, { caption: 'results' });
  const plain = html.replace(/ style="[^"]*"/g, '');
  assert.match(plain, /<thead><tr><th>dim<\/th><th>ndcg@10<\/th><th>note<\/th><\/tr><\/thead>/);
  assert.match(plain, /<tr><td>64<\/td><td>0\.7891<\/td><td>a &amp; b<\/td><\/tr>/);
  assert.match(plain, /<td>&lt;b&gt;x&lt;\/b&gt;<\/td>/);
  const rows = Array.from({ length: 30 }, (_, i) => ({ i, sq: i * i }));
  assert.match(tableHtml(rows, { limit: 5 }), /<caption>first 5 of 30 rows<\/caption>/);
  assert.equal((tableHtml(rows, { limit: 5 }).match(/<tr><td/g) ?? []).length, 5);
  const frame = { columns: ['a', 'b'], values: [[1, 'x'], [2.5, 'y']], shape: [2, 2] };
  assert.equal(tableText(frame), ['    a  b', '-----  -', '    1  x', '2.500  y'].join('\n'));
  assert.equal(tableText(frame, { digits: 4 }), ['     a  b', '------  -', '     1  x', '2.5000  y'].join('\n'));
  assert.throws(() => tableHtml({} as never), /expects an arquero table/);
});

test('chart HTML: data cannot close the script element; saveHtml writes one offline page atomically', async () => {
  const chart = new Chart(
    { data: [{ type: 'bar', x: ['</script><script>alert(1)</script>'], y: [1] }], layout: {} },
    { title: 'a </script> title' },
  );
  const fragment = chart.toHtml();
  assert.equal((fragment.match(/<\/script>/gi) ?? []).length, 1, 'only the closing tag');
  assert.ok(fragment.includes('\\u003c/script\\u003e'));
  assert.deepEqual(Object.keys(chart.mimeBundle()), ['text/html', PLOTLY_MIME, 'text/plain']);
  assert.equal(chart.mimeBundle().toString(), '[object Object]');
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-chart-'));
  const path = await chart.saveHtml(join(dir, 'sub', 'chart.html'));
  const page = readFileSync(path, 'utf8');
  assert.equal((page.match(/embedded by embedlab/g) ?? []).length, 1);
  assert.ok(page.indexOf('embedded by embedlab') < page.indexOf('window.Plotly.newPlot'));
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['chart.html']);
});

test('report: several charts and tables in one page with one plotly bundle, drawn offline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-report-'));
  const path = await saveReport(join(dir, 'report.html'), {
    title: 'Fine-tuning <report>',
    intro: 'Baseline vs fine-tuned.\n\nSecond paragraph.',
    sections: [
      { heading: 'Comparison', chart: comparisonTable(baseline, tuned) },
      { heading: 'By dimension', chart: metricByDimensionChart({ baseline, 'fine-tuned': tuned }) },
      { heading: 'Runs', table: [{ run: 'a', score: 0.5 }] },
    ],
  });
  const page = readFileSync(path, 'utf8');
  assert.equal((page.match(/embedded by embedlab/g) ?? []).length, 1);
  assert.match(page, /<title>Fine-tuning &lt;report&gt;<\/title>/);
  assert.match(page, /<p>Baseline vs fine-tuned\.<\/p>\n<p>Second paragraph\.<\/p>/);
  assert.match(page, /<h2>Runs<\/h2>\n<table class="embedlab-table tex2jax_ignore mathjax_ignore">/);
  assert.equal(readdirSync(dir).length, 1);
  if (!CHROMIUM) return t.skip('chromium is not installed');
  const dom = renderedDom(path);
  assert.equal((dom.match(/class="embedlab-chart[^"]*"[^>]*data-drawn="1"/g) ?? []).length, 2);
  assert.ok(countPlotlySvgs(dom) >= 2);
});

test('charts shown before the plotly bundle wait for it, then draw (outputs render in any order)', (t) => {
  if (!CHROMIUM) return t.skip('chromium is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-order-'));
  const path = join(dir, 'order.html');
  const early = metricByDimensionChart({ baseline, 'fine-tuned': tuned });
  const late = comparisonTable(baseline, tuned);
  // as a notebook saved with the bundle in a later cell's output
  writeFileSync(path, standalonePage('order', early.toHtml() + plotlyScriptTag() + late.toHtml(), { includePlotly: false }));
  const dom = renderedDom(path);
  assert.equal((dom.match(/class="embedlab-chart[^"]*"[^>]*data-drawn="1"/g) ?? []).length, 2);
  assert.doesNotMatch(dom, /waiting for plotly\.js/);
});

test('terminal progress: one rewritten line on a TTY, a line per 10% otherwise', () => {
  const written: string[] = [];
  const pipe = { write: (s: string) => written.push(s), isTTY: false };
  const bar = terminalProgress('Encoding', { unit: 'texts', stream: pipe });
  for (let done = 1; done <= 100; done++) bar(done, 100);
  bar.finish();
  // 1% (first bucket), then 10%, 20%, …, 100%, then the finish line
  assert.equal(written.length, 12);
  assert.match(written[0]!, /^Encoding \[░{20}\]   1%  1\/100 texts  [\d.]+ texts\/s  ETA /);
  assert.match(written[10]!, /^Encoding \[█{20}\] 100%  100\/100 texts/);
  assert.match(written[11]!, /100%  100\/100 texts .* done in 0:00\n$/);
  assert.ok(written.every((line) => line.endsWith('\n') && !line.includes('\r')));

  const tty: string[] = [];
  const term = terminalProgress('Fine-tuning', { stream: { write: (s: string) => tty.push(s), isTTY: true, columns: 200 }, minIntervalMs: 0 });
  term({ step: 1, totalSteps: 4, loss: 1.23456, lr: 2e-5, examplesPerSec: 12.3, etaSeconds: 75 });
  term({ step: 4, totalSteps: 4, loss: 0.5, lr: 0, examplesPerSec: 12.3, etaSeconds: 0 });
  term.fail(new EmbedlabError('stopped'));
  assert.equal(tty[0], '\rFine-tuning [█████░░░░░░░░░░░░░░░]  25%  step 1/4  loss 1.2346  lr 2.0e-5  12.3 examples/s  ETA 1:15');
  assert.ok(tty.every((s) => s.startsWith('\r')));
  assert.match(tty.at(-1)!, /failed in 0:00  stopped\n$/);
  term(2, 4); // ignored once closed
  assert.equal(tty.length, 3);
});

test('progress tracker: rate and ETA from elapsed time when the reporter gives none', () => {
  let now = 1000;
  const tracker = new ProgressTracker('Encoding', { unit: 'texts', now: () => now });
  now = 3000;
  const s = tracker.update(50, 200);
  assert.equal(s.rate, 25);
  assert.equal(s.etaSeconds, 6);
  assert.equal(s.fraction, 0.25);
  const end = tracker.end('finished');
  assert.equal(end.done, 200);
  assert.equal(end.elapsedSeconds, 2);
  assert.deepEqual([formatDuration(5), formatDuration(65), formatDuration(3725), formatDuration(undefined)], ['0:05', '1:05', '1:02:05', '?']);
});

test('cell errors: EmbedlabError prints as one paragraph, bugs keep their stack', async () => {
  installCellErrorFormatting();
  const error = new EmbedlabError('train.jsonl row 3, field "anchor": missing');
  assert.equal(inspect(error), 'EmbedlabError: train.jsonl row 3, field "anchor": missing');
  assert.equal(formatCellError(error), inspect(error));
  assert.match(inspect(new TypeError('bug')), /TypeError: bug\n\s+at /);
  process.env.EMBEDLAB_DEBUG = '1';
  try {
    assert.match(inspect(error), /^EmbedlabError: train\.jsonl row 3, field "anchor": missing\n\s+at /, 'EMBEDLAB_DEBUG shows the stack');
  } finally {
    delete process.env.EMBEDLAB_DEBUG;
  }
  assert.equal(inspect(error), 'EmbedlabError: train.jsonl row 3, field "anchor": missing', 'the short form is back');
  const printed: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => printed.push(...args);
  try {
    assert.equal(await guard(async () => { throw error; }), undefined);
    assert.equal(await guard(() => 42), 42);
    await assert.rejects(guard(() => { throw new RangeError('bug'); }), RangeError);
  } finally {
    console.error = original;
  }
  assert.deepEqual(printed, ['EmbedlabError: train.jsonl row 3, field "anchor": missing']);
});
