/**
 * What a notebook gets without asking: interruptible long calls with their
 * own progress bars, rich display of results, numbers formatted by
 * magnitude, MathJax-safe tables, checked metric keys, loading that does
 * not double a dataset — and the kernel's position mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableInterrupts, interruptLongCalls, interruptSignal, resetInterrupt } from '../src/util/interrupt';
import { breathe, longCall, ownProgress, setDefaultProgress, type DefaultProgress } from '../src/util/longCall';
import { checkedMetrics } from '../src/eval/checkedMetrics';
import { loadRecords, toTrainingRows } from '../src/data';
import { createStaticModel } from '../src/models';
import { finetune } from '../src/train';
import { initBackend } from '../src/backend';
import { historySummary, metricsTable, richBundle, tableHtml, ProgressTracker, withProgress } from '../widgets';
import { formatValue } from '../widgets/html';
import { SourceMap } from '../kernel/sourceMap';
import { applyInserts, originalOffset, shorthandInserts, type TypeScriptApi } from '../kernel/shorthandProperties';
import { partsText } from '../kernel/inspectText';
import { REPO_ROOT } from './notebooksHarness';

const BUILTIN = join(REPO_ROOT, 'datasets', 'fictional-10k-qa');

/** A default bar that records what it was asked to do. */
function recordingBars(): { opened: string[]; events: string[]; restore(): void } {
  const opened: string[] = [];
  const events: string[] = [];
  setDefaultProgress((label) => {
    opened.push(label);
    const bar = ((first: unknown, total?: number) => events.push(`${label}:${typeof first === 'number' ? `${first}/${total}` : (first as { step: number }).step}`)) as unknown as DefaultProgress;
    bar.finish = (note) => void events.push(`${label}:finish${note ? `:${note}` : ''}`);
    bar.stop = (note) => void events.push(`${label}:stop:${note}`);
    bar.fail = () => void events.push(`${label}:fail`);
    bar.dismiss = () => void events.push(`${label}:dismiss`);
    return bar;
  });
  return { opened, events, restore: () => setDefaultProgress(undefined) };
}

test('longCall: a bar of its own at the top level only; none inside another call, inside withProgress-like owners, or with onProgress', async () => {
  const bars = recordingBars();
  try {
    const inner = (options: { onProgress?: (done: number, total: number) => void } = {}) =>
      longCall('Inner', options, async ({ onProgress }) => {
        onProgress?.(1, 2);
        onProgress?.(2, 2);
        return 'inner';
      });
    const outer = await longCall('Outer', {}, async ({ onProgress }) => {
      const value = await inner();
      (onProgress as ((d: number, t: number) => void) | undefined)?.(1, 1);
      return value;
    });
    assert.equal(outer, 'inner');
    assert.deepEqual(bars.opened, ['Outer']);
    assert.deepEqual(bars.events, ['Outer:1/1', 'Outer:finish']);
    await ownProgress('Mine', () => inner());
    await inner({ onProgress: () => {} });
    assert.deepEqual(bars.opened, ['Outer'], 'no bar inside an owner or with a callback');
    // a failure before any progress removes the bar; after progress it marks it failed
    await assert.rejects(longCall('Early', {}, async () => { throw new Error('bad option'); }), /bad option/);
    await assert.rejects(
      longCall('Late', {}, async ({ onProgress }) => {
        (onProgress as (d: number, t: number) => void)(1, 3);
        throw new Error('midway');
      }),
      /midway/,
    );
    assert.deepEqual(bars.events.slice(2), ['Early:dismiss', 'Late:1/3', 'Late:fail']);
  } finally {
    bars.restore();
  }
});

test('breathe lets a timer (or a signal handler) run between steps of a busy loop', async () => {
  let fired = false;
  setTimeout(() => (fired = true), 0);
  const until = Date.now() + 30;
  while (!fired && Date.now() < until + 2000) {
    const spin = Date.now() + 5;
    while (Date.now() < spin); // a synchronous step
    if (Date.now() > until) await breathe();
  }
  assert.equal(fired, true);
});

