/**
 * plotly.js for pages with no internet: the minified bundle from the
 * `plotly.js-dist-min` package, inlined into the page.
 *
 * In a notebook the bundle is embedded once, in the first chart's output; the
 * other charts wait for `window.Plotly` (outputs may render in any order, and
 * JupyterLab renders cells lazily), so a notebook saved with its outputs, or
 * exported by nbconvert to HTML, draws every chart offline.
 */
import { readFileSync } from 'node:fs';
import { kernelCellState } from '../kernel/cellTracking';

/** Fired on `window` once the bundle has run. */
export const PLOTLY_READY_EVENT = 'embedlab:plotly-ready';

let bundleSource: string | undefined;

/** The plotly.js bundle's JavaScript source. */
export function plotlySource(): string {
  bundleSource ??= readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
  return bundleSource;
}

/** The plotly.js version that gets embedded. */
export function plotlyVersion(): string {
  return /plotly\.js v([\d.]+)/.exec(plotlySource().slice(0, 200))?.[1] ?? 'unknown';
}

/**
 * `<script>` elements that define `window.Plotly` and announce it with
 * {@link PLOTLY_READY_EVENT}. `</script` inside the source is escaped so the
 * element cannot end early.
 */
export function plotlyScriptTag(): string {
  const source = plotlySource().replace(/<\/(script)/gi, '<\\/$1');
  return (
    `<script type="text/javascript">/* plotly.js ${plotlyVersion()}, embedded by embedlab */\n${source}\n</script>\n` +
    `<script type="text/javascript">window.dispatchEvent(new Event(${JSON.stringify(PLOTLY_READY_EVENT)}));</script>\n`
  );
}

/** Where the bundle went into the notebook (undefined: not yet, or lost). */
let embedded: { cellKey?: string; execution?: number; session?: string } | undefined;

/**
 * Whether the next chart shown in the notebook must carry the bundle: none
 * was embedded since the kernel started, the cell holding it ran again (the
 * front end cleared that output), or the request comes from another client
 * session — a reloaded page, which may have lost it.
 */
export function notebookNeedsPlotly(): boolean {
  if (!embedded) return true;
  const state = kernelCellState();
  if (!state || embedded.cellKey === undefined) return false;
  if (state.current?.session !== embedded.session) return true;
  return state.latestExecutionByCell.get(embedded.cellKey) !== embedded.execution;
}

/** Records that the running cell's output now holds the bundle. */
export function markPlotlyEmbedded(): void {
  const current = kernelCellState()?.current;
  embedded = { cellKey: current?.cellKey, execution: current?.execution, session: current?.session };
}

/** Forgets the embedding so that the next chart carries the bundle again. */
export function resetPlotlyEmbedding(): void {
  embedded = undefined;
}
