import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHROMIUM,
  REPO_ROOT,
  countPlotlySvgs,
  executeNotebook,
  exportHtml,
  installKernelSandbox,
  jupyterMissing,
  renderedDom,
  screenshot,
  text,
  type Cell,
  type ExecutedNotebook,
  type JupyterSandbox,
} from './notebooksHarness';

/** What each tutorial must show: chart titles (plotly JSON outputs) and finished progress bars. */
const EXPECTED: Record<string, { charts: RegExp[]; progress: string[]; errors: number }> = {
  '01-finetune-matryoshka.ipynb': {
    charts: [/^Baseline: ndcg@10 by embedding dimension$/, /^Training curves/, /^Baseline vs fine-tuned ndcg@10 by embedding dimension$/, /^ndcg@10 by embedding dimension: baseline vs fine-tuned$/],
    // long calls draw their own bars ("Evaluating" for the baseline and the fine-tuned model)
    progress: ['Evaluating', 'Fine-tuning'],
    errors: 0,
  },
  '02-hyperparameter-sweep.ipynb': {
    charts: [/^Sweep: .*heatmap/, /^Sweep: all runs/],
    progress: ['Sweep'],
    errors: 0,
  },
  '03-hard-negatives.ipynb': {
    charts: [/^Without vs with hard negatives/, /by embedding dimension: baseline, without and with hard negatives$/],
    progress: ['Mining hard negatives', 'Fine-tuning without hard negatives', 'Fine-tuning with hard negatives'],
    errors: 0,
  },
};

const NOTEBOOK_DIR = join(REPO_ROOT, 'notebooks');
// CI clones the repo with the shared folder beside it.
const REAL_CSV = join(REPO_ROOT, '..', 'shared', 'datasets', 'financial-qa-10k', 'Financial-QA-10k.csv');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const missing = jupyterMissing();

let sandbox: JupyterSandbox;
let outDir: string;
before(() => {
  if (missing) return;
  sandbox = installKernelSandbox('embedlab-notebooks');
  outDir = mkdtempSync(join(tmpdir(), 'embedlab-notebooks-'));
  // Notebooks write their models and reports here instead of beside the repo.
  sandbox.env.EMBEDLAB_OUT = join(outDir, 'runs');
  for (const name of ['EMBEDLAB_DATASET', 'EMBEDLAB_MODEL', 'EMBEDLAB_EPOCHS']) delete sandbox.env[name];
});

function cellText(cell: Cell): string {
  return (cell.outputs ?? []).map((o) => text(o.text)).join('');
}

function chartTitles(cells: Cell[]): string[] {
  return cells.flatMap((cell) =>
    (cell.outputs ?? [])
      .map((o) => o.data?.['application/vnd.plotly.v1+json'] as { layout?: { title?: { text?: string } } } | undefined)
      .filter((figure) => figure !== undefined)
      .map((figure) => figure.layout?.title?.text ?? ''),
  );
}

function progressOutputs(cells: Cell[]): string[] {
  return cells.flatMap((cell) =>
    (cell.outputs ?? [])
      .map((o) => String(o.data?.['text/html'] ?? ''))
      .filter((html) => html.includes('class="embedlab-progress"')),
  );
}

function checkExecuted(name: string, run: ExecutedNotebook): void {
  const expected = EXPECTED[name]!;
  assert.equal(run.status, 0, `${name} failed:\n${run.stderr}`);
  const cells = run.notebook.cells;
  assert.ok(cells.filter((c) => c.cell_type === 'markdown').length >= 6, 'tutorial text cells');
  const code = cells.filter((c) => c.cell_type === 'code');
  let errors = 0;
  // Run All in a notebook server stops at a failing cell: the tutorials have none
  assert.deepEqual(code.map((cell) => cell.execution_count), code.map((_, i) => i + 1), 'every code cell ran, with its count');
  for (const output of code.flatMap((cell) => cell.outputs ?? [])) {
    const shown = [...(output.traceback ?? []), text(output.text)].join('\n');
    assert.doesNotMatch(shown, /node_modules|node:internal|evalmachine|tsLastExpr|\/dist\/|__tslab__/, 'no internal frames in any output');
  }
  code.forEach((cell, i) => {
    const status = cell.metadata.embedlab_test?.status;
    const source = text(cell.source);
    if (source.includes('await guard(')) {
      // the bad-input example: one paragraph on stderr, and the cell does not fail
      assert.equal(status, 'ok');
      assert.match(cellText(cell), /^EmbedlabError: [^\n]+ does not exist\n$/);
      return;
    }
    if (cell.metadata.tags?.includes('raises-exception')) {
      errors++;
      assert.equal(status, 'error', `cell ${i} should fail`);
      const message = cellText(cell);
      assert.match(message, /^EmbedlabError: [^\n]+\n$/, 'one short paragraph');
      assert.equal(code[i + 1]?.metadata.embedlab_test?.status, 'ok', 'the next cell still runs');
    } else {
      assert.equal(status, 'ok', `cell ${i} of ${name}: ${status}\n${cellText(cell)}`);
      const stderr = (cell.outputs ?? []).filter((o) => o.name === 'stderr').map((o) => text(o.text)).join('');
      assert.doesNotMatch(stderr, /Error|\n\s+at /, `cell ${i} printed an error`);
    }
  });
  assert.equal(errors, expected.errors);

  const titles = chartTitles(cells);
  for (const pattern of expected.charts) {
    assert.ok(titles.some((t) => pattern.test(t)), `${name}: no chart titled ${pattern} among ${JSON.stringify(titles)}`);
  }
  const bundles = cells.flatMap((c) => c.outputs ?? []).filter((o) => String(o.data?.['text/html'] ?? '').includes('embedded by embedlab'));
  assert.equal(bundles.length, 1, 'plotly.js embedded once per notebook');

  const bars = progressOutputs(cells);
  for (const label of expected.progress) {
    const bar = bars.find((html) => html.includes(`<b style="min-width:7em">${label}</b>`));
    assert.ok(bar, `${name}: no progress bar "${label}"`);
    assert.match(bar, /data-status="finished"/, `${name}: progress bar "${label}" did not finish in its cell`);
  }
  for (const bar of bars) assert.doesNotMatch(bar, /data-status="running"/, 'every bar finished');
}