test('interrupt: finetune observes the process-wide signal by default and stops after the current step', async () => {
  await initBackend('cpu');
  enableInterrupts();
  resetInterrupt();
  const { records } = await loadRecords(join(BUILTIN, 'pairs.jsonl'));
  const rows = toTrainingRows(records, { onWarning: () => {} }).rows.slice(0, 256);
  const model = createStaticModel(join(BUILTIN, 'tokenizer'), { dim: 16 });
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  let stepAtInterrupt = -1;
  let progress: string | undefined;
  try {
    const run = await finetune(model, rows, {
      epochs: 5,
      batchSize: 32,
      lr: 0.05,
      onEvaluate: undefined,
      // the callback is the user's: no default bar, the signal is still the process-wide one
      onProgress: (info) => {
        if (info.step === 3) {
          stepAtInterrupt = info.step;
          progress = interruptLongCalls()?.progress;
        }
      },
    });
    assert.equal(run.stopped, 'signal');
    assert.equal(run.globalStep, stepAtInterrupt, 'the step running when the interrupt came was the last');
    assert.ok(run.globalStep < run.totalSteps);
    assert.equal(progress, '3 steps');
    assert.match(written.join(''), /^Interrupted after step 3 of 40: the model holds the weights of step 3\. No checkpoint was written \(no outputDir\)/);
    // the next cell gets a fresh signal; an aborted one makes a later call stop at once
    await assert.rejects(model.encode(['a text']), { name: 'KeyboardInterrupt' });
    resetInterrupt();
    assert.equal(interruptSignal()?.aborted, false);
    assert.equal((await model.encode(['a text'])).rows, 1);
    assert.equal(interruptLongCalls(), undefined, 'nothing running: nothing to stop');
  } finally {
    process.stderr.write = write;
    model.dispose();
  }
});

test('progress: training loss on the bar is the mean of the last 20 steps', () => {
  const tracker = new ProgressTracker('Fine-tuning');
  const losses = Array.from({ length: 30 }, (_, i) => 3 - i * 0.1);
  let shown = 0;
  losses.forEach((loss, i) => (shown = tracker.update({ step: i + 1, totalSteps: 30, loss }).loss!));
  const expected = losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
  assert.ok(Math.abs(shown - expected) < 1e-12, `${shown} vs ${expected}`);
  assert.notEqual(shown, losses.at(-1));
});

test('withProgress owns the bar: the calls inside draw none of their own', async () => {
  const bars = recordingBars();
  try {
    await withProgress('Sweep', async () => longCall('Inner', {}, async () => 1), { stream: { write: () => true } });
    assert.deepEqual(bars.opened, []);
  } finally {
    bars.restore();
  }
});

test('numbers by magnitude: 2e-5 is not 0.0000, metrics keep four digits, integers stay whole', () => {
  assert.equal(formatValue(2e-5), '2e-5');
  assert.equal(formatValue(1.5e-4), '1.5e-4');
  assert.equal(formatValue(0.812345), '0.8123');
  assert.equal(formatValue(0.05), '0.05000');
  assert.equal(formatValue(12.3456), '12.35');
  assert.equal(formatValue(123456.78), '123456.8');
  assert.equal(formatValue(123456789.5), '1.235e8');
  assert.equal(formatValue(3.2e-9), '3.2e-9');
  assert.equal(formatValue(7000), '7000');
  assert.equal(formatValue(-0.5), '-0.5000');
});

test('tables: text left-aligned and escaped, numbers right-aligned, MathJax told to keep out', () => {
  const html = tableHtml([{ company: '<Acme> & $co', revenue: '$276 million, or $3.70', lr: 2e-5, steps: 12 }, { company: 'B \\(x\\)', lr: 0.1 }]);
  assert.match(html, /^<table class="embedlab-table tex2jax_ignore mathjax_ignore">/);
  assert.match(html, /<td style="text-align:left[^"]*">&lt;Acme&gt; &amp; \$co<\/td><td style="text-align:left[^"]*">\$276 million, or \$3\.70<\/td><td style="text-align:right[^"]*">2e-5<\/td><td style="text-align:right[^"]*">12<\/td>/);
  assert.match(html, /<td style="text-align:left[^"]*">B \\\(x\\\)<\/td>/);
});

