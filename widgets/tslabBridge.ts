/**
 * Sends rich output to the notebook from inside a tslab kernel.
 *
 * tslab's public `display.raw(type, value)` sends one MIME type per message;
 * a chart needs several in one message (HTML for Notebook and nbconvert,
 * `application/vnd.plotly.v1+json` for JupyterLab, plain text for consoles).
 * tslab keeps the current cell's `display_data` writer in its `jupyter`
 * module; the bridge finds that module next to the tslab the running cell
 * imports (`__tslab__.require('tslab')`), whichever copy of tslab it is.
 * Where that fails it falls back to the public API, HTML only.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

/** MIME type → content, as in a Jupyter `display_data` message. */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  message: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

interface TslabDisplay {
  raw(contentType: string, value: string | Uint8Array): unknown;
}
interface TslabPublic {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

interface TslabGlobal {
  require?: (id: string) => unknown;
}

/** True when this code runs inside a tslab kernel cell. */
export function inTslab(): boolean {
  const tslab = (globalThis as { __tslab__?: TslabGlobal }).__tslab__;
  return typeof tslab?.require === 'function';
}

let cached: { api: TslabPublic; jupyter?: { lastWriteDisplayData: WriteDisplayData | null } } | undefined;

function tslabModules(): typeof cached {
  if (cached) return cached;
  if (!inTslab()) return undefined;
  const api = (globalThis as unknown as { __tslab__: Required<TslabGlobal> }).__tslab__.require('tslab') as TslabPublic;
  const entry = Object.values(require.cache).find((m) => m?.exports === api);
  const jupyterModule = entry ? require.cache[join(dirname(entry.filename), 'jupyter.js')] : undefined;
  const jupyter = jupyterModule?.exports as { lastWriteDisplayData?: unknown } | undefined;
  cached = { api, jupyter: jupyter && 'lastWriteDisplayData' in jupyter ? (jupyter as never) : undefined };
  return cached;
}

function plainText(bundle: MimeBundle): string {
  const text = bundle['text/plain'];
  return typeof text === 'string' ? text : '';
}

function newDisplayId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Shows a MIME bundle in the running cell; outside a notebook prints its
 * `text/plain` part to stdout.
 *
 * @example
 * displayBundle({ 'text/html': '<b>done</b>', 'text/plain': 'done' });
 */
export function displayBundle(bundle: MimeBundle): void {
  new LiveDisplay().show(bundle);
}

/**
 * One output that can be replaced in place: the first `show` sends
 * `display_data` with a display id, later ones `update_display_data`, which
 * front ends apply to the output where it first appeared.
 */
export class LiveDisplay {
  readonly displayId = newDisplayId();
  private shown = false;
  private fallback?: TslabDisplay;

  show(bundle: MimeBundle): void {
    const modules = tslabModules();
    const update = this.shown;
    this.shown = true;
    if (!modules) {
      const text = plainText(bundle);
      if (!update && text) console.log(text);
      return;
    }
    const write = modules.jupyter?.lastWriteDisplayData;
    if (write) {
      write({ data: bundle, metadata: {}, transient: { display_id: this.displayId } }, update);
      return;
    }
    this.fallback ??= modules.api.newDisplay();
    const html = bundle['text/html'];
    if (typeof html === 'string') this.fallback.raw('text/html', html);
    else this.fallback.raw('text/plain', plainText(bundle));
  }
}
