import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKernelSpec, launcherPath } from '../kernel/install';
import { makeForwarder, findInstalledCopy } from '../kernel/moduleLink';
import { expandShorthandProperties, type TypeScriptApi } from '../kernel/shorthandProperties';
import {
  CHROMIUM,
  PYTHON,
  REPO_ROOT,
  codeCell,
  countPlotlySvgs,
  exportHtml,
  installKernelSandbox,
  jupyterMissing,
  outputsWith,
  renderedDom,
  runGeneratedNotebook,
  text,
  type ExecutedNotebook,
  type JupyterSandbox,
} from './notebooksHarness';

const missing = jupyterMissing();

test('kernelspec: absolute node and launcher, tslab argv, display name', () => {
  const spec = buildKernelSpec();
  assert.deepEqual(spec.argv, [process.execPath, launcherPath(), 'kernel', '--config-path', '{connection_file}']);
  assert.ok(existsSync(spec.argv[1]!), 'launcher is built');
  assert.equal(spec.display_name, 'TypeScript (embedlab)');
  assert.equal(spec.language, 'typescript');
  assert.equal(spec.metadata?.embedlab?.packageRoot, REPO_ROOT);
  assert.equal(buildKernelSpec({ displayName: 'X', node: '/opt/node' }).argv[0], '/opt/node');
});

test('module link: forwards only paths under the virtual package folder', () => {
  const forward = makeForwarder('/nb/node_modules/embedlab', '/pkg/root');
  assert.equal(forward('/nb/node_modules/embedlab'), '/pkg/root');
  assert.equal(forward('/nb/node_modules/embedlab/package.json'), '/pkg/root/package.json');
  assert.equal(forward('/nb/node_modules/embedlabx/package.json'), '/nb/node_modules/embedlabx/package.json');
  assert.equal(forward('/nb/other.ts'), '/nb/other.ts');
  // the repo itself does not hold node_modules/embedlab, so notebooks in it get the link
  assert.equal(findInstalledCopy(join(REPO_ROOT, 'notebooks'), 'embedlab'), undefined);
  assert.equal(findInstalledCopy(REPO_ROOT, 'tslab'), join(REPO_ROOT, 'node_modules', 'tslab'));
});

test('shorthand properties are expanded, everything else is left alone', () => {
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [join(REPO_ROOT, 'node_modules', 'tslab')] })) as TypeScriptApi;
  const expand = (code: string) => expandShorthandProperties(ts, code);
  assert.equal(expand('f(model, rows, { loss, lr: 2, evaluator })'), 'f(model, rows, { loss: loss, lr: 2, evaluator: evaluator })');
  assert.equal(expand('({ c = 5 } = o)'), '({ c: c = 5 } = o)');
  assert.equal(expand('const { a, b: [x] } = o; const s = `${ {a}.a }`;'), 'const { a, b: [x] } = o; const s = `${ {a: a}.a }`;');
  assert.equal(expand('function g({ a }: { a: number }) { return { ...a }; }'), 'function g({ a }: { a: number }) { return { ...a }; }');
  assert.equal(expand('const x = 1;'), 'const x = 1;');
});

let sandbox: JupyterSandbox;
before(() => {
  if (!missing) sandbox = installKernelSandbox();
});

test('kernel install / status / uninstall through jupyter kernelspec', { skip: missing }, () => {
  const own = installKernelSandbox('embedlab-cli-check');
  const dir = join(own.prefix, 'share', 'jupyter', 'kernels', 'embedlab-cli-check');
  assert.deepEqual(readdirSync(dir).sort(), ['kernel.json', 'logo-32x32.png', 'logo-64x64.png', 'logo-svg.svg']);
  const spec = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8'));
  assert.equal(spec.argv[1], launcherPath());

  const status = own.cli(['kernel', 'status', '--name', 'embedlab-cli-check', '--json']);
  assert.equal(status.status, 0, status.stderr);
  const parsed = JSON.parse(status.stdout);
  assert.equal(parsed.installed, true);
  assert.equal(parsed.upToDate, true);
  assert.equal(parsed.resourceDir, dir);

  const bad = own.cli(['kernel', 'install', '--prefix', own.prefix, '--name', 'no spaces allowed']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /kernel name "no spaces allowed" is invalid/);
  const both = own.cli(['kernel', 'install', '--user', '--prefix', own.prefix]);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /choose one of --user, --sys-prefix and --prefix/);

  const removed = own.cli(['kernel', 'uninstall', '--name', 'embedlab-cli-check']);
  assert.equal(removed.status, 0, removed.stderr);
  assert.equal(existsSync(dir), false);
  const after = own.cli(['kernel', 'status', '--name', 'embedlab-cli-check']);
  assert.equal(after.status, 1);
  assert.match(after.stdout, /not installed/);
  const again = own.cli(['kernel', 'uninstall', '--name', 'embedlab-cli-check']);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /no kernel named "embedlab-cli-check" is installed/);

  // no location flag: the per-user folder (JUPYTER_DATA_DIR points it into the sandbox)
  const dataDir = join(own.prefix, 'user-data');
  const env = { ...own.env, JUPYTER_DATA_DIR: dataDir };
  const user = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'kernel', 'install', '--name', 'embedlab-user-check'], { env, encoding: 'utf8' });
  assert.equal(user.status, 0, user.stderr);
  assert.ok(existsSync(join(dataDir, 'kernels', 'embedlab-user-check', 'kernel.json')));
  const gone = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'kernel', 'uninstall', '--name', 'embedlab-user-check'], { env, encoding: 'utf8' });
  assert.equal(gone.status, 0, gone.stderr);
  assert.equal(existsSync(join(dataDir, 'kernels', 'embedlab-user-check')), false);

  const noJupyter = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'kernel', 'status', '--jupyter', '/nonexistent/jupyter'], { env, encoding: 'utf8' });
  assert.equal(noJupyter.status, 2);
  assert.match(noJupyter.stderr, /"\/nonexistent\/jupyter" was not found: install Jupyter/);
});

