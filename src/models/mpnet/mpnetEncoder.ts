/**
 * An MPNet encoder (Hugging Face `MPNetModel`, eager semantics): word +
 * position embeddings (RoBERTa-style ids, no token types) → LayerNorm → N
 * post-LN layers whose attention scores get a relative position bias computed
 * once from bucketed query–key distances and shared by every layer → optional
 * tanh pooler over the first token.
 *
 * @example
 * const encoder = MpnetEncoder.fromTensors(parseMpnetConfig(raw, 'config.json'), loadModelWeights(dir), dir);
 * const { lastHiddenState } = encoder.forward(tokenizer.encodeBatch(['hello']));
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../../tokenizer/types';
import { Random } from '../../util/random';
import { activation, attentionMaskBias, dropout, embeddingLookup, layerNorm, linear, selfAttention } from '../ops';
import type { HostTensor } from '../safetensors/dtypes';
import type { EncoderOutput, ForwardOptions, TransformerEncoder } from '../transformer/encoder';
import { paddedPositionIds } from '../transformer/positions';
import { MPNET_PADDING_IDX, MPNET_POSITION_BUCKETS, type MpnetConfig } from './config';
import { relativePositionBuckets } from './relativePosition';
import { mpnetHostTensors, mpnetVariables } from './weights';

export class MpnetEncoder implements TransformerEncoder<MpnetConfig> {
  private dropoutRandom: Random;

  constructor(
    readonly config: MpnetConfig,
    /** Hugging Face name → variable (Linear weights `[in, out]`). */
    readonly variables: Map<string, tf.Variable>,
    dropoutSeed = 0,
  ) {
    this.dropoutRandom = new Random(dropoutSeed);
  }

  /** Builds the encoder from checkpoint tensors (names with or without `mpnet.`). */
  static fromTensors(config: MpnetConfig, tensors: Map<string, HostTensor>, source: string): MpnetEncoder {
    return new MpnetEncoder(config, mpnetVariables(config, tensors, source));
  }

  get hasPooler(): boolean {
    return this.variables.has('pooler.dense.weight');
  }

  seedDropout(seed: number): void {
    this.dropoutRandom = new Random(seed);
  }

  forward(batch: TokenBatch, options: ForwardOptions = {}): EncoderOutput {
    const training = options.training ?? false;
    const { hiddenSize: hidden, numAttentionHeads: heads, layerNormEps: eps, maxSequenceLength } = this.config;
    const { batchSize: b, seqLength: len } = batch;
    if (len > maxSequenceLength) {
      throw new RangeError(`sequence length ${len} exceeds the ${maxSequenceLength} positions of max_position_embeddings ${this.config.maxPositionEmbeddings}`);
    }
    const drop = <T extends tf.Tensor>(x: T, rate: number) => dropout(x, rate, training, this.dropoutRandom);
    return tf.tidy(() => {
      const words = embeddingLookup(this.matrix('embeddings.word_embeddings.weight'), tf.tensor1d(batch.inputIds, 'int32'));
      const positionIds = tf.tensor1d(paddedPositionIds(batch, MPNET_PADDING_IDX), 'int32');
      const positions = embeddingLookup(this.matrix('embeddings.position_embeddings.weight'), positionIds);
      const embedded = layerNorm(tf.add(words, positions) as tf.Tensor2D, this.vector('embeddings.LayerNorm.weight'), this.vector('embeddings.LayerNorm.bias'), eps);
      let x = drop(embedded, this.config.hiddenDropoutProb);
      // [1, heads, len, len], computed once and shared by every layer
      const buckets = tf.tensor1d(relativePositionBuckets(len, MPNET_POSITION_BUCKETS), 'int32');
      const bias = tf.reshape(
        tf.transpose(tf.reshape(embeddingLookup(this.matrix('encoder.relative_attention_bias.weight'), buckets), [len, len, heads]), [2, 0, 1]),
        [1, heads, len, len],
      );
      const mask = attentionMaskBias(batch);
      for (let i = 0; i < this.config.numHiddenLayers; i++) {
        // one layer's intermediates at a time (the tape keeps what the backward pass needs)
        const input = x;
        x = tf.tidy(() => this.layer(i, input, batch, mask, bias, drop));
        input.dispose();
      }
      const lastHiddenState = tf.reshape(x, [b, len, hidden]) as tf.Tensor3D;
      if (!(options.pooler ?? false) || !this.hasPooler) return { lastHiddenState };
      const first = tf.reshape(tf.slice(lastHiddenState, [0, 0, 0], [b, 1, hidden]), [b, hidden]) as tf.Tensor2D;
      return { lastHiddenState, poolerOutput: tf.tanh(linear(first, this.matrix('pooler.dense.weight'), this.vector('pooler.dense.bias'))) };
    });
  }

  /** `MPNetLayer`: attention (+ position bias) → LayerNorm(dropout(o) + x) → intermediate → LayerNorm(dropout(output) + ·). */
  private layer(
    i: number,
    x: tf.Tensor2D,
    batch: TokenBatch,
    mask: tf.Tensor,
    bias: tf.Tensor,
    drop: <T extends tf.Tensor>(x: T, rate: number) => T,
  ): tf.Tensor2D {
    const { hiddenSize, numAttentionHeads: heads, layerNormEps: eps, hiddenDropoutProb } = this.config;
    const p = `encoder.layer.${i}`;
    const dense = (name: string, input: tf.Tensor2D) => linear(input, this.matrix(`${p}.${name}.weight`), this.vector(`${p}.${name}.bias`));
    const norm = (name: string, input: tf.Tensor2D) => layerNorm(input, this.vector(`${p}.${name}.weight`), this.vector(`${p}.${name}.bias`), eps);
    const q = tf.mul(dense('attention.attn.q', x), 1 / Math.sqrt(hiddenSize / heads)) as tf.Tensor2D;
    const context = selfAttention(q, dense('attention.attn.k', x), dense('attention.attn.v', x), {
      batchSize: batch.batchSize,
      seqLength: batch.seqLength,
      heads,
      mask,
      bias,
      dropProbs: (probs) => drop(probs, this.config.attentionProbsDropoutProb),
    });
    const attended = norm('attention.LayerNorm', tf.add(drop(dense('attention.attn.o', context), hiddenDropoutProb), x) as tf.Tensor2D);
    const inner = activation(this.config.hiddenAct)!(dense('intermediate.dense', attended));
    return norm('output.LayerNorm', tf.add(drop(dense('output.dense', inner), hiddenDropoutProb), attended) as tf.Tensor2D);
  }

  private matrix(name: string): tf.Tensor2D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor2D;
  }

  private vector(name: string): tf.Tensor1D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor1D;
  }

  hostTensors(): Promise<Map<string, HostTensor>> {
    return mpnetHostTensors(this.config, this.variables);
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
  }
}
