/**
 * A BERT encoder (Hugging Face `BertModel`, eager semantics) in TensorFlow.js
 * ops: embeddings (word + token type, then + position) → LayerNorm → N post-LN
 * layers of multi-head self-attention (padded keys masked additively) and a
 * GELU feed-forward block → optional tanh pooler over the first token.
 *
 * @example
 * const encoder = BertEncoder.fromTensors(config, loadModelWeights(dir), dir);
 * const { lastHiddenState } = encoder.forward(tokenizer.encodeBatch(['hello']));
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../util/random';
import type { TokenBatch } from '../../tokenizer/types';
import type { HostTensor } from '../safetensors/dtypes';
import type { ForwardOptions, TransformerEncoder } from '../transformer/encoder';
import type { TrainingMemory } from '../types';
import { activation, attentionCore, dropout, embeddingLookup, layerNorm, linear } from '../ops';
import type { InferenceGraph } from '../onnx/inferenceGraph';
import { bertInferenceGraph } from './bertGraph';
import { recomputeLayer, type SeedSource } from '../recompute';
import type { BertConfig } from './config';
import { bertHostTensors, bertVariables } from './weights';

export interface BertOutput {
  /** `[batch, seq, hidden]`. */
  lastHiddenState: tf.Tensor3D;
  /** `tanh(W·h[:, 0] + b)`, `[batch, hidden]`, when the model has a pooler. */
  poolerOutput?: tf.Tensor2D;
}

/** Added to attention scores of padded keys: exp() of it underflows to exactly 0. */
const MASKED = -1e9;

export class BertEncoder implements TransformerEncoder<BertConfig> {
  private dropoutRandom: Random;
  /** Each layer (and the embedding block) is recomputed in the backward pass (see {@link recomputeLayer}). */
  readonly recomputesActivations = true;

  constructor(
    readonly config: BertConfig,
    /** Hugging Face name → variable (Linear weights `[in, out]`). */
    readonly variables: Map<string, tf.Variable>,
    dropoutSeed = 0,
  ) {
    this.dropoutRandom = new Random(dropoutSeed);
  }

  /** Builds the encoder from checkpoint tensors (see {@link bertVariables}). */
  static fromTensors(config: BertConfig, tensors: Map<string, HostTensor>, source: string): BertEncoder {
    return new BertEncoder(config, bertVariables(config, tensors, source));
  }

  get hasPooler(): boolean {
    return this.variables.has('pooler.dense.weight');
  }

  /** Reseeds the dropout masks used by `forward(…, {training: true})`. */
  seedDropout(seed: number): void {
    this.dropoutRandom = new Random(seed);
  }

