/**
 * Progress bars for encoding and training: live in a notebook cell, a single
 * line in a terminal. Both take the callbacks embedlab reports progress with.
 */
import { escapeHtml } from './html';
import {
  ProgressTracker,
  progressDetails,
  progressLine,
  type ProgressCallback,
  type ProgressSnapshot,
  type TrainingProgress,
} from './progressState';
import { inTslab, LiveDisplay } from './tslabBridge';
import { ownProgress, setDefaultProgress } from '../src/util/longCall';

/** A progress callback that can also be closed. */
export interface ProgressBar extends ProgressCallback {
  readonly label: string;
  /** The latest numbers. */
  readonly snapshot: ProgressSnapshot;
  /** Shows the final state (100%, elapsed time). */
  finish(note?: string): void;
  /** Shows that the work stopped early (interrupted): where it got to, not 100%. */
  stop(note?: string): void;
  /** Shows that the work stopped with an error. */
  fail(error?: unknown): void;
  /** Removes the bar (nothing was done). */
  dismiss(): void;
}

/** Options of every progress bar. */
export interface ProgressOptions {
  /**
   * What the `(done, total)` form counts, e.g. "texts".
   * @default "items"
   */
  unit?: string;
  /**
   * Least time between two redraws, in ms; the last report always draws.
   * @default 150 in a notebook, 100 in a terminal (0 without a TTY)
   */
  minIntervalMs?: number;
}

/** Options of {@link terminalProgress} (and {@link progressBar} outside a notebook). */
export interface TerminalProgressOptions extends ProgressOptions {
  /**
   * Where to write.
   * @default process.stderr
   */
  stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /**
   * Without a TTY, print a line each time progress crosses a multiple of this many percent.
   * @default 10
   */
  everyPercent?: number;
}

function makeBar(
  label: string,
  options: ProgressOptions,
  minIntervalMs: number,
  draw: (snapshot: ProgressSnapshot, final: boolean) => void,
  clear: () => void,
): ProgressBar {
  const tracker = new ProgressTracker(label, { unit: options.unit });
  let lastDraw = -Infinity;
  let closed = false;
  const report = ((first: TrainingProgress | number, total?: number) => {
    if (closed) return;
    const snapshot = tracker.update(first, total);
    const now = performance.now();
    const complete = snapshot.total > 0 && snapshot.done >= snapshot.total;
    if (complete || now - lastDraw >= minIntervalMs) {
      lastDraw = now;
      draw(snapshot, false);
    }
  }) as ProgressBar;
  const close = (status: 'finished' | 'stopped' | 'failed', note: string | undefined) => {
    if (closed) return;
    closed = true;
    draw(tracker.end(status, note), true);
  };
  Object.defineProperties(report, {
    label: { value: label },
    snapshot: { get: () => tracker.current },
    finish: { value: (note?: string) => close('finished', note) },
    stop: { value: (note?: string) => close('stopped', note) },
    fail: {
      value: (error?: unknown) =>
        close('failed', error instanceof Error ? error.message : error === undefined ? undefined : String(error)),
    },
    dismiss: {
      value: () => {
        if (closed) return;
        closed = true;
        clear();
      },
    },
  });
  return report;
}

function barHtml(s: ProgressSnapshot): string {
  const percent = Math.floor(s.fraction * 100);
  const color = { failed: '#d1242f', stopped: '#bc4c00', finished: '#1a7f37', running: '#2f6fbf' }[s.status];
  return (
    `<div class="embedlab-progress" data-status="${s.status}" data-done="${s.done}" data-total="${s.total}" ` +
    `style="font:13px/1.4 system-ui,sans-serif;margin:4px 0">` +
    `<div style="display:flex;align-items:center;gap:10px">` +
    `<b style="min-width:7em">${escapeHtml(s.label)}</b>` +
    `<div style="flex:0 0 260px;height:12px;background:#eaeef2;border-radius:6px;overflow:hidden">` +
    `<div style="width:${(s.fraction * 100).toFixed(1)}%;height:100%;background:${color}"></div></div>` +
    `<span style="min-width:3em;text-align:right">${percent}%</span></div>` +
    `<div style="color:#57606a;font-family:ui-monospace,monospace;font-size:12px">${escapeHtml(progressDetails(s))}</div>` +
    `</div>`
  );
}

