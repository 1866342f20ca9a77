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
  /**
   * Tokens of a prompt at the start of every text (leading special token
   * included), left out of pooling when the model's Pooling has
   * `include_prompt: false`. Set by `encode` when a prompt is used.
   */
  promptLength?: number;
}