  /**
   * Runs the encoder; the caller owns (and disposes) the returned tensors.
   * Under a gradient tape each layer keeps only its input and is recomputed
   * in the backward pass (see {@link recomputeLayer}), except the top
   * `keptLayers`, which keep every intermediate instead (same values, faster,
   * far more memory); with every layer kept, the embedding block is too.
   */
  forward(batch: TokenBatch, options: ForwardOptions = {}): BertOutput {
    const training = options.training ?? false;
    const layers = this.config.numHiddenLayers;
    const kept = Math.floor(options.keptLayers ?? 0);
    const firstKept = layers - (Number.isNaN(kept) ? 0 : Math.min(Math.max(0, kept), layers));
    const { hiddenSize: hidden, layerNormEps: eps } = this.config;
    const { batchSize: b, seqLength: len } = batch;
    if (len > this.config.maxSequenceLength) {
      throw new RangeError(`sequence length ${len} exceeds the ${this.config.maxSequenceLength} positions of max_position_embeddings ${this.config.maxPositionEmbeddings}`);
    }
    const w = (name: string) => this.matrix(name);
    const v = (name: string) => this.vector(name);
    const hiddenRate = this.config.hiddenDropoutProb;
    const dropFrom = (seeds: SeedSource) => <T extends tf.Tensor>(x: T, rate: number) => dropout(x, rate, training, seeds);
    const drop = dropFrom(this.dropoutRandom);

    return tf.tidy(() => {
      const ids = tf.tensor1d(batch.inputIds, 'int32');
      const typeIds = tf.tensor1d(batch.tokenTypeIds, 'int32');
      const words = embeddingLookup(w('embeddings.word_embeddings.weight'), ids);
      const types = embeddingLookup(w('embeddings.token_type_embeddings.weight'), typeIds);
      // + positions → LayerNorm → dropout, recomputed in the backward pass like a layer
      const embed = (h: tf.Tensor, drop: <T extends tf.Tensor>(x: T, rate: number) => T) => {
        const summed = tf.add(tf.reshape(h, [b, len, hidden]), this.positionEmbeddings(batch));
        const normed = layerNorm(summed, v('embeddings.LayerNorm.weight'), v('embeddings.LayerNorm.bias'), eps);
        return tf.reshape(drop(normed, hiddenRate), [b * len, hidden]) as tf.Tensor2D;
      };
      const tokens = tf.add(words, types) as tf.Tensor2D;
      const embeddingWeights = ['position_embeddings.weight', 'LayerNorm.weight', 'LayerNorm.bias'].map((n) => this.variables.get(`embeddings.${n}`)!);
      let x = firstKept > 0
        ? recomputeLayer((h, _, seeds) => embed(h, dropFrom(seeds)), tokens, [], embeddingWeights, this.dropoutRandom)
        : embed(tokens, drop);

      // [b, 1, 1, len]: 0 for real keys, MASKED for padding
      const maskAdd = tf.reshape(
        tf.mul(tf.sub(1, tf.tensor1d(batch.attentionMask, 'float32')), MASKED),
        [b, 1, 1, len],
      );

      for (let i = 0; i < layers; i++) {
        // Each layer in its own tidy: a forward pass holds one layer's
        // intermediates at a time instead of every layer's until the end.
        const input = x;
        x = i < firstKept
          ? recomputeLayer((h, [mask], seeds) => this.layer(i, h as tf.Tensor2D, mask!, training, seeds), input, [maskAdd], this.layerWeights(i), this.dropoutRandom)
          : tf.tidy(() => this.layer(i, input, maskAdd, training, this.dropoutRandom));
        input.dispose();
      }
      const lastHiddenState = tf.reshape(x, [b, len, hidden]) as tf.Tensor3D;
      if (!(options.pooler ?? false) || !this.hasPooler) return { lastHiddenState };
      const first = tf.reshape(tf.slice(lastHiddenState, [0, 0, 0], [b, 1, hidden]), [b, hidden]) as tf.Tensor2D;
      const poolerOutput = tf.tanh(linear(first, w('pooler.dense.weight'), v('pooler.dense.bias')));
      return { lastHiddenState, poolerOutput };
    });
  }

  /** Position embeddings to add to `[batch, seq, hidden]`: rows 0…seq−1, broadcast over the batch. */
  protected positionEmbeddings(batch: TokenBatch): tf.Tensor {
    return tf.slice(this.matrix('embeddings.position_embeddings.weight'), [0, 0], [batch.seqLength, this.config.hiddenSize]);
  }

  /** Row of the position table for each token, `[batch·seq]`: 0…seq−1 in every row. */
  protected positionIds(batch: TokenBatch): Int32Array {
    const out = new Int32Array(batch.batchSize * batch.seqLength);
    for (let at = 0; at < out.length; at++) out[at] = at % batch.seqLength;
    return out;
  }

  /** The inference forward pass on onnxruntime's fused kernels (see {@link bertInferenceGraph}). */
  inferenceGraph(): InferenceGraph {
    return bertInferenceGraph(this.config, this.variables, (batch) => this.positionIds(batch));
  }

