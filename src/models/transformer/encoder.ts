/**
 * What the generic sentence-transformers `Transformer` module needs from an
 * architecture: a parsed config, an encoder over token batches, and the way
 * back to a Hugging Face folder. Each architecture folder (`bert/`,
 * `xlmRoberta/`, `distilbert/`, `mpnet/`, …) provides one
 * {@link Architecture}; `architectures.ts` lists them.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../../tokenizer/types';
import type { HostTensor } from '../safetensors/dtypes';
import type { InferenceGraph } from '../onnx/inferenceGraph';
import type { ModelForwardOptions, TrainingMemory } from '../types';
import type { TensorSpec } from './weights';

/** The config fields every encoder has, under one set of names whatever config.json calls them. */
export interface EncoderConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  /** Longest token sequence the position embeddings cover (RoBERTa-style ids start after `padding_idx`). */
  maxSequenceLength: number;
  /** The config.json object as read. */
  raw: Record<string, unknown>;
}

export interface EncoderOutput {
  /** `[batch, seq, hidden]`. */
  lastHiddenState: tf.Tensor3D;
  /** `tanh(W·h[:, 0] + b)`, `[batch, hidden]`, when asked for and the model has a pooler. */
  poolerOutput?: tf.Tensor2D;
}

export interface ForwardOptions extends ModelForwardOptions {
  /**
   * Also compute the pooler output when the model has one.
   * @default false
   */
  pooler?: boolean;
}

/** A differentiable encoder whose weights are tfjs variables under their Hugging Face names. */
export interface TransformerEncoder<C extends EncoderConfig = EncoderConfig> {
  readonly config: C;
  /** Hugging Face name (no base-model prefix) → variable; Linear weights held `[in, out]`. */
  readonly variables: Map<string, tf.Variable>;
  /** Runs the encoder; the caller owns (and disposes) the returned tensors. */
  forward(batch: TokenBatch, options?: ForwardOptions): EncoderOutput;
  /** Reseeds the dropout masks used by `forward(…, { training: true })`. */
  seedDropout(seed: number): void;
  /**
   * The inference forward pass (no dropout, no pooler) as an ONNX graph over
   * the current weights, for onnxruntime; absent where the architecture has
   * none (it then encodes on tfjs).
   */
  inferenceGraph?(): InferenceGraph;
  /** Whether a taped forward keeps only each layer's input and recomputes the layer in the backward pass. */
  readonly recomputesActivations?: boolean;
  /** An estimate of a training step's memory for texts of `seqLength` tokens. */
  trainingMemory?(seqLength: number): TrainingMemory;
  /** The weights as `model.safetensors` stores them (Linear `[out, in]`). */
  hostTensors(): Promise<Map<string, HostTensor>>;
  dispose(): void;
}

/**
 * One architecture: how to recognise its config.json, parse it, build the
 * encoder from checkpoint tensors and write the config back so `transformers`
 * loads the saved folder unchanged.
 */
export interface Architecture<C extends EncoderConfig = EncoderConfig> {
  /** The `transformers` model class written to `architectures` on save, e.g. `BertModel`. */
  readonly modelClass: string;
  /** `model_type` values this entry runs; the first is written on save. */
  readonly modelTypes: readonly string[];
  /** Whether an `architectures` class name (the fallback when `model_type` is absent) is this architecture's. */
  matchesClass(className: string): boolean;
  /** A few checkpoints that use it, for error messages. */
  readonly examples: string;
  /** Validates config.json (`source` names it in errors) and fills transformers' defaults. */
  parseConfig(raw: Record<string, unknown>, source: string): C;
  /** Every tensor of the model, as the file stores it; `pooler` adds the pooler where the architecture has one. */
  tensorSpecs(config: C, options: { pooler: boolean }): TensorSpec[];
  /** Builds the encoder from checkpoint tensors (names with or without the base-model prefix). */
  fromTensors(config: C, tensors: Map<string, HostTensor>, source: string): TransformerEncoder<C>;
  /** The config.json to save: `model_type`, `architectures` and every field transformers reads. */
  configJson(config: C): Record<string, unknown>;
}
