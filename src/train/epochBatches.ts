import type { TrainingRow } from '../data/types';
import { EmbedlabError } from '../util/errors';
import { rowTexts } from './rows';
import { planEpoch, type BatchSamplerName } from './sampler';

/** What {@link epochBatches} needs. */
export interface EpochBatchOptions {
  batchSize: number;
  seed: number;
  batchSampler: BatchSamplerName;
  dropLast: boolean;
  /** Named in the error when duplicates leave only single-row batches. */
  lossName: string;
}

/**
 * The batches (row indices) of each epoch, planned on first use and kept.
 * An epoch's batches depend only on the seed and the epoch number, which is
 * what lets a resumed run continue mid-epoch. The first epoch is planned at
 * once, so batches that cannot be formed fail before any training.
 */
export function epochBatches(rows: TrainingRow[], negatives: number, options: EpochBatchOptions): (epoch: number) => number[][] {
  const { batchSize, seed, batchSampler, dropLast } = options;
  const textsOf = (i: number) => rowTexts(rows[i]!, negatives);
  const planned = new Map<number, number[][]>();
  const batchesFor = (epoch: number) => {
    let batches = planned.get(epoch);
    if (!batches) {
      batches = planEpoch(rows.length, textsOf, { batchSize, seed, epoch, sampler: batchSampler, dropLast });
      planned.set(epoch, batches);
    }
    return batches;
  };
  const first = batchesFor(0);
  if (first.length === 0) throw new EmbedlabError(`no full batch of ${batchSize} rows can be formed (dropLast is on)`);
  if (batchSampler === 'no-duplicates' && batchSize > 1 && first.every((b) => b.length < 2)) {
    throw new EmbedlabError(
      `every batch would hold a single row: all ${rows.length} training rows share texts with each other ` +
        `(duplicates are false negatives for ${options.lossName}, so the no-duplicates sampler keeps them apart). Remove the duplicates.`,
    );
  }
  return batchesFor;
}