test('jupyter_kernel_test conformance of the installed kernel', { skip: missing }, () => {
  const run = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'kernel_conformance.py'), '-v'], {
    env: { ...sandbox.env, EMBEDLAB_KERNEL_NAME: sandbox.kernelName },
    cwd: mkdtempSync(join(tmpdir(), 'embedlab-conformance-')),
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(run.status, 0, run.stderr);
  // errors and execute results pass; history, the pager and clear_output are not implemented (5 skips, 3 of them history)
  assert.match(run.stderr, /Ran 12 tests/);
  assert.match(run.stderr, /OK \(skipped=5\)/);
  for (const name of ['test_error', 'test_execute_result', 'test_display_data', 'test_inspect', 'test_kernel_info']) {
    assert.match(run.stderr, new RegExp(`${name} \\(.*\\) \\.\\.\\. ok`), name);
  }
});

// One notebook, run from a folder outside the repo, exercises imports, top-level
// await, charts, progress, errors and plotly embedding through real Jupyter.
const CELLS = [
  codeCell(
    `import { Chart, comparisonTable, metricByDimensionChart, progressBar, withProgress, EmbedlabError, Matrix } from 'embedlab';
const base = { 'dim_768_cosine_ndcg@10': 0.768, 'dim_128_cosine_ndcg@10': 0.723, 'dim_64_cosine_ndcg@10': 0.644 };
const tuned = { 'dim_768_cosine_ndcg@10': 0.825, 'dim_128_cosine_ndcg@10': 0.818, 'dim_64_cosine_ndcg@10': 0.789 };
await new Promise((r) => setTimeout(r, 20));
console.log('row', Array.from(Matrix.fromRows([[3, 4]]).truncate(2).row(0)).map((x) => x.toFixed(1)).join(','));`,
  ),
  codeCell(`comparisonTable(base, tuned).show();`),
  // shorthand properties naming earlier cells' variables (a tslab bug the kernel works around)
  codeCell(`metricByDimensionChart({ baseline: base, 'fine-tuned': tuned }).show(); console.log(Object.keys({ base, tuned }).join('+'));`),
  codeCell(
    `const trained = await withProgress('Fine-tuning', async (onProgress) => {
  for (let step = 1; step <= 6; step++) {
    await new Promise((r) => setTimeout(r, 60));
    onProgress({ step, totalSteps: 6, loss: 2 / step, lr: 2e-5 * step / 6, examplesPerSec: 40 });
  }
  return 'trained';
}, { minIntervalMs: 0 });
console.log(trained);`,
  ),
  codeCell(
    `const background = progressBar('Encoding', { unit: 'texts', minIntervalMs: 0 });
(async () => { for (let i = 1; i <= 5; i++) { await new Promise((r) => setTimeout(r, 100)); background(i * 10, 50); } })();
undefined;`,
  ),
  codeCell(`await new Promise((r) => setTimeout(r, 900)); console.log('after background work');`),
  codeCell(`throw new EmbedlabError('data/train.jsonl row 3, field "anchor": missing value');`, ['raises-exception']),
  codeCell(`console.log('kernel still usable', 1 + 1);`),
  // same code as cell 1: a re-run of the cell that held the plotly bundle, so it must carry it again
  codeCell(`comparisonTable(base, tuned).show();`),
];

let executed: ExecutedNotebook;
let workDir: string;
function run(): ExecutedNotebook {
  if (!executed) {
    workDir = mkdtempSync(join(tmpdir(), 'embedlab-nb-'));
    executed = runGeneratedNotebook(sandbox, workDir, 'widgets-check', CELLS);
  }
  return executed;
}

