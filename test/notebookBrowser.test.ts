/**
 * Notebook 01 in a live classic Jupyter Notebook server (Debian's
 * jupyter-notebook 6.4), driven in headless Chromium through playwright-core
 * as a user would: Cell → Run All, a page reload, Kernel → Interrupt.
 * Skips where jupyter-notebook or chromium is missing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CHROMIUM, REPO_ROOT, installKernelSandbox, jupyterMissing } from './notebooksHarness';

const NOTEBOOK = '01-finetune-matryoshka.ipynb';

// Functions passed to page.evaluate / waitForFunction run in the page, where these exist.
declare const window: any;
declare const document: any;

function browserMissing(): string | undefined {
  const jupyter = jupyterMissing();
  if (jupyter) return jupyter;
  if (spawnSync('jupyter-notebook', ['--version'], { encoding: 'utf8' }).status !== 0) return 'jupyter-notebook is not installed (apt-get install jupyter-notebook)';
  if (!CHROMIUM) return 'chromium is not installed';
  return undefined;
}
const missing = browserMissing();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// playwright-core is a dev dependency: loaded only when the test runs
type Page = import('playwright-core').Page;
type BrowserContext = import('playwright-core').BrowserContext;

let server: ChildProcess | undefined;
let context: BrowserContext | undefined;
let page: Page;
let url: string;
const log: string[] = [];

before(async () => {
  if (missing) return;
  const sandbox = installKernelSandbox('embedlab');
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-browser-'));
  copyFileSync(join(REPO_ROOT, 'notebooks', NOTEBOOK), join(dir, NOTEBOOK));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...sandbox.env,
    EMBEDLAB_OUT: join(dir, 'runs'),
    EMBEDLAB_EPOCHS: '1',
    JUPYTER_CONFIG_DIR: join(dir, 'config'),
    JUPYTER_DATA_DIR: join(dir, 'data'),
  };
  delete env.EMBEDLAB_DATASET;
  delete env.EMBEDLAB_MODEL;
  server = spawn(
    'jupyter-notebook',
    [
      '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`,
      // CI containers run as root
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ],
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => log.push(chunk));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/status?token=${token}`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 120 || server.exitCode !== null) throw new Error(`jupyter-notebook did not start:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  url = `${base}/notebooks/${NOTEBOOK}?token=${token}`;
  const { chromium } = await import('playwright-core');
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'embedlab-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 1000 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  await openNotebook();
});

after(async () => {
  await context?.close();
  server?.kill('SIGTERM');
});

async function openNotebook(): Promise<void> {
  await page.goto(url, { timeout: 180_000 });
  await page.waitForFunction(() => {
    const jupyter = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } }).Jupyter;
    return jupyter?.notebook?.kernel?.is_connected() === true;
  }, undefined, { timeout: 120_000 });
}

/** Prompts of the code cells: "In [3]:", "In [*]:", "In [ ]:". */
function prompts(): Promise<string[]> {
  return page.$$eval('.code_cell .input_prompt', (nodes) => nodes.map((n) => (n.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

async function waitUntilIdle(timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    () => {
      const cells = [...document.querySelectorAll('.code_cell .input_prompt')].map((n) => n.textContent ?? '');
      const jupyter = (window as unknown as { Jupyter: { notebook: { kernel_busy: boolean } } }).Jupyter;
      return !cells.some((t) => t.includes('*')) && !jupyter.notebook.kernel_busy;
    },
    undefined,
    { timeout: timeoutMs, polling: 500 },
  );
}

const chartsDrawn = () => page.$$eval('.embedlab-chart[data-drawn="1"]', (nodes) => nodes.length);
const chartCount = () => page.$$eval('.embedlab-chart', (nodes) => nodes.length);

test('Cell → Run All runs notebook 01 to its last cell: counts on every cell, no error, charts drawn', { skip: missing, timeout: 900_000 }, async () => {
  await page.click('#celllink');
  await page.click('#run_all_cells');
  await page.waitForFunction(() => document.querySelectorAll('.code_cell .input_prompt').length > 0);
  await waitUntilIdle(800_000);
  const shown = await prompts();
  assert.deepEqual(shown, shown.map((_, i) => `In [${i + 1}]:`), 'every code cell ran once, in order, with its count');
  assert.equal(await page.$$eval('.output_error', (n) => n.length), 0, 'no cell failed');
  const last = await page.$$eval('.code_cell', (cells) => cells.at(-1)!.querySelector('.output_area')?.textContent ?? '');
  assert.match(last, /still here: \d+ metrics of the fine-tuned model are kept/, 'the last cell ran');
  assert.equal(await chartCount(), 4);
  await page.waitForFunction(() => document.querySelectorAll('.embedlab-chart[data-drawn="1"] svg.main-svg').length >= 4, undefined, { timeout: 60_000 });
  assert.equal(await chartsDrawn(), 4);
});

test('tables: "$276 million, or $3.70" stays text — MathJax renders formulas elsewhere, nothing inside a table', { skip: missing, timeout: 120_000 }, async () => {
  // MathJax is live on the page: the markdown's formulas are typeset
  await page.waitForFunction(() => document.querySelectorAll('.text_cell_render .MathJax, .text_cell_render .MathJax_Display, .text_cell_render mjx-container').length > 0, undefined, { timeout: 60_000 });
  const tables = await page.$$eval('table.embedlab-table', (nodes) =>
    nodes.map((t) => ({ text: t.textContent ?? '', math: t.querySelectorAll('.MathJax, .MathJax_Preview, mjx-container, script[type^="math/"]').length })),
  );
  assert.ok(tables.length >= 2, 'the pairs table and the evaluation table');
  assert.ok(tables.some((t) => t.text.includes('$276 million, or $3.70')), 'the dollar amounts are shown as written');
  for (const t of tables) assert.equal(t.math, 0, 'no MathJax inside a table');
  const evaluation = tables.find((t) => /accuracy@1/.test(t.text));
  assert.ok(evaluation, 'the fine-tuned evaluation shows as a dims × metrics table');
});

test('after a page reload of the saved notebook the charts are drawn; re-running a chart cell embeds plotly.js again', { skip: missing, timeout: 300_000 }, async () => {
  await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { save_notebook(): Promise<unknown> } } }).Jupyter.notebook.save_notebook());
  await page.waitForTimeout(1000);
  await openNotebook();
  const shown = await prompts();
  assert.ok(shown.every((p) => /^In \[\d+\]:$/.test(p)), `execution counts saved: ${shown.join(' ')}`);
  const charts = () =>
    page.evaluate(() => ({
      trusted: window.Jupyter.notebook.trusted,
      charts: document.querySelectorAll('.embedlab-chart').length,
      drawn: document.querySelectorAll('.embedlab-chart[data-drawn="1"]').length,
      waiting: [...document.querySelectorAll('.embedlab-chart-placeholder')].map((n: { textContent: string }) => n.textContent),
    }));
  await page
    .waitForFunction(() => document.querySelectorAll('.embedlab-chart[data-drawn="1"] svg.main-svg').length >= 4, undefined, { timeout: 120_000 })
    .catch(async (error: Error) => assert.fail(`${error.message}: ${JSON.stringify(await charts())}`));
  assert.equal(await chartsDrawn(), 4);
  assert.equal(await page.$$eval('.embedlab-chart-placeholder', (n) => n.length), 0, 'no chart is left waiting');

  // the reloaded page is a new client session: the next chart carries the bundle again
  const index = await page.$$eval('.code_cell', (cells) => cells.findIndex((c) => (c.textContent ?? '').includes('trainingCurves(result.history')));
  await page.evaluate((i) => {
    const nb = (window as unknown as { Jupyter: { notebook: { get_cell(n: number): { execute(): void }; get_cells(): unknown[] } } }).Jupyter.notebook;
    const codeCells = nb.get_cells().map((c, n) => ({ c, n })).filter(({ c }) => (c as { cell_type: string }).cell_type === 'code');
    nb.get_cell(codeCells[i]!.n).execute();
  }, index);
  await waitUntilIdle(120_000);
  const html = await page.$$eval('.code_cell', (cells, i) => cells[i]!.querySelector('.output_area')?.innerHTML ?? '', index);
  assert.match(html, /embedlab-chart[^>]*data-drawn="1"/);
  const bundles = await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { toJSON(): { cells: { outputs?: { data?: Record<string, string> }[] }[] } } } }).Jupyter.notebook.toJSON().cells.flatMap((c) => c.outputs ?? []).filter((o) => String(o.data?.['text/html'] ?? '').includes('embedded by embedlab')).length);
  assert.equal(bundles, 2, 'the first chart\'s bundle, and one more for the reloaded page');
});