test('rich display: an evaluation result is a dims × metrics table; a training run a short summary', () => {
  const metrics = {
    'dim_768_cosine_accuracy@1': 0.5, 'dim_768_cosine_ndcg@10': 0.82, 'dim_64_cosine_accuracy@1': 0.4, 'dim_64_cosine_ndcg@10': 0.79,
  };
  assert.deepEqual(metricsTable(metrics), [
    { dim: 768, 'accuracy@1': 0.5, 'ndcg@10': 0.82 },
    { dim: 64, 'accuracy@1': 0.4, 'ndcg@10': 0.79 },
  ]);
  const bundle = richBundle(checkedMetrics(metrics))!;
  assert.match(String(bundle['text/plain']), /^evaluation \(rows: embedding dimension\)\ndim +accuracy@1 +ndcg@10\n.*\n *768 +0\.5000 +0\.8200\n *64 +0\.4000 +0\.7900$/);
  assert.equal(metricsTable({ 'dim_768_cosine_ndcg@10': 1, other: 2 }), undefined, 'not every key a metric: not a metrics table');
  assert.equal(richBundle({ a: 1, b: 2 }), undefined, 'a plain object stays plain text');
  assert.equal(richBundle(42), undefined);

  const history = {
    steps: Array.from({ length: 30 }, (_, i) => ({ step: i + 1, epoch: (i + 1) / 10, loss: i < 10 ? 3 : i >= 20 ? 1 : 2, lr: 0.01, gradNorm: 1 })),
    evals: [{ step: 10, epoch: 1, metrics: { 'dim_64_cosine_ndcg@10': 0.5 } }, { step: 30, epoch: 3, metrics: { 'dim_64_cosine_ndcg@10': 0.7 } }],
  };
  const result = { history, globalStep: 30, totalSteps: 30, bestMetric: 0.7, bestStep: 30, metricForBestModel: 'dim_64_cosine_ndcg@10' };
  assert.deepEqual(historySummary(history, result), [
    '30/30 optimizer steps',
    'loss 3 (first 10 steps) → 1 (last 10)',
    'evaluation at step 10 (epoch 1): dim_64_cosine_ndcg@10 0.5000',
    'evaluation at step 30 (epoch 3): dim_64_cosine_ndcg@10 0.7000',
    'best dim_64_cosine_ndcg@10 0.7000 at step 30',
  ]);
  assert.match(String(richBundle(result)!['text/html']), /^<div class="embedlab-summary tex2jax_ignore/);
  assert.match(String(richBundle(history)!['text/plain']), /^Training history\n  30 optimizer steps/);
});

test('metric keys: a mistyped key names the valid ones; right keys, JSON and spreading behave as before', () => {
  const metrics = checkedMetrics({ 'dim_256_cosine_ndcg@10': 0.8, 'dim_64_cosine_ndcg@10': 0.7 });
  assert.equal(metrics['dim_64_cosine_ndcg@10'], 0.7);
  assert.throws(() => metrics['dim_128_cosine_ndcg@10'], /^EmbedlabError: no metric "dim_128_cosine_ndcg@10" in these results; valid keys: dim_\{256,64\}_cosine_ndcg@10$/);
  assert.equal((metrics as Record<string, unknown>).then, undefined, 'awaitable: not a thenable');
  assert.deepEqual({ ...metrics }, { 'dim_256_cosine_ndcg@10': 0.8, 'dim_64_cosine_ndcg@10': 0.7 });
  assert.equal(JSON.stringify(metrics), '{"dim_256_cosine_ndcg@10":0.8,"dim_64_cosine_ndcg@10":0.7}');
});

test('loading: a folder with the same records as CSV and JSON Lines loads one file and says which; repeated pairs are reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-formats-'));
  const pairs = [
    { question: 'q1', context: 'c1' },
    { question: 'q2', context: 'c2, with a comma' },
    { question: 'q1', context: 'c1' },
  ];
  writeFileSync(join(dir, 'pairs.jsonl'), pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeFileSync(join(dir, 'export.csv'), 'question,answer,context\n' + pairs.map((p) => `${p.question},a,"${p.context}"`).join('\n') + '\n');
  writeFileSync(join(dir, 'other.jsonl'), JSON.stringify({ question: 'q9', context: 'c9' }) + '\n');
  const warnings: string[] = [];
  const { records, files } = await loadRecords(dir, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['export.csv', 'other.jsonl'], 'the richer file, and the unrelated one');
  assert.equal(records.length, 4);
  assert.deepEqual(warnings, [`pairs.jsonl holds the same 3 records as export.csv (columns question, context): loaded export.csv only; pass ${join(dir, 'pairs.jsonl')} itself to load that one instead`]);
  const notes: string[] = [];
  const { rows } = toTrainingRows(records, { source: 'data', onWarning: (m) => notes.push(m) });
  assert.equal(rows.length, 4);
  assert.deepEqual(notes, ['data: 1 pair repeats an earlier one (same anchor and positive; e.g. pair 3 repeats pair 1). Duplicates can land on both sides of a train/test split and act as false negatives in a batch; dedupeRows(rows) drops them.']);
});

