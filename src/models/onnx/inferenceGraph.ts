/**
 * What an encoder hands to onnxruntime: its forward pass as a serialized ONNX
 * graph over its current weights, and the graph's inputs for a token batch.
 * The graph's one output is `last_hidden_state` `[batch, seq, hidden]`.
 */
import type { TokenBatch } from '../../tokenizer/types';

export interface InferenceFeed {
  data: Int32Array;
  dims: number[];
}

export interface InferenceGraph {
  /** The ModelProto bytes. */
  model: Uint8Array;
  /** Graph input name → int32 tensor for `batch`. */
  feeds(batch: TokenBatch): Record<string, InferenceFeed>;
}