test('notebook outside the repo: imports embedlab, top-level await, every cell runs', { skip: missing }, () => {
  const { notebook, status, stderr } = run();
  assert.equal(status, 0, stderr);
  const statuses = notebook.cells.map((c) => c.metadata.embedlab_test?.status);
  assert.deepEqual(statuses, ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'error', 'ok', 'ok']);
  // the kernel started the backend before the first embedlab cell, and said so once
  assert.match(notebook.cells[0]!.outputs!.map((o) => text(o.text)).join(''), /^backend: wasm \(XNNPACK, SIMD[^\n]*\nrow 0\.6,0\.8\n$/);
  assert.equal(notebook.cells.flatMap((c) => c.outputs ?? []).filter((o) => /^backend: /.test(text(o.text))).length, 1);
  // every executed cell has its execution count
  assert.deepEqual(notebook.cells.map((c) => c.execution_count), notebook.cells.map((_, i) => i + 1));
  assert.equal(text(notebook.cells[2]!.outputs!.find((o) => o.output_type === 'stream')?.text), 'base+tuned\n');
});

test('charts: plotly.js embedded once, every chart offers plotly JSON and HTML', { skip: missing }, () => {
  const cells = run().notebook.cells;
  const html = (i: number) => outputsWith(cells[i]!, 'text/html').map((o) => String(o.data!['text/html']));
  const bundles = (i: number) => html(i).filter((h) => h.includes('embedded by embedlab')).length;
  assert.equal(bundles(1), 1, 'first chart carries the bundle');
  assert.equal(bundles(2), 0, 'second chart reuses window.Plotly');
  assert.equal(bundles(8), 1, 're-running the cell that held the bundle embeds it again');
  for (const i of [1, 2, 8]) {
    const [out] = outputsWith(cells[i]!, 'application/vnd.plotly.v1+json');
    const figure = out!.data!['application/vnd.plotly.v1+json'] as { data: { type: string }[] };
    assert.ok(figure.data.length > 0);
    assert.ok(html(i)[0]!.includes('window.Plotly.newPlot'));
  }
  const table = String(outputsWith(cells[1]!, 'text/plain')[0]!.data!['text/plain']);
  assert.match(table, /768 +0\.7680 +0\.8250 +\+7\.42% +100\.0%/);
});

test('progress: updates land in the cell that started the work', { skip: missing }, () => {
  const cells = run().notebook.cells;
  const bars = (i: number) => outputsWith(cells[i]!, 'text/html').filter((o) => String(o.data!['text/html']).includes('embedlab-progress'));
  // awaited training: one output, replaced in place up to its final state
  assert.equal(bars(3).length, 1);
  const final = String(bars(3)[0]!.data!['text/html']);
  assert.match(final, /data-status="finished" data-done="6" data-total="6"/);
  // the loss shown is the mean of the last steps' losses (2/1 … 2/6), not the last one (0.3333)
  const meanLoss = [1, 2, 3, 4, 5, 6].reduce((sum, step) => sum + 2 / step, 0) / 6;
  assert.match(String(bars(3)[0]!.data!['text/plain']), new RegExp(`100%  step 6/6  loss ${meanLoss.toFixed(4)}  lr 2\\.0e-5  40\\.0 examples/s  done in`));
  assert.equal(text(cells[3]!.outputs!.find((o) => o.output_type === 'stream')?.text), 'trained\n');
  // un-awaited encoding: still in its own cell, updated to 50/50 while the next cell ran
  assert.equal(bars(4).length, 1);
  assert.match(String(bars(4)[0]!.data!['text/html']), /data-done="50" data-total="50"/);
  assert.equal(bars(5).length, 0, 'nothing leaked into the next cell');
  assert.equal(text(cells[5]!.outputs![0]!.text), 'after background work\n');
});

test('bad input: one short paragraph, and the next cell still runs', { skip: missing }, () => {
  const cells = run().notebook.cells;
  const [error, ...more] = cells[6]!.outputs!;
  assert.equal(more.length, 0);
  assert.equal(error!.output_type, 'error');
  assert.equal(error!.ename, 'EmbedlabError');
  assert.deepEqual(error!.traceback, ['EmbedlabError: data/train.jsonl row 3, field "anchor": missing value']);
  assert.equal(text(cells[7]!.outputs![0]!.text), 'kernel still usable 2\n');
});

test('nbconvert HTML export draws every chart offline in headless Chromium', { skip: missing ?? (CHROMIUM ? undefined : 'chromium missing') }, () => {
  const { path } = run();
  const htmlPath = exportHtml(sandbox, path, workDir);
  const dom = renderedDom(htmlPath);
  // 3 charts; a plotly table draws one main-svg, a line chart two (plot + overlay layers)
  assert.equal((dom.match(/class="embedlab-chart[^"]*"[^>]*data-drawn="1"/g) ?? []).length, 3, 'all 3 charts drawn');
  assert.ok(countPlotlySvgs(dom) >= 3, `plotly drew ${countPlotlySvgs(dom)} svg roots`);
  assert.doesNotMatch(dom, /waiting for plotly\.js/);
});