const notebooks = existsSync(NOTEBOOK_DIR) ? readdirSync(NOTEBOOK_DIR).filter((f) => f.endsWith('.ipynb')).sort() : [];

test('every tutorial notebook has expectations', () => {
  assert.deepEqual(notebooks, Object.keys(EXPECTED));
});

const executed = new Map<string, ExecutedNotebook>();
for (const name of notebooks) {
  test(`${name} runs offline on the built-in data: no errors, its charts and finished progress bars`, { skip: missing }, () => {
    const run = executeNotebook(sandbox, join(NOTEBOOK_DIR, name), outDir, 600);
    executed.set(name, run);
    console.log(`# ${name}: ${run.seconds.toFixed(1)} s`);
    checkExecuted(name, run);
    if (name === '01-finetune-matryoshka.ipynb') {
      // the built-in GloVe model fine-tuned for 2 epochs (measured 0.74 at dim 32; its baseline there is 0.17)
      const best = /best dim_32_cosine_ndcg@10 = ([\d.]+)/.exec(run.notebook.cells.map(cellText).join(''));
      assert.ok(best && Number(best[1]) > 0.55, `fine-tuned dim_32 ndcg@10: ${best?.[1]}`);
    }
  });
}

test('01 exported to HTML draws its charts offline in Chromium; screenshot in test-artifacts/', { skip: missing ?? (CHROMIUM ? undefined : 'chromium missing') }, () => {
  const run = executed.get('01-finetune-matryoshka.ipynb');
  assert.ok(run, 'notebook 01 ran');
  const html = exportHtml(sandbox, run.path, outDir);
  const dom = renderedDom(html);
  const charts = chartTitles(run.notebook.cells).length;
  assert.equal((dom.match(/class="embedlab-chart[^"]*"[^>]*data-drawn="1"/g) ?? []).length, charts, 'every chart drawn');
  assert.ok(countPlotlySvgs(dom) >= charts);
  mkdirSync(ARTIFACTS, { recursive: true });
  const png = screenshot(html, join(ARTIFACTS, '01-finetune-matryoshka.png'), '1280,6000');
  assert.ok(statSync(png).size > 50_000, 'a real screenshot');
});

test('01 on real data given by EMBEDLAB_DATASET (a sample of the financial 10-K CSV)', { skip: missing ?? (existsSync(REAL_CSV) ? undefined : 'shared dataset missing') }, () => {
  // The first 600 records of the real CSV, quoted multi-line fields kept whole.
  const sampleDir = mkdtempSync(join(tmpdir(), 'embedlab-real-'));
  const csv = readFileSync(REAL_CSV, 'utf8');
  let end = 0;
  let inQuotes = false;
  for (let records = -1; end < csv.length && records < 600; end++) {
    if (csv[end] === '"') inQuotes = !inQuotes;
    else if (csv[end] === '\n' && !inQuotes) records++;
  }
  const sample = join(sampleDir, 'financial-sample.csv');
  writeFileSync(sample, csv.slice(0, end));
  const env = { ...sandbox.env, EMBEDLAB_DATASET: sample, EMBEDLAB_EPOCHS: '1' };
  const run = executeNotebook({ ...sandbox, env }, join(NOTEBOOK_DIR, '01-finetune-matryoshka.ipynb'), sampleDir, 600);
  console.log(`# 01 on a real-data sample: ${run.seconds.toFixed(1)} s`);
  const cells = run.notebook.cells.filter((c) => c.cell_type === 'code');
  assert.match(cellText(cells[1]!), new RegExp(`^600 pairs \\(question-context format\\) from ${sample.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; 0 records skipped`));
  const shown = (cells[1]!.outputs ?? []).map((o) => text(o.data?.['text/plain'] as string | undefined)).join('');
  assert.match(shown, /NVIDIA/, 'the first rows shown come from the given file');
  assert.match(cellText(cells[2]!), /^train: 540 pairs · benchmark: 60 queries against \d+ documents/);
  const bar = (cells[6]!.outputs ?? []).map((o) => text(o.data?.['text/plain'] as string | undefined)).join('');
  assert.match(bar, /^Fine-tuning .* 100% {2}step (\d+)\/\1 {2}epoch 1\.00 /, 'one epoch, as EMBEDLAB_EPOCHS says');
  const title = /^Baseline vs fine-tuned ndcg@10/;
  assert.ok(chartTitles(run.notebook.cells).some((t) => title.test(t)));
});
