/**
 * A tokenised, padded batch in row-major flat arrays of `batchSize × seqLength`
 * (padding to the longest sequence in the batch, on the right).
 */
export interface TokenBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batchSize: number;
  seqLength: number;
}
