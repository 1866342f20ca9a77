/**
 * A plotly figure that shows in a tslab notebook (offline), renders to an
 * HTML fragment, and saves as a standalone HTML page.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { writeFileAtomic } from '../src/util/fs';
import { checkOutput, GENERATOR_META } from '../src/util/outputs';
import { escapeHtml, jsonForScript } from './html';
import { markPlotlyEmbedded, notebookNeedsPlotly, plotlyScriptTag, PLOTLY_READY_EVENT } from './plotlyBundle';
import { displayBundle, inTslab, type MimeBundle } from './tslabBridge';

/** A plotly figure: traces, layout, config (see https://plotly.com/javascript/reference/). */
export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** The MIME type JupyterLab's plotly extension renders. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

const DEFAULT_CONFIG = { responsive: true, displaylogo: false };

/** Wraps a page body into a complete HTML document with plotly.js inlined once. */
export function standalonePage(title: string, body: string, options: { includePlotly?: boolean } = {}): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    GENERATOR_META,
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24}' +
      'table.embedlab-table{border-collapse:collapse;font-size:0.9rem}table.embedlab-table th,table.embedlab-table td{border:1px solid #d0d7de;padding:4px 8px;text-align:right}' +
      'table.embedlab-table th{background:#f6f8fa}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}</style>',
    options.includePlotly === false ? '' : plotlyScriptTag(),
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * One chart. Builders such as `metricByDimensionChart` return it; `show()`
 * displays it in the notebook, `saveHtml(path)` writes a page that works
 * with no internet.
 *
 * @example
 * const chart = new Chart({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: {} }, { title: 'Counts' });
 * chart.show();
 * await chart.saveHtml('runs/counts.html');
 */
export class Chart {
  readonly figure: PlotlyFigure;
  readonly title: string;
  private readonly text: string;

  constructor(figure: PlotlyFigure, options: { title: string; text?: string }) {
    this.title = options.title;
    this.text = options.text ?? options.title;
    this.figure = {
      data: figure.data,
      layout: { ...figure.layout, title: { text: options.title, ...(figure.layout.title as Record<string, unknown> | undefined) } },
      config: { ...DEFAULT_CONFIG, ...figure.config },
    };
  }

  /** Plain-text summary (what a console or `text/plain` shows). */
  toText(): string {
    return this.text;
  }

  /**
   * An HTML fragment (a `<div>` and a `<script>`) that draws the chart once
   * `window.Plotly` exists — at once, or when the bundle announces itself.
   * Until then the placeholder says why nothing is drawn.
   */
  toHtml(): string {
    const id = `embedlab-chart-${randomBytes(6).toString('hex')}`;
    const height = typeof this.figure.layout.height === 'number' ? this.figure.layout.height : 450;
    return (
      `<div class="embedlab-chart" id="${id}" style="width:100%;min-height:${height}px">` +
      // shown as long as no script runs: an untrusted notebook, or a viewer without scripts
      `<div class="embedlab-chart-placeholder" style="padding:1em;color:#57606a;font:13px sans-serif">` +
      `${escapeHtml(this.title)}: this chart is drawn by a script, which has not run here. In Jupyter, ` +
      `trust the notebook (File → Trust Notebook) or re-run the cell.</div></div>\n` +
      `<script type="text/javascript">(function () {\n` +
      `  var figure = ${jsonForScript(this.figure)};\n` +
      `  var el = document.getElementById(${JSON.stringify(id)});\n` +
      `  if (!el) return;\n` +
      `  function draw() {\n` +
      `    if (el.getAttribute('data-drawn')) return;\n` +
      `    el.setAttribute('data-drawn', '1');\n` +
      `    el.innerHTML = '';\n` +
      `    window.Plotly.newPlot(el, figure.data, figure.layout, figure.config);\n` +
      `  }\n` +
      `  if (window.Plotly) { draw(); return; }\n` +
      `  window.addEventListener(${JSON.stringify(PLOTLY_READY_EVENT)}, draw);\n` +
      // the bundle comes with the notebook's first chart, which may still be rendering: say so only when it did not come
      `  setTimeout(function () {\n` +
      `    if (window.Plotly || el.getAttribute('data-drawn')) return;\n` +
      `    var note = el.querySelector('.embedlab-chart-placeholder');\n` +
      `    if (note) note.textContent = ${jsonForScript(`${this.title}: plotly.js is not loaded in this page (it comes with the notebook's first chart). Re-run this cell — the kernel embeds plotly.js again — or run embedPlotly().`)};\n` +
      `  }, 3000);\n` +
      `})();</script>`
    );
  }

  /** The notebook output: HTML (with the plotly bundle when asked), plotly JSON, text. */
  mimeBundle(options: { includePlotly?: boolean } = {}): MimeBundle {
    const html = (options.includePlotly ? plotlyScriptTag() : '') + this.toHtml();
    return { 'text/html': html, [PLOTLY_MIME]: this.figure, 'text/plain': this.toText() };
  }

  /**
   * Shows the chart in the running notebook cell (the first chart of the
   * notebook also carries plotly.js); outside a notebook prints its text.
   */
  show(): void {
    displayBundle(this.notebookBundle());
  }

  /** The output for the running notebook: {@link mimeBundle}, carrying plotly.js when the page needs it. */
  notebookBundle(): MimeBundle {
    const includePlotly = inTslab() && notebookNeedsPlotly();
    const bundle = this.mimeBundle({ includePlotly });
    if (includePlotly) markPlotlyEmbedded();
    return bundle;
  }

  /** Short form for `console.log(chart)` and a cell's last value. */
  [inspect.custom](): string {
    return `Chart "${this.title}" (call .show() to draw it, .saveHtml(path) to save it)`;
  }

  /** A standalone HTML page with plotly.js inlined. */
  toStandaloneHtml(): string {
    return standalonePage(this.title, this.toHtml());
  }

  /**
   * Writes {@link toStandaloneHtml} to `path` atomically; returns the path. An existing file is
   * replaced only when embedlab wrote it, or with `overwrite`.
   */
  async saveHtml(path: string, options: { overwrite?: boolean } = {}): Promise<string> {
    checkOutput({ path, kind: 'file', name: 'saveHtml(path)', overwrite: options.overwrite, overwriteHint: '{ overwrite: true }' });
    await writeFileAtomic(path, this.toStandaloneHtml());
    return path;
  }
}

/**
 * Embeds plotly.js into the running cell's output now (for instance after
 * clearing the output that held it); later charts reuse it.
 */
export function embedPlotly(): void {
  displayBundle({ 'text/html': plotlyScriptTag(), 'text/plain': 'plotly.js embedded' });
  markPlotlyEmbedded();
}
