/**
 * A tiny trainable SentenceEmbedder for trainer tests: hashed bag of words →
 * embedding table → per-feature scale → dense layer. Differentiable without
 * `gather` (the bag is a host-built count matrix), so it trains on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SentenceEmbedder, EncodeOptions } from '../src/models/types';
import type { TokenBatch } from '../src/tokenizer/types';
import { writeSafetensors } from '../src/models/safetensors';
import { writeFileAtomic } from '../src/util/fs';
import { Matrix, normalizeInPlace } from '../src/util/matrix';
import { Random } from '../src/util/random';

export interface ToyOptions {
  vocab?: number;
  hidden?: number;
  dimension?: number;
  seed?: number;
  /** Dropout rate on the hidden layer in training mode (default 0); masks come from a seedable generator. */
  dropout?: number;
}

export class ToyEmbedder implements SentenceEmbedder {
  readonly maxSeqLength = 32;
  readonly dimension: number;
  readonly vocab: number;
  readonly hidden: number;
  private readonly weights = new Map<string, tf.Variable>();
  private readonly dropout: number;
  private dropoutRandom = new Random(0);

  constructor(options: ToyOptions = {}) {
    this.vocab = options.vocab ?? 512;
    this.hidden = options.hidden ?? 32;
    this.dimension = options.dimension ?? 16;
    this.dropout = options.dropout ?? 0;
    const rng = new Random(options.seed ?? 1);
    const init = (shape: number[], scale: number) =>
      tf.tidy(() => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale), shape)));
    this.weights.set('embeddings.word_embeddings.weight', init([this.vocab, this.hidden], 0.5));
    this.weights.set('LayerNorm.weight', tf.tidy(() => tf.variable(tf.ones([this.hidden]))));
    this.weights.set('dense.weight', init([this.dimension, this.hidden], 1 / Math.sqrt(this.hidden)));
    this.weights.set('dense.bias', tf.tidy(() => tf.variable(tf.zeros([this.dimension]))));
  }

  private tokenId(word: string): number {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    return 1 + ((h >>> 0) % (this.vocab - 1));
  }

  tokenize(texts: string[]): TokenBatch {
    const ids = texts.map((t) => t.toLowerCase().split(/\W+/).filter(Boolean).slice(0, this.maxSeqLength).map((w) => this.tokenId(w)));
    const seqLength = Math.max(1, ...ids.map((x) => x.length));
    const inputIds = new Int32Array(texts.length * seqLength);
    const attentionMask = new Int32Array(texts.length * seqLength);
    ids.forEach((row, i) => row.forEach((id, j) => {
      inputIds[i * seqLength + j] = id;
      attentionMask[i * seqLength + j] = 1;
    }));
    return { inputIds, attentionMask, tokenTypeIds: new Int32Array(texts.length * seqLength), batchSize: texts.length, seqLength };
  }

  seedDropout(seed: number): void {
    this.dropoutRandom = new Random(seed);
  }

  forward(batch: TokenBatch, options: { training?: boolean } = {}): tf.Tensor2D {
    const mask =
      options.training && this.dropout > 0
        ? Float32Array.from({ length: batch.batchSize * this.hidden }, () => (this.dropoutRandom.next() < this.dropout ? 0 : 1 / (1 - this.dropout)))
        : undefined;
    const bag = new Float32Array(batch.batchSize * this.vocab);
    for (let i = 0; i < batch.batchSize; i++) {
      let count = 0;
      for (let j = 0; j < batch.seqLength; j++) if (batch.attentionMask[i * batch.seqLength + j]) count++;
      for (let j = 0; j < batch.seqLength; j++) {
        const k = i * batch.seqLength + j;
        if (batch.attentionMask[k]) bag[i * this.vocab + batch.inputIds[k]!]! += 1 / Math.max(count, 1);
      }
    }
    return tf.tidy(() => {
      const w = (n: string) => this.weights.get(n)!;
      const pooled = tf.matMul(tf.tensor2d(bag, [batch.batchSize, this.vocab]), w('embeddings.word_embeddings.weight'));
      let scaled = tf.tanh(tf.mul(pooled, w('LayerNorm.weight')));
      if (mask) scaled = tf.mul(scaled, tf.tensor2d(mask, [batch.batchSize, this.hidden]));
      return tf.add(tf.matMul(scaled, tf.transpose(w('dense.weight'))), w('dense.bias')) as tf.Tensor2D;
    });
  }

  namedWeights(): Map<string, tf.Variable> {
    return this.weights;
  }

  async encode(texts: string[], options: EncodeOptions = {}): Promise<Matrix> {
    const batchSize = options.batchSize ?? 32;
    const dim = options.truncateDim ?? this.dimension;
    const out = new Float32Array(texts.length * dim);
    for (let s = 0; s < texts.length; s += batchSize) {
      options.signal?.throwIfAborted();
      const e = this.forward(this.tokenize(texts.slice(s, s + batchSize)));
      const data = (await e.data()) as Float32Array;
      e.dispose();
      for (let i = 0; i < Math.min(batchSize, texts.length - s); i++) {
        const row = data.slice(i * this.dimension, i * this.dimension + dim);
        if (options.normalize !== false) normalizeInPlace(row);
        out.set(row, (s + i) * dim);
      }
    }
    return new Matrix(out, texts.length, dim);
  }

  async save(dir: string): Promise<void> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, v] of this.weights) tensors.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    await writeSafetensors(join(dir, 'model.safetensors'), tensors);
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify({ toy: true, vocab: this.vocab, hidden: this.hidden, dimension: this.dimension }));
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
  }

  /** All weights as plain arrays (for exact comparisons). */
  snapshot(): Record<string, number[]> {
    return Object.fromEntries([...this.weights].map(([n, v]) => [n, Array.from(v.dataSync())]));
  }
}

/** Pairs where anchor and positive share a topic word, so in-batch ranking is learnable. */
export function toyRows(n: number, seed = 0): { anchor: string; positive: string; negatives: string[] }[] {
  const rng = new Random(seed);
  const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
  return Array.from({ length: n }, (_, i) => {
    const topic = `topic${i}`;
    const noise = () => Array.from({ length: 3 }, () => words[rng.int(words.length)]).join(' ');
    return { anchor: `what about ${topic} ${noise()}`, positive: `${topic} is described here ${noise()}`, negatives: [] };
  });
}

export function configOf(dir: string): unknown {
  const path = join(dir, 'config.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}
