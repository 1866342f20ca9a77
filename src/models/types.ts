import type * as tf from '@tensorflow/tfjs';
import type { Matrix } from '../util/matrix';
import type { TokenBatch } from '../tokenizer/types';
import type { ModelCardData } from './export/cardData';

/** Options for {@link SentenceEmbedder.encode}. */
export interface EncodeOptions {
  /**
   * Texts per forward pass.
   * @default 32
   */
  batchSize?: number;
  /**
   * Matryoshka: keep the first N dimensions (then re-normalise when `normalize`).
   * @default the full width
   */
  truncateDim?: number;
  /**
   * L2-normalise the output rows.
   * @default what the model's modules say
   */
  normalize?: boolean;
  /** Literal prompt prepended to every text, e.g. "query: ". */
  prompt?: string;
  /** Name of a prompt in `config_sentence_transformers.json` (e.g. "query"). */
  promptName?: string;
  /** Called after each batch with texts done / total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops encoding between batches. */
  signal?: AbortSignal;
}

/**
 * What one training step holds in backend memory, by part (bytes). See
 * `miniBatchForMemory` in the trainer.
 */
export interface TrainingMemory {
  /** Independent of the batch: weights, their summed gradients and the largest gradient being added. */
  fixedBytes: number;
  /** Per text of the whole batch, kept on the tape until the backward pass reaches it (each layer's input). */
  bytesPerText: number;
  /** Per text of the mini-batch being forwarded or back-propagated (one layer's activations and gradients). */
  bytesPerTextInFlight: number;
  /**
   * Per text of the whole batch and per layer that keeps its activations on
   * the tape instead of recomputing them in the backward pass (0 for models
   * that never recompute).
   */
  bytesPerTextPerKeptLayer: number;
  /** Layers that may keep their activations (see `ModelForwardOptions.keptLayers`). */
  layers: number;
}

/** Options of a differentiable forward pass (`SentenceEmbedder.forward`). */
export interface ModelForwardOptions {
  /**
   * Dropout on.
   * @default false
   */
  training?: boolean;
  /**
   * For encoders that recompute layers in the backward pass: how many of the
   * top layers keep their activations on the tape instead (no recomputation:
   * faster, more memory). The trainer picks it from the memory budget
   * (`keptLayersForMemory`); the values and gradients are the same either way.
   * @default 0
   */
  keptLayers?: number;
}

/**
 * What the trainer, evaluator, miner and CLI need from a sentence-embedding
 * model (BERT-family transformer + pooling, or static embeddings).
 */
export interface SentenceEmbedder {
  /** Output dimension of `forward` / `encode`. */
  readonly dimension: number;
  /** Longest token sequence the model reads; longer texts are truncated. */
  readonly maxSeqLength: number;
  /** Tokenise with padding to the longest text and truncation to maxSeqLength. */
  tokenize(texts: string[]): TokenBatch;
  /**
   * Differentiable sentence embeddings `[batchSize, dimension]` (pooled, and
   * L2-normalised when the model has a Normalize module). The caller owns the
   * returned tensor. `training` turns on dropout.
   */
  forward(batch: TokenBatch, options?: ModelForwardOptions): tf.Tensor2D;
  /**
   * Whether a taped `forward` keeps only each layer's input and recomputes the
   * layer in the backward pass. The trainer then replaces GradCache's two
   * passes by one taped pass over the mini-batches (same loss and gradients).
   */
  readonly recomputesActivations?: boolean;
  /** An estimate of a training step's memory for texts of `seqLength` tokens (undefined: the model does not know). */
  trainingMemory?(seqLength: number): TrainingMemory | undefined;
  /** Trainable weights keyed by their Hugging Face tensor names. */
  namedWeights(): Map<string, tf.Variable>;
  /** Batched inference to a float32 matrix, in input order. */
  encode(texts: string[], options?: EncodeOptions): Promise<Matrix>;
  /**
   * `encode` for search queries: without `prompt`/`promptName` it uses the
   * model's prompt named "query", if any (sentence-transformers `encode_query`).
   */
  encodeQuery?(texts: string[], options?: EncodeOptions): Promise<Matrix>;
  /**
   * `encode` for documents: without `prompt`/`promptName` it uses the model's
   * prompt named "document", "passage" or "corpus", the first that exists
   * (sentence-transformers `encode_document`).
   */
  encodeDocument?(texts: string[], options?: EncodeOptions): Promise<Matrix>;
  /**
   * Writes a folder sentence-transformers loads unchanged: a new or empty folder, or one embedlab
   * wrote (`overwrite` writes into any other, deleting nothing); never the folder the model was read from.
   */
  save(dir: string, options?: { overwrite?: boolean }): Promise<void>;
  /** What the model card written by `save` says: lineage, training details, evaluation results. */
  readonly cardData?: ModelCardData;
  dispose(): void;
}