const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [join(REPO_ROOT, 'node_modules', 'tslab')] })) as TypeScriptApi & {
  transpileModule(input: string, options: { compilerOptions: Record<string, unknown> }): { outputText: string; sourceMapText?: string };
};

test('kernel: offsets in the rewritten cell map back to the code as written', () => {
  const code = 'f({ loss, lr });\nconst x = { a, b: 1 }; bad;';
  const inserts = shorthandInserts(ts, code);
  const rewritten = applyInserts(code, inserts);
  assert.equal(rewritten, 'f({ loss: loss, lr: lr });\nconst x = { a: a, b: 1 }; bad;');
  for (const word of ['bad', 'b: 1', 'const', 'f(']) {
    assert.equal(originalOffset(inserts, rewritten.indexOf(word)), code.indexOf(word), word);
  }
  // inside an insert: the shorthand name it repeats
  assert.equal(originalOffset(inserts, rewritten.indexOf(': lr') + 3), code.indexOf('lr'));
});

test('kernel: source maps decode to the positions TypeScript compiled from', () => {
  const source = 'const a: number = 1;\n\nfunction f(x: string): string {\n  return x.toUpperCase();\n}\nconsole.log(f("y"), a);\n';
  const out = ts.transpileModule(source, { compilerOptions: { sourceMap: true, target: 7, module: 1 } });
  const map = new SourceMap(out.sourceMapText!);
  const lines = out.outputText.split('\n');
  const generated = lines.findIndex((l) => l.includes('toUpperCase'));
  const column = lines[generated]!.indexOf('x.toUpperCase');
  assert.deepEqual(map.original(generated, column), { line: 3, column: source.split('\n')[3]!.indexOf('x.toUpperCase') });
  const call = lines.findIndex((l) => l.includes('console.log'));
  assert.equal(map.original(call, 0)!.line, 5);
});

test('kernel: Shift-Tab documentation writes {@link X} and {@link X | label} as text', () => {
  const parts = [
    { kind: 'text', text: 'Wraps `inner` in a ' },
    { kind: 'link', text: '{@link ' },
    { kind: 'linkName', text: 'MatryoshkaLoss' },
    { kind: 'link', text: '}' },
    { kind: 'text', text: '; see ' },
    { kind: 'link', text: '{@link ' },
    { kind: 'linkName', text: 'mnrl' },
    { kind: 'linkText', text: ' | the inner loss' },
    { kind: 'link', text: '}' },
    { kind: 'text', text: '.' },
  ];
  assert.equal(partsText(parts), 'Wraps `inner` in a MatryoshkaLoss; see the inner loss.');
});
