import type { ProgressInfo } from './types';

/** `1h02m`, `3m12s`, `45s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** One status line: `step 12/400 [###-------] 3% · epoch 0.12/4 · loss 1.2345 · lr 2.00e-5 · 31.2 ex/s · ETA 3m12s`. */
export function formatProgress(info: ProgressInfo, width = 20): string {
  const fraction = info.totalSteps > 0 ? Math.min(1, info.step / info.totalSteps) : 0;
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return (
    `step ${info.step}/${info.totalSteps} [${bar}] ${Math.floor(fraction * 100)}%` +
    ` · epoch ${info.epoch.toFixed(2)}/${info.epochs}` +
    ` · loss ${info.loss.toFixed(4)} · lr ${info.lr.toExponential(2)}` +
    ` · ${info.examplesPerSec.toFixed(1)} ex/s · ETA ${formatDuration(info.etaSeconds)}`
  );
}

/**
 * A single-line progress bar for terminals, redrawn in place on a TTY; on a
 * pipe or log file it prints a line every `everySeconds` (and at the end)
 * instead of flooding it.
 *
 * @example
 * await finetune(model, rows, { onProgress: terminalProgress() });
 */
export function terminalProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stderr,
  everySeconds = 30,
): (info: ProgressInfo) => void {
  let lastPrint = 0;
  return (info) => {
    const line = formatProgress(info);
    const done = info.step >= info.totalSteps;
    if (stream.isTTY) {
      const max = stream.columns ? stream.columns - 1 : line.length;
      stream.write(`\r${line.slice(0, max).padEnd(Math.min(max, line.length))}\x1b[K${done ? '\n' : ''}`);
      return;
    }
    const now = Date.now();
    if (done || now - lastPrint >= everySeconds * 1000) {
      lastPrint = now;
      stream.write(`${line}\n`);
    }
  };
}