test('Kernel → Interrupt during training stops after the current step and keeps the model', { skip: missing, timeout: 300_000 }, async () => {
  // a new cell at the bottom, as a user would add one: train the notebook's model further
  const code = "const more = await finetune(model, train, { loss, epochs: 3, batchSize: 128, lr: 0.01, outputDir: join(OUT, 'interrupted') });";
  const index = await page.evaluate((source) => {
    const nb = window.Jupyter.notebook;
    const cell = nb.insert_cell_at_bottom('code');
    cell.set_text(source);
    cell.execute();
    return nb.get_cells().filter((c: { cell_type: string }) => c.cell_type === 'code').length - 1;
  }, code);
  const state = () =>
    page.evaluate((i) => {
      const cell = document.querySelectorAll('.code_cell')[i];
      return `prompt ${cell?.querySelector('.input_prompt')?.textContent} busy ${window.Jupyter.notebook.kernel_busy}: ${cell?.querySelector('.output')?.textContent}`;
    }, index);
  await page
    .waitForFunction((i) => Number(document.querySelectorAll('.code_cell')[i]?.querySelector('.embedlab-progress')?.getAttribute('data-done') ?? 0) >= 2, index, { timeout: 180_000, polling: 50 })
    .catch(async (error: Error) => assert.fail(`${error.message}; ${await state()}`));
  const seen = Number(await page.evaluate((i) => document.querySelectorAll('.code_cell')[i].querySelector('.embedlab-progress').getAttribute('data-done'), index));
  await page.click('#kernellink');
  await page.click('#int_kernel');
  await waitUntilIdle(120_000);
  const output = await page.evaluate((i) => document.querySelectorAll('.code_cell')[i].querySelector('.output').textContent, index);
  const stopped = /Interrupted after step (\d+) of (\d+): the model holds the weights of step \1, saved in \S+checkpoint-\1\. To continue, run it again with resume: true/.exec(output);
  assert.ok(stopped, output);
  const step = Number(stopped[1]);
  // the kernel says how many steps were done when the interrupt arrived: training ends with the step then running
  const received = /Interrupting after (\d+) steps: stopping at the end of the current step/.exec(output);
  assert.ok(received, output);
  const done = Number(received[1]);
  assert.ok(done >= seen, `the bar showed step ${seen} before the interrupt went out`);
  assert.ok(step === done || step === done + 1, `${done} steps done when the interrupt arrived; training stopped after step ${step}`);
  assert.ok(step < Number(stopped[2]));
  assert.equal(await page.evaluate((i) => document.querySelectorAll('.code_cell')[i].querySelector('.embedlab-progress').getAttribute('data-status'), index), 'stopped');
  assert.equal(await page.$$eval('.output_error', (n) => n.length), 0);
  assert.match(await state(), /^prompt In\s\[\d+\]:/);
});

test('the server log shows no kernel error', { skip: missing }, () => {
  assert.doesNotMatch(log.join(''), /Traceback|KernelRestarter: restarting kernel|Kernel died/);
  assert.ok(existsSync(REPO_ROOT));
});
