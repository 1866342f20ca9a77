/**
 * A ModernBERT encoder (Hugging Face `ModernBertModel` with eager attention
 * and padding masks, padded positions included; real tokens get the numbers
 * of its unpadded flash-attention path too) in
 * TensorFlow.js ops: token embeddings → LayerNorm → N pre-norm layers
 * (layer 0 without `attn_norm`) of fused-QKV self-attention with rotary
 * position embeddings and a GeGLU MLP → final LayerNorm. Every
 * `global_attn_every_n_layers`-th layer attends globally; the others through
 * a sliding window of `local_attention / 2` tokens each side, with the RoPE
 * base of their layer type. Padded keys never reach real tokens.
 *
 * @example
 * const config = parseModernBertConfig(readJsonFile('gte-modernbert-base/config.json'), 'config.json');
 * const encoder = ModernBertEncoder.fromTensors(config, loadModelWeights('gte-modernbert-base'), 'gte-modernbert-base');
 * const { lastHiddenState } = encoder.forward(tokenizer.encodeBatch(['hello']));
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../util/random';
import type { TokenBatch } from '../../tokenizer/types';
import type { HostTensor } from '../safetensors/dtypes';
import { activation, dropout, embeddingLookup, layerNorm, layerNormNoBias, linear, linearNoBias, rotary } from '../ops';
import type { ModernBertConfig, ModernBertLayerType } from './config';
import { modernBertHostTensors, modernBertVariables } from './weights';

export interface ModernBertOutput {
  /** `[batch, seq, hidden]`, after the final norm. */
  lastHiddenState: tf.Tensor3D;
}

/**
 * The score of a masked key: transformers adds `finfo(float32).min`, which
 * absorbs any score, so masked keys weigh exactly 0 — and a query whose keys
 * are all masked (a padded position in a local layer) attends uniformly, as
 * there. Applied as `score·keep + (1 − keep)·MASKED`, which is that sum.
 */
const MASKED = -3.4028234663852886e38;

/** `[len, headDim]` cos and sin tables of RoPE base `theta`, rounded like transformers' float32 computation. */
export function rotaryTables(theta: number, headDim: number, len: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const invFreq = Array.from({ length: half }, (_, j) => Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * j) / headDim)))));
  const cos = new Float32Array(len * headDim);
  const sin = new Float32Array(len * headDim);
  for (let p = 0; p < len; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(invFreq[j]! * p);
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      cos[p * headDim + j] = cos[p * headDim + half + j] = c;
      sin[p * headDim + j] = sin[p * headDim + half + j] = s;
    }
  }
  return { cos, sin };
}

export class ModernBertEncoder {
  private dropoutRandom: Random;

  constructor(
    readonly config: ModernBertConfig,
    /** Hugging Face name → variable (Linear weights `[in, out]`). */
    readonly variables: Map<string, tf.Variable>,
    dropoutSeed = 0,
  ) {
    this.dropoutRandom = new Random(dropoutSeed);
  }

  /** Builds the encoder from checkpoint tensors (see {@link modernBertVariables}). */
  static fromTensors(config: ModernBertConfig, tensors: Map<string, HostTensor>, source: string): ModernBertEncoder {
    return new ModernBertEncoder(config, modernBertVariables(config, tensors, source));
  }

  /** Reseeds the dropout masks used by `forward(…, {training: true})`. */
  seedDropout(seed: number): void {
    this.dropoutRandom = new Random(seed);
  }

  /** Runs the encoder; the caller owns (and disposes) the returned tensor. */
  forward(batch: TokenBatch, options: { training?: boolean } = {}): ModernBertOutput {
    const training = options.training ?? false;
    const { hiddenSize: hidden, numAttentionHeads: heads } = this.config;
    const { batchSize: b, seqLength: len } = batch;
    const headDim = hidden / heads;
    const drop = <T extends tf.Tensor>(x: T, rate: number) => dropout(x, rate, training, this.dropoutRandom);

    return tf.tidy(() => {
      const ids = tf.tensor1d(batch.inputIds, 'int32');
      const words = embeddingLookup(this.matrix('embeddings.tok_embeddings.weight'), ids);
      let x = drop(this.norm('embeddings.norm', words), this.config.embeddingDropout);

      // keep masks (1 = attend): padded keys [b, 1, 1, len]; a local layer also drops keys farther than the half-window
      const keys = tf.reshape(tf.tensor1d(batch.attentionMask, 'float32'), [b, 1, 1, len]);
      const radius = Math.floor(this.config.localAttention / 2);
      const window = tf.tensor2d(Float32Array.from({ length: len * len }, (_, k) => (Math.abs(Math.floor(k / len) - (k % len)) <= radius ? 1 : 0)), [len, len]);
      const masks = {
        global: this.attentionMask(keys),
        local: this.attentionMask(tf.mul(keys, tf.reshape(window, [1, 1, len, len]))),
      };
      // RoPE tables [1, len, 1, headDim], broadcast over batch and heads
      const rope = new Map<ModernBertLayerType, { cos: tf.Tensor4D; sin: tf.Tensor4D }>();
      for (const type of new Set(this.config.layerTypes)) {
        const theta = type === 'sliding_attention' ? this.config.localRopeTheta : this.config.globalRopeTheta;
        const { cos, sin } = rotaryTables(theta, headDim, len);
        rope.set(type, { cos: tf.tensor4d(cos, [1, len, 1, headDim]), sin: tf.tensor4d(sin, [1, len, 1, headDim]) });
      }

      for (let i = 0; i < this.config.numHiddenLayers; i++) {
        // one tidy per layer: inference holds one layer's intermediates at a time
        const input = x;
        const mask = i % this.config.globalAttnEveryNLayers !== 0 ? masks.local : masks.global;
        x = tf.tidy(() => this.layer(i, input, b, len, mask, rope.get(this.config.layerTypes[i]!)!, drop));
        input.dispose();
      }
      return { lastHiddenState: tf.reshape(this.norm('final_norm', x), [b, len, hidden]) as tf.Tensor3D };
    });
  }