  protected matrix(name: string): tf.Tensor2D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor2D;
  }

  /** The variables layer `i` reads (what its recomputed backward differentiates). */
  private layerWeights(i: number): tf.Variable[] {
    const prefix = `encoder.layer.${i}.`;
    return [...this.variables].filter(([name]) => name.startsWith(prefix)).map(([, variable]) => variable);
  }

  private vector(name: string): tf.Tensor1D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor1D;
  }

  /** One post-LN transformer layer: self-attention + feed-forward, each with residual and LayerNorm. */
  private layer(i: number, x: tf.Tensor2D, maskAdd: tf.Tensor, training: boolean, seeds: SeedSource): tf.Tensor2D {
    const { hiddenSize: hidden, numAttentionHeads: heads, layerNormEps: eps } = this.config;
    const b = maskAdd.shape[0]!;
    const len = maskAdd.shape[3]!;
    const headDim = hidden / heads;
    const scale = 1 / Math.sqrt(headDim);
    const w = (name: string) => this.matrix(name);
    const v = (name: string) => this.vector(name);
    const act = activation(this.config.hiddenAct)!;
    const hiddenRate = this.config.hiddenDropoutProb;
    const attentionRate = this.config.attentionProbsDropoutProb;
    const p = `encoder.layer.${i}`;
    const drop = <T extends tf.Tensor>(t: T, rate: number) => dropout(t, rate, training, seeds);
    const dense = (name: string, input: tf.Tensor2D) => linear(input, w(`${p}.${name}.weight`), v(`${p}.${name}.bias`));
    // heads: q, v → [b, heads, len, headDim]; k → [b, heads, headDim, len] so scores are a plain q·kᵀ
    const q = tf.transpose(tf.reshape(dense('attention.self.query', x), [b, len, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
    const kT = tf.transpose(tf.reshape(dense('attention.self.key', x), [b, len, heads, headDim]), [0, 2, 3, 1]) as tf.Tensor4D;
    const val = tf.transpose(tf.reshape(dense('attention.self.value', x), [b, len, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
    const dropoutSeed = training && attentionRate > 0 ? seeds.int(2 ** 31) : undefined;
    const heads4d = attentionCore(q, kT, val, maskAdd, { scale, dropoutRate: attentionRate, dropoutSeed });
    const context = tf.reshape(tf.transpose(heads4d, [0, 2, 1, 3]), [b * len, hidden]) as tf.Tensor2D;
    const attended = layerNorm(
      tf.add(drop(dense('attention.output.dense', context), hiddenRate), x) as tf.Tensor2D,
      v(`${p}.attention.output.LayerNorm.weight`),
      v(`${p}.attention.output.LayerNorm.bias`),
      eps,
    );
    const inner = act(dense('intermediate.dense', attended));
    return layerNorm(
      tf.add(drop(dense('output.dense', inner), hiddenRate), attended) as tf.Tensor2D,
      v(`${p}.output.LayerNorm.weight`),
      v(`${p}.output.LayerNorm.bias`),
      eps,
    );
  }

  /**
   * What a training step holds, for texts of `seqLength` tokens (float32):
   * the weights, their gradient sum and the largest gradient being added
   * (the word-embedding table's, once per mini-batch); each layer's input per
   * text on the tape; and, per text of the mini-batch being back-propagated,
   * one recomputed layer — its kept activations and their gradients, counted
   * as 32 hidden-sized, 8 intermediate-sized and 8 attention-map-sized
   * tensors (measured on wasm: a 12 × 768 layer at 128 tokens peaks near
   * 30 MB per text). A layer that keeps its activations holds about 14
   * hidden-sized, 2 intermediate-sized and 2 attention-map-sized tensors per
   * text until the backward pass reaches it (measured: 5.9 MB per 128-token
   * text for a 384-wide layer).
   */
  trainingMemory(seqLength: number): TrainingMemory {
    const { hiddenSize: h, intermediateSize: inter, numAttentionHeads: heads, numHiddenLayers: layers, vocabSize } = this.config;
    let params = 0;
    for (const variable of this.variables.values()) params += variable.size;
    const s = seqLength;
    return {
      fixedBytes: 4 * (2 * params + 2 * vocabSize * h),
      bytesPerText: 4 * (layers + 1) * s * h,
      bytesPerTextInFlight: 4 * (32 * s * h + 8 * s * inter + 8 * heads * s * s),
      bytesPerTextPerKeptLayer: 4 * (14 * s * h + 2 * s * inter + 2 * heads * s * s),
      layers,
    };
  }

  /** Weights as stored in `model.safetensors` (Hugging Face names, Linear `[out, in]`). */
  hostTensors(): Promise<Map<string, HostTensor>> {
    return bertHostTensors(this.config, this.variables);
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
  }
}
