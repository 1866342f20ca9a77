import type * as tf from '@tensorflow/tfjs';
import type { TextTokenizer } from '../tokenizer/textTokenizer';
import type { TokenBatch } from '../tokenizer/types';
import type { ModelForwardOptions, TrainingMemory } from './types';

/**
 * The first module of a sentence-transformers pipeline: the one that owns
 * the tokenizer and the weights (a Transformer, or a StaticEmbedding).
 */
export interface InputModule {
  /** `type` in modules.json, e.g. `sentence_transformers.models.Transformer`. */
  readonly moduleType: string;
  /** Folder (relative to the model folder) the module is saved in; `''` is the root. */
  readonly defaultPath: string;
  readonly tokenizer: TextTokenizer;
  /** `token_embeddings` `[batch, seq, dim]` need a Pooling module; `sentence_embedding` is `[batch, dim]`. */
  readonly produces: 'token_embeddings' | 'sentence_embedding';
  /** Size of the last axis of `forward`'s output. */
  readonly outputDimension: number;
  readonly maxSeqLength: number;
  /** Differentiable forward pass; the caller owns the result. */
  forward(batch: TokenBatch, options?: ModelForwardOptions): tf.Tensor;
  /**
   * `forward(batch)` on a faster inference engine (onnxruntime), or
   * undefined when the module encodes on tfjs. The caller owns the result.
   */
  infer?(batch: TokenBatch): Promise<tf.Tensor | undefined>;
  /** Trainable weights under their Hugging Face names. */
  namedWeights(): Map<string, tf.Variable>;
  /** Writes the module's files into `dir`. */
  save(dir: string): Promise<void>;
  /**
   * Whether a taped forward keeps only each layer's input and recomputes the
   * layer in the backward pass (transformer encoders), so memory under a tape
   * grows by one layer input per layer and text.
   */
  readonly recomputesActivations?: boolean;
  /** An estimate of a training step's memory (see `SentenceEmbedder.trainingMemory`). */
  trainingMemory?(seqLength: number): TrainingMemory | undefined;
  /** Reseeds dropout masks (modules without dropout ignore it). */
  seedDropout?(seed: number): void;
  /** A short description for the model card. */
  describe(): string;
  /** The module as sentence-transformers prints it in `str(model)`, e.g. `Transformer({'max_seq_length': 512, …})`. */
  pythonRepr?(): string;
  dispose(): void;
}
