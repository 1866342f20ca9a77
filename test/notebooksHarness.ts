/**
 * Drives real Jupyter for the kernel, widget and notebook tests: installs
 * the kernelspec into a temporary JUPYTER_PATH, executes notebooks with
 * nbclient (test/notebook_runner.py), exports them to HTML and renders
 * pages in headless Chromium with every host unreachable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
/** Debian's Python has Jupyter; a pyenv `python3` earlier on PATH may not. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  existsSync(p),
);

/** Why Jupyter tests cannot run here, or undefined when they can. */
export function jupyterMissing(): string | undefined {
  const jupyter = spawnSync('jupyter', ['kernelspec', '--version'], { encoding: 'utf8' });
  if (jupyter.status !== 0) return 'jupyter is not installed (apt-get install jupyter-client jupyter-nbconvert)';
  const py = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, jupyter_kernel_test'], { encoding: 'utf8' });
  if (py.status !== 0) return `${PYTHON} lacks nbclient/jupyter_kernel_test (apt-get install python3-nbclient python3-jupyter-kernel-test)`;
  return undefined;
}

export interface JupyterSandbox {
  /** Environment with JUPYTER_PATH/JUPYTER_RUNTIME_DIR inside the sandbox. */
  env: NodeJS.ProcessEnv;
  prefix: string;
  kernelName: string;
  /** Runs `embedlab <args>` with the sandbox environment. */
  cli(args: string[]): { status: number | null; stdout: string; stderr: string };
}

/** A temp prefix with the kernel installed by `embedlab kernel install --prefix`. */
export function installKernelSandbox(kernelName = 'embedlab-test'): JupyterSandbox {
  const prefix = mkdtempSync(join(tmpdir(), 'embedlab-jupyter-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
    JUPYTER_RUNTIME_DIR: join(prefix, 'runtime'),
    JUPYTER_PLATFORM_DIRS: '1',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const installed = cli(['kernel', 'install', '--prefix', prefix, '--name', kernelName]);
  if (installed.status !== 0) throw new Error(`kernel install failed: ${installed.stderr}`);
  return { env, prefix, kernelName, cli };
}

/** A notebook cell as nbformat 4 stores it. */
export interface Cell {
  cell_type: 'code' | 'markdown';
  source: string | string[];
  metadata: { tags?: string[]; embedlab_test?: { status: string; seconds: number } } & Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
}
export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  execution_count?: number;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function codeCell(source: string, tags?: string[]): Cell {
  return { cell_type: 'code', source, metadata: tags ? { tags } : {}, outputs: [], execution_count: null };
}

export function notebook(cells: Cell[], kernelName: string): Notebook {
  return {
    cells,
    metadata: { kernelspec: { name: kernelName, display_name: 'TypeScript (embedlab)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join('') : value ?? '';
}

export interface ExecutedNotebook {
  notebook: Notebook;
  path: string;
  status: number | null;
  stderr: string;
  seconds: number;
}

/** Executes `path` with nbclient; writes `<name>.executed.ipynb` into `outDir`. */
export function executeNotebook(sandbox: JupyterSandbox, path: string, outDir: string, timeoutS = 600): ExecutedNotebook {
  const out = join(outDir, path.replace(/^.*\//, '').replace(/\.ipynb$/, '.executed.ipynb'));
  const started = performance.now();
  const run = spawnSync(
    PYTHON,
    [join(REPO_ROOT, 'test', 'notebook_runner.py'), path, out, sandbox.kernelName, String(timeoutS)],
    { env: sandbox.env, encoding: 'utf8', timeout: (timeoutS + 60) * 1000 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (!existsSync(out)) throw new Error(`notebook run wrote nothing (status ${run.status}): ${run.stderr}`);
  return { notebook: JSON.parse(readFileSync(out, 'utf8')) as Notebook, path: out, status: run.status, stderr: run.stderr, seconds };
}

/** Writes a generated notebook into `dir` and executes it there. */
export function runGeneratedNotebook(sandbox: JupyterSandbox, dir: string, name: string, cells: Cell[]): ExecutedNotebook {
  const path = join(dir, `${name}.ipynb`);
  writeFileSync(path, JSON.stringify(notebook(cells, sandbox.kernelName), null, 1));
  return executeNotebook(sandbox, path, dir);
}

/** `jupyter nbconvert --to html` of an executed notebook; returns the HTML path. */
export function exportHtml(sandbox: JupyterSandbox, executedPath: string, outDir: string): string {
  execFileSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', outDir, executedPath], {
    env: sandbox.env,
    stdio: 'pipe',
  });
  return join(outDir, executedPath.replace(/^.*\//, '').replace(/\.ipynb$/, '.html'));
}

const OFFLINE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // No host resolves: the page must draw from what it carries.
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--proxy-server=127.0.0.1:9',
  '--hide-scrollbars',
];

/** The DOM after scripts ran (virtual time lets timers and the bundle finish). */
export function renderedDom(htmlPath: string, budgetMs = 20000): string {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  const profile = mkdtempSync(join(tmpdir(), 'embedlab-chromium-'));
  return execFileSync(
    CHROMIUM,
    [...OFFLINE_FLAGS, `--user-data-dir=${profile}`, `--virtual-time-budget=${budgetMs}`, '--dump-dom', `file://${htmlPath}`],
    { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
  );
}

/** Writes a PNG screenshot of the page (for a person to look at) and returns its path. */
export function screenshot(htmlPath: string, pngPath: string, size = '1280,2400', budgetMs = 20000): string {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  mkdirSync(resolve(pngPath, '..'), { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'embedlab-chromium-'));
  execFileSync(
    CHROMIUM,
    [
      ...OFFLINE_FLAGS,
      `--user-data-dir=${profile}`,
      `--virtual-time-budget=${budgetMs}`,
      `--window-size=${size}`,
      `--screenshot=${pngPath}`,
      `file://${htmlPath}`,
    ],
    { stdio: 'pipe', timeout: 120_000 },
  );
  return pngPath;
}

/** How many plotly SVG roots (`<svg class="main-svg"…>`) a DOM holds. */
export function countPlotlySvgs(dom: string): number {
  return (dom.match(/<svg[^>]*class="main-svg"/g) ?? []).length;
}

/** Outputs of one cell that carry a MIME type. */
export function outputsWith(cell: Cell, mime: string): Output[] {
  return (cell.outputs ?? []).filter((o) => o.data && mime in o.data);
}
