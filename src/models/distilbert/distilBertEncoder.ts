/**
 * A DistilBERT encoder (Hugging Face `DistilBertModel`, eager semantics):
 * word + position embeddings (no token types) → LayerNorm → N post-LN blocks
 * of multi-head self-attention (q scaled before the product, padded keys
 * masked) and a feed-forward block. No pooler.
 *
 * @example
 * const encoder = DistilBertEncoder.fromTensors(parseDistilBertConfig(raw, 'config.json'), loadModelWeights(dir), dir);
 * const { lastHiddenState } = encoder.forward(tokenizer.encodeBatch(['hello']));
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../../tokenizer/types';
import { Random } from '../../util/random';
import { activation, attentionMaskBias, dropout, embeddingLookup, layerNorm, linear, selfAttention } from '../ops';
import type { HostTensor } from '../safetensors/dtypes';
import type { EncoderOutput, ForwardOptions, TransformerEncoder } from '../transformer/encoder';
import { DISTILBERT_LAYER_NORM_EPS as EPS, type DistilBertConfig } from './config';
import { distilBertHostTensors, distilBertVariables } from './weights';

export class DistilBertEncoder implements TransformerEncoder<DistilBertConfig> {
  private dropoutRandom: Random;

  constructor(
    readonly config: DistilBertConfig,
    /** Hugging Face name → variable (Linear weights `[in, out]`). */
    readonly variables: Map<string, tf.Variable>,
    dropoutSeed = 0,
  ) {
    this.dropoutRandom = new Random(dropoutSeed);
  }

  /** Builds the encoder from checkpoint tensors (names with or without `distilbert.`). */
  static fromTensors(config: DistilBertConfig, tensors: Map<string, HostTensor>, source: string): DistilBertEncoder {
    return new DistilBertEncoder(config, distilBertVariables(config, tensors, source));
  }

  seedDropout(seed: number): void {
    this.dropoutRandom = new Random(seed);
  }

  forward(batch: TokenBatch, options: ForwardOptions = {}): EncoderOutput {
    const training = options.training ?? false;
    const { hiddenSize: hidden, maxSequenceLength } = this.config;
    const { batchSize: b, seqLength: len } = batch;
    if (len > maxSequenceLength) throw new RangeError(`sequence length ${len} exceeds max_position_embeddings ${maxSequenceLength}`);
    const drop = <T extends tf.Tensor>(x: T, rate: number) => dropout(x, rate, training, this.dropoutRandom);
    return tf.tidy(() => {
      const words = tf.reshape(embeddingLookup(this.matrix('embeddings.word_embeddings.weight'), tf.tensor1d(batch.inputIds, 'int32')), [b, len, hidden]);
      const positions = tf.slice(this.matrix('embeddings.position_embeddings.weight'), [0, 0], [len, hidden]);
      const embedded = layerNorm(tf.add(words, positions), this.vector('embeddings.LayerNorm.weight'), this.vector('embeddings.LayerNorm.bias'), EPS);
      let x = tf.reshape(drop(embedded, this.config.dropout), [b * len, hidden]) as tf.Tensor2D;
      const mask = attentionMaskBias(batch);
      for (let i = 0; i < this.config.numHiddenLayers; i++) {
        // one layer's intermediates at a time (the tape keeps what the backward pass needs)
        const input = x;
        x = tf.tidy(() => this.block(i, input, batch, mask, drop));
        input.dispose();
      }
      return { lastHiddenState: tf.reshape(x, [b, len, hidden]) as tf.Tensor3D };
    });
  }

  /** `TransformerBlock`: self-attention → sa_layer_norm(· + x) → FFN (lin1, activation, lin2, dropout) → output_layer_norm(· + ·). */
  private block(
    i: number,
    x: tf.Tensor2D,
    batch: TokenBatch,
    mask: tf.Tensor,
    drop: <T extends tf.Tensor>(x: T, rate: number) => T,
  ): tf.Tensor2D {
    const p = `transformer.layer.${i}`;
    const dense = (name: string, input: tf.Tensor2D) => linear(input, this.matrix(`${p}.${name}.weight`), this.vector(`${p}.${name}.bias`));
    const norm = (name: string, input: tf.Tensor2D) => layerNorm(input, this.vector(`${p}.${name}.weight`), this.vector(`${p}.${name}.bias`), EPS);
    const headDim = this.config.hiddenSize / this.config.numAttentionHeads;
    const q = tf.mul(dense('attention.q_lin', x), 1 / Math.sqrt(headDim)) as tf.Tensor2D;
    const context = selfAttention(q, dense('attention.k_lin', x), dense('attention.v_lin', x), {
      batchSize: batch.batchSize,
      seqLength: batch.seqLength,
      heads: this.config.numAttentionHeads,
      mask,
      dropProbs: (probs) => drop(probs, this.config.attentionDropout),
    });
    const attended = norm('sa_layer_norm', tf.add(dense('attention.out_lin', context), x) as tf.Tensor2D);
    const act = activation(this.config.activation)!;
    const ffn = drop(dense('ffn.lin2', act(dense('ffn.lin1', attended))), this.config.dropout);
    return norm('output_layer_norm', tf.add(ffn, attended) as tf.Tensor2D);
  }

  private matrix(name: string): tf.Tensor2D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor2D;
  }

  private vector(name: string): tf.Tensor1D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor1D;
  }

  hostTensors(): Promise<Map<string, HostTensor>> {
    return distilBertHostTensors(this.config, this.variables);
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
  }
}