/**
 * A progress bar in the running notebook cell, redrawn in place
 * (`update_display_data`). It appears at once, in the cell that creates it;
 * await the work in that cell so the cell stays busy until it ends.
 *
 * @example
 * const bar = notebookProgress('Encoding', { unit: 'texts' });
 * const embeddings = await model.encode(texts, { onProgress: bar });
 * bar.finish();
 */
export function notebookProgress(label: string, options: ProgressOptions = {}): ProgressBar {
  const display = new LiveDisplay();
  const draw = (s: ProgressSnapshot) => display.show({ 'text/html': barHtml(s), 'text/plain': progressLine(s) });
  const clear = () => display.show({ 'text/plain': '' });
  const bar = makeBar(label, options, options.minIntervalMs ?? 150, draw, clear);
  draw(bar.snapshot);
  return bar;
}

/**
 * A one-line progress bar on stderr, rewritten with `\r` on a terminal; when
 * stderr is not a terminal (CI logs, pipes) it prints a line every
 * `everyPercent` instead.
 *
 * @example
 * const bar = terminalProgress('Fine-tuning');
 * await finetune(model, rows, { onProgress: bar });
 * bar.finish();
 */
export function terminalProgress(label: string, options: TerminalProgressOptions = {}): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const every = options.everyPercent ?? 10;
  let lastBucket = -1;
  let lastLength = 0;
  const draw = (s: ProgressSnapshot, final: boolean) => {
    const line = progressLine(s);
    if (stream.isTTY) {
      const width = stream.columns ?? 120;
      const text = line.length >= width ? line.slice(0, width - 1) : line;
      stream.write(`\r${text}${' '.repeat(Math.max(0, lastLength - text.length))}${final ? '\n' : ''}`);
      lastLength = text.length;
      return;
    }
    const bucket = Math.floor((s.fraction * 100) / every);
    if (final || bucket > lastBucket) {
      lastBucket = bucket;
      stream.write(`${line}\n`);
    }
  };
  const clear = () => {
    if (stream.isTTY && lastLength > 0) stream.write(`\r${' '.repeat(lastLength)}\r`);
  };
  return makeBar(label, options, options.minIntervalMs ?? (stream.isTTY ? 100 : 0), draw, clear);
}

/**
 * A notebook bar inside tslab, else a terminal bar.
 *
 * @example
 * const bar = progressBar('Encoding corpus', { unit: 'texts' });
 */
export function progressBar(label: string, options: TerminalProgressOptions = {}): ProgressBar {
  return inTslab() ? notebookProgress(label, options) : terminalProgress(label, options);
}

/**
 * The bar a long call (finetune, evaluate, encode, mining) opens when given
 * no `onProgress`: in a notebook, or on a terminal; nowhere else (logs, pipes,
 * tests).
 */
function defaultBar(label: string, unit?: string): ProgressBar | undefined {
  if (inTslab()) return notebookProgress(label, { unit });
  if (process.stderr.isTTY) return terminalProgress(label, { unit });
  return undefined;
}
setDefaultProgress(defaultBar as Parameters<typeof setDefaultProgress>[0]);

/**
 * Runs `work` with a progress bar and closes the bar when the work ends (or
 * marks it failed). Await it in the cell that starts the work, so every
 * update lands in that cell. embedlab's long calls show a bar by themselves;
 * use this for a label of your own or to count your own loop (the calls
 * inside then draw no bar of their own).
 *
 * @example
 * const result = await withProgress('Fine-tuning', (onProgress) => finetune(model, rows, { ...options, onProgress }));
 */
export async function withProgress<T>(
  label: string,
  work: (onProgress: ProgressBar) => Promise<T>,
  options: TerminalProgressOptions = {},
): Promise<T> {
  const bar = progressBar(label, options);
  try {
    // embedlab calls inside `work` draw into this bar only
    const result = await ownProgress(label, () => work(bar));
    bar.finish();
    return result;
  } catch (error) {
    bar.fail(error);
    throw error;
  }
}
