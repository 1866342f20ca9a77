/** The numbers behind a progress bar, and their text form — shared by the notebook and terminal bars. */
import type { ProgressInfo } from '../src/train/finetune';
import { formatNumber } from './html';

/**
 * A training report: {@link ProgressInfo} as `finetune`'s `onProgress` gives it,
 * or any part of one that has `step` and `totalSteps`.
 */
export type TrainingProgress = Pick<ProgressInfo, 'step' | 'totalSteps'> & Partial<ProgressInfo>;

/**
 * A progress callback for both shapes embedlab reports: training
 * `({ step, totalSteps, loss, lr, examplesPerSec, etaSeconds })` and
 * encoding / evaluation `(done, total)`.
 */
export interface ProgressCallback {
  (progress: TrainingProgress): void;
  (done: number, total: number): void;
}

/** A snapshot ready to print. */
export interface ProgressSnapshot {
  label: string;
  done: number;
  total: number;
  /** 0..1 */
  fraction: number;
  unit: string;
  /** Training: the mean loss of the last {@link LOSS_WINDOW} steps. */
  loss?: number;
  lr?: number;
  epoch?: number;
  rate?: number;
  rateUnit: string;
  etaSeconds?: number;
  elapsedSeconds: number;
  status: 'running' | 'finished' | 'stopped' | 'failed';
  note?: string;
}

/** Steps in the running mean of the loss on a progress bar. */
export const LOSS_WINDOW = 20;

/** Turns callback arguments into snapshots; computes rate and ETA when the reporter gives none. */
export class ProgressTracker {
  private readonly started: number;
  private last: ProgressSnapshot;
  /** The latest training losses, for the running mean the bar shows. */
  private readonly losses: number[] = [];

  constructor(
    readonly label: string,
    private readonly options: { unit?: string; now?: () => number } = {},
  ) {
    this.started = this.now();
    this.last = this.snapshot(0, 0, {});
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  private snapshot(done: number, total: number, extra: Partial<ProgressSnapshot>): ProgressSnapshot {
    const elapsedSeconds = (this.now() - this.started) / 1000;
    const rate = extra.rate ?? (elapsedSeconds > 0 && done > 0 ? done / elapsedSeconds : undefined);
    const remaining = Math.max(total - done, 0);
    const etaSeconds = extra.etaSeconds ?? (rate && rate > 0 ? remaining / rate : undefined);
    return {
      label: this.label,
      done,
      total,
      fraction: total > 0 ? Math.min(done / total, 1) : 0,
      unit: extra.unit ?? this.options.unit ?? 'items',
      rateUnit: extra.rateUnit ?? `${this.options.unit ?? 'items'}/s`,
      elapsedSeconds,
      status: 'running',
      ...extra,
      rate,
      etaSeconds,
    };
  }

  /** Records a report in either callback shape. */
  update(first: TrainingProgress | number, total?: number): ProgressSnapshot {
    if (typeof first === 'number') {
      this.last = this.snapshot(first, total ?? this.last.total, {});
    } else {
      this.last = this.snapshot(first.step, first.totalSteps, {
        unit: 'steps',
        loss: this.runningLoss(first.loss),
        lr: first.lr,
        epoch: first.epoch,
        // The trainer knows examples per second; steps per second would mislead.
        rate: first.examplesPerSec,
        rateUnit: first.examplesPerSec !== undefined ? 'examples/s' : 'steps/s',
        etaSeconds: first.etaSeconds,
      });
    }
    return this.last;
  }

  /**
   * The mean loss of the last {@link LOSS_WINDOW} steps: one step's loss is
   * noisy, and a short last batch (fewer in-batch negatives) reads far lower.
   */
  private runningLoss(loss: number | undefined): number | undefined {
    if (loss === undefined || !Number.isFinite(loss)) return loss;
    this.losses.push(loss);
    if (this.losses.length > LOSS_WINDOW) this.losses.shift();
    return this.losses.reduce((a, b) => a + b, 0) / this.losses.length;
  }

  /** The latest snapshot with a final status. */
  end(status: 'finished' | 'stopped' | 'failed', note?: string): ProgressSnapshot {
    const elapsedSeconds = (this.now() - this.started) / 1000;
    this.last = { ...this.last, status, note, elapsedSeconds, etaSeconds: status === 'finished' ? 0 : undefined };
    if (status === 'finished' && this.last.total > 0 && this.last.done < this.last.total) {
      this.last = { ...this.last, done: this.last.total, fraction: 1 };
    }
    return this.last;
  }

  get current(): ProgressSnapshot {
    return this.last;
  }
}

/** "1:05", "12:03:09" */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The details after the bar: "step 12/40  loss 0.8123  lr 2.0e-5  15.2 examples/s  ETA 0:42". */
export function progressDetails(s: ProgressSnapshot): string {
  const parts = [`${s.unit === 'steps' ? 'step ' : ''}${s.done}/${s.total}${s.unit === 'steps' ? '' : ` ${s.unit}`}`];
  if (s.epoch !== undefined) parts.push(`epoch ${formatNumber(s.epoch, 2)}`);
  if (s.loss !== undefined) parts.push(`loss ${formatNumber(s.loss)}`);
  if (s.lr !== undefined) parts.push(`lr ${s.lr.toExponential(1)}`);
  if (s.rate !== undefined) parts.push(`${s.rate >= 100 ? s.rate.toFixed(0) : s.rate.toFixed(1)} ${s.rateUnit}`);
  if (s.status === 'running') parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  else parts.push(`${s.status === 'finished' ? 'done' : s.status} in ${formatDuration(s.elapsedSeconds)}`);
  if (s.note) parts.push(s.note);
  return parts.join('  ');
}

/** One text line: "Fine-tuning [██████░░░░░░]  40%  step 12/30 …". */
export function progressLine(s: ProgressSnapshot, barWidth = 20): string {
  const filled = Math.round(s.fraction * barWidth);
  const bar = '█'.repeat(filled) + '░'.repeat(barWidth - filled);
  const percent = `${Math.floor(s.fraction * 100)}%`.padStart(4);
  return `${s.label} [${bar}] ${percent}  ${progressDetails(s)}`;
}
