/**
 * Position ids of RoBERTa-style embeddings (XLM-RoBERTa, MPNet): real tokens
 * count from `padding_idx + 1`, padding tokens sit at `padding_idx` —
 * transformers' `create_position_ids_from_input_ids`,
 * `cumsum(ids != padding_idx) · (ids != padding_idx) + padding_idx`.
 */
import type { TokenBatch } from '../../tokenizer/types';

/** Row-major `[batch, seq]` position ids of `batch` (a token equal to `paddingIdx` counts as padding, as upstream). */
export function paddedPositionIds(batch: TokenBatch, paddingIdx: number): Int32Array {
  const { inputIds, batchSize, seqLength } = batch;
  const out = new Int32Array(batchSize * seqLength);
  for (let row = 0; row < batchSize; row++) {
    let count = 0;
    for (let j = 0; j < seqLength; j++) {
      const at = row * seqLength + j;
      const real = inputIds[at] !== paddingIdx;
      if (real) count++;
      out[at] = real ? count + paddingIdx : paddingIdx;
    }
  }
  return out;
}
