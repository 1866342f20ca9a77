import type { TrainingRow } from '../data/types';
import { rowTexts } from './rows';
import type { BatchSamplerName } from './sampler';
import type { RunSignature } from './types';

/** The batch settings a signature records beside the data. */
export interface SignatureSettings {
  batchSize: number;
  gradAccumSteps: number;
  seed: number;
  batchSampler: BatchSamplerName;
  dropLast: boolean;
  lossName: string;
}

/**
 * What a resumed run must share with the run that wrote the checkpoint: the
 * data (by hash) and every setting that decides which rows form which batch.
 */
export function runSignature(rows: TrainingRow[], negatives: number, settings: SignatureSettings): RunSignature {
  return {
    rows: rows.length,
    dataHash: hashRows(rows, negatives),
    batchSize: settings.batchSize,
    gradAccumSteps: settings.gradAccumSteps,
    seed: settings.seed,
    batchSampler: settings.batchSampler,
    dropLast: settings.dropLast,
    negatives,
    loss: settings.lossName,
  };
}

/** Each field that differs, as `batchSize was 8, now 4`. */
export function signatureChanges(saved: RunSignature | undefined, current: RunSignature): string[] {
  return (Object.keys(current) as (keyof RunSignature)[])
    .filter((k) => saved?.[k] !== current[k])
    .map((k) => `${k} was ${JSON.stringify(saved?.[k])}, now ${JSON.stringify(current[k])}`);
}

/** FNV-1a over every text the trainer uses (detects changed data on resume). */
function hashRows(rows: TrainingRow[], negatives: number): string {
  let h = 0x811c9dc5;
  for (const row of rows) {
    for (const text of rowTexts(row, negatives)) {
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 0x1f, 0x01000193);
    }
    if (row.score !== undefined) h = Math.imul(h ^ Math.round(row.score * 1e6), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