  /** `{keep, fill}` so that `scores·keep + fill` is transformers' `scores + mask`. */
  private attentionMask(keep: tf.Tensor): { keep: tf.Tensor; fill: tf.Tensor } {
    return { keep, fill: tf.mul(tf.sub(1, keep), MASKED) };
  }

  private matrix(name: string): tf.Tensor2D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor2D;
  }

  private vector(name: string): tf.Tensor1D {
    return this.variables.get(name)! as tf.Tensor as tf.Tensor1D;
  }

  /** LayerNorm `prefix`, with its bias when the config has `norm_bias`. */
  private norm(prefix: string, x: tf.Tensor2D): tf.Tensor2D {
    const gamma = this.vector(`${prefix}.weight`);
    const eps = this.config.normEps;
    return this.config.normBias ? layerNorm(x, gamma, this.vector(`${prefix}.bias`), eps) : layerNormNoBias(x, gamma, eps);
  }

  /** Linear `prefix`, with its bias when the checkpoint has one. */
  private dense(prefix: string, x: tf.Tensor2D): tf.Tensor2D {
    const bias = this.variables.get(`${prefix}.bias`) as tf.Tensor | undefined as tf.Tensor1D | undefined;
    return bias ? linear(x, this.matrix(`${prefix}.weight`), bias) : linearNoBias(x, this.matrix(`${prefix}.weight`));
  }

  /** One pre-norm layer: `x + attn(attn_norm(x))`, then `+ mlp(mlp_norm(·))`. */
  private layer(
    i: number,
    x: tf.Tensor2D,
    b: number,
    len: number,
    mask: { keep: tf.Tensor; fill: tf.Tensor },
    rope: { cos: tf.Tensor4D; sin: tf.Tensor4D },
    drop: <T extends tf.Tensor>(x: T, rate: number) => T,
  ): tf.Tensor2D {
    const { hiddenSize: hidden, numAttentionHeads: heads, attentionDropout, mlpDropout } = this.config;
    const headDim = hidden / heads;
    const p = `layers.${i}`;

    // attention: Wqkv's output columns are [q | k | v], each heads × headDim
    const attnInput = i === 0 ? x : this.norm(`${p}.attn_norm`, x);
    const [qk, value] = tf.split(this.dense(`${p}.attn.Wqkv`, attnInput), [2 * hidden, hidden], 1);
    const [q, k] = tf.split(rotary(tf.reshape(qk!, [b, len, 2 * heads, headDim]), rope.cos, rope.sin), [heads, heads], 2);
    const query = tf.transpose(tf.mul(q!, 1 / Math.sqrt(headDim)), [0, 2, 1, 3]); // [b, heads, len, headDim]
    const keyT = tf.transpose(k!, [0, 2, 3, 1]); // [b, heads, headDim, len]: scores are a plain q·kᵀ
    const v = tf.transpose(tf.reshape(value!, [b, len, heads, headDim]), [0, 2, 1, 3]);
    const scores = tf.add(tf.mul(tf.matMul(query, keyT), mask.keep), mask.fill);
    const probs = drop(tf.softmax(scores), attentionDropout);
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [b * len, hidden]) as tf.Tensor2D;
    const attended = tf.add(x, drop(this.dense(`${p}.attn.Wo`, context), attentionDropout)) as tf.Tensor2D;

    // GeGLU MLP: Wi's output columns are [input | gate]
    const [input, gate] = tf.split(this.dense(`${p}.mlp.Wi`, this.norm(`${p}.mlp_norm`, attended)), 2, 1);
    const act = activation(this.config.hiddenActivation)!;
    const glu = drop(tf.mul(act(input!), gate!) as tf.Tensor2D, mlpDropout);
    return tf.add(attended, this.dense(`${p}.mlp.Wo`, glu)) as tf.Tensor2D;
  }

  /** Weights as stored in `model.safetensors` (Hugging Face names, Linear `[out, in]`). */
  hostTensors(): Promise<Map<string, HostTensor>> {
    return modernBertHostTensors(this.config, this.variables);
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
  }
}
