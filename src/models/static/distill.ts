/**
 * Distils a transformer into a static embedding model with model2vec's recipe
 * (MinishLab/model2vec `distill`, which sentence-transformers'
 * `StaticEmbedding.from_distillation` calls):
 *
 * 1. vocabulary: the model tokenizer's tokens in id order, less those matching
 *    `tokenRemovePattern` (BERT's `[unused…]`), then the extra `vocabulary`
 *    words the tokenizer does not have;
 * 2. each token goes through the model on its own — `[CLS] token [SEP]` (an
 *    extra word: its subword tokens, with the special tokens) — and the last
 *    hidden states are mean-pooled over every position (special tokens
 *    included), or the first position is taken (`pooling: 'first'`);
 * 3. PCA to `pcaDims` components (centred; never more than the model's width;
 *    skipped when the vocabulary has no more rows than components);
 * 4. each row is multiplied by its Zipf weight by rank (SIF, a / (a + p)).
 *
 * The result is a sentence-transformers model of a `StaticEmbedding` (with the
 * model's tokenizer, re-indexed, extra words appended, no post-processor)
 * and a Normalize module: it saves to the folder layout Python loads with
 * `SentenceTransformer(path)`, and trains with every loss here.
 *
 * @example
 * const teacher = await loadModel('BAAI/bge-small-en-v1.5');
 * const fast = await distillStatic(teacher, { pcaDims: 256 });
 * await fast.save('bge-small-static');
 */
import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../../util/errors';
import { TextTokenizer } from '../../tokenizer/textTokenizer';
import type { TokenBatch } from '../../tokenizer/types';
import { toVariable } from '../safetensors/hostTensor';
import { SentenceTransformer } from '../sentenceTransformer';
import { StaticEmbedding } from './staticEmbedding';
import { pca } from './pca';
import { tokenWeights, type ZipfWeighting } from './weighting';

/** Options of {@link distillStatic}. */
export interface DistillOptions {
  /**
   * Words added to the vocabulary, each embedded from its subword tokens.
   * Each must stay one word after the tokenizer's normalisation and
   * pre-tokenisation; words already in the vocabulary are skipped.
   * @default []
   */
  vocabulary?: string[];
  /** PCA components; `null` keeps the pooled vectors as they are. @default 256 */
  pcaDims?: number | null;
  /** Weight per token rank: `sif` (model2vec's default), `log` (its first recipe, log(1 + rank)), `none`. @default 'sif' */
  zipf?: ZipfWeighting;
  /** The SIF coefficient a. @default 1e-4 */
  sifCoefficient?: number;
  /** Tokens left out of the vocabulary (matched at the start, as Python's `re.match`); `null` keeps all. @default /\[unused\d+\]/ */
  tokenRemovePattern?: RegExp | null;
  /** `mean` over all positions, or `first` (the [CLS] position). @default 'mean' */
  pooling?: 'mean' | 'first';
  /** Add a Normalize module after the StaticEmbedding (model2vec's `normalize: true`). @default true */
  normalize?: boolean;
  /** Tokens per forward pass. @default 256 */
  batchSize?: number;
  /** Called after each forward pass with tokens done / total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops between forward passes with an AbortError. */
  signal?: AbortSignal;
}

/** What {@link distillVectors} computes before the table becomes a model. */
export interface DistilledTable {
  /** Token strings, in row order. */
  tokens: string[];
  /** `tokens.length × dim`, row-major, float32. */
  table: Float32Array;
  dim: number;
  /** The StaticEmbedding tokenizer.json (vocabulary re-indexed to the rows, no post-processor). */
  tokenizerJson: Record<string, unknown>;
}

interface VocabModel {
  type?: string;
  vocab?: Record<string, number>;
}

/**
 * Distils `model` (a Transformer + Pooling sentence-transformers model) into
 * a static model; `model` is left as it was.
 */
export async function distillStatic(model: SentenceTransformer, options: DistillOptions = {}): Promise<SentenceTransformer> {
  const { table, dim, tokenizerJson } = await distillVectors(model, options);
  const tokenizer = new TextTokenizer(tokenizerJson, {}, new Map([['tokenizer.json', JSON.stringify(tokenizerJson)]]), {
    addSpecialTokens: false,
    strip: false,
    doLowerCase: false,
  });
  const embedding = new StaticEmbedding(tokenizer, toVariable({ shape: [table.length / dim, dim], data: table }));
  return new SentenceTransformer(embedding, { normalize: options.normalize ?? true });
}

/** The steps of {@link distillStatic} up to the weighted table, for inspection and tests. */
export async function distillVectors(model: SentenceTransformer, options: DistillOptions = {}): Promise<DistilledTable> {
  const input = model.input;
  if (input.produces !== 'token_embeddings') {
    throw new EmbedlabError(`distill needs a transformer model; ${input.describe()} already gives one vector per text`);
  }
  const tokenizer = input.tokenizer;
  const json = tokenizer.tokenizerJson;
  const modelJson = json.model as VocabModel | undefined;
  if (!modelJson?.vocab || typeof modelJson.vocab !== 'object' || Array.isArray(modelJson.vocab)) {
    throw new EmbedlabError(`distill supports tokenizers with a token → id vocabulary (WordPiece, WordLevel); this one is ${modelJson?.type ?? 'unknown'}`);
  }
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new EmbedlabError(`distill: batchSize must be a positive whole number, got ${batchSize}`);
  const pcaDims = options.pcaDims === undefined ? 256 : options.pcaDims;
  if (pcaDims !== null && (!Number.isInteger(pcaDims) || pcaDims < 1)) throw new EmbedlabError(`distill: pcaDims must be a positive whole number or null, got ${pcaDims}`);
  const pooling = options.pooling ?? 'mean';
  if (pooling !== 'mean' && pooling !== 'first') throw new EmbedlabError(`distill: pooling must be mean or first, got ${String(pooling)}`);

  // 1. the vocabulary: kept tokens in id order, then the new words
  const removePattern = options.tokenRemovePattern === undefined ? /\[unused\d+\]/ : options.tokenRemovePattern;
  const startsWith = removePattern ? new RegExp(`^(?:${removePattern.source})`, removePattern.flags.replace('g', '')) : null;
  const original = Object.entries(modelJson.vocab).sort((a, b) => a[1] - b[1]);
  const kept = original.filter(([token]) => !startsWith?.test(token));
  if (kept.length === 0) throw new EmbedlabError(`distill: tokenRemovePattern ${removePattern} removes every token`);
  const seen = new Set(kept.map(([token]) => token));
  const added: string[] = [];
  for (const entry of options.vocabulary ?? []) {
    const words = tokenizer.words(entry);
    if (words.length === 0) continue;
    if (words.length > 1) {
      throw new EmbedlabError(`distill: vocabulary entry ${JSON.stringify(entry)} is ${words.length} words to this tokenizer (${words.map((w) => JSON.stringify(w)).join(', ')}); give one word per entry`);
    }
    const word = words[0]!;
    if (seen.has(word) || startsWith?.test(word)) continue;
    seen.add(word);
    added.push(word);
  }
  const tokens = [...kept.map(([token]) => token), ...added];
  const { prefix, suffix } = tokenizer.specialTokenIds;
  const sequences = [
    ...kept.map(([, id]) => [...prefix, id, ...suffix]),
    ...added.map((word) => tokenizer.withOptions({ maxLength: Infinity }).encode(word).ids),
  ];

  // 2. one forward pass per batch of tokens, shortest first (as model2vec), pooled
  const width = input.outputDimension;
  const pooled = await embedSequences(model, sequences, width, pooling, batchSize, tokenizer.padId, options);

  // 3. PCA (float64), 4. Zipf weights
  const n = tokens.length;
  let dim = width;
  let vectors: ArrayLike<number> = pooled;
  if (pcaDims !== null) {
    const k = Math.min(pcaDims, width);
    if (k < n) {
      vectors = pca(pooled, n, width, { components: k }).projected;
      dim = k;
    }
  }
  const weights = tokenWeights(n, { kind: options.zipf ?? 'sif', ...(options.sifCoefficient !== undefined && { sifCoefficient: options.sifCoefficient }) });
  const table = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) for (let c = 0; c < dim; c++) table[r * dim + c] = vectors[r * dim + c]! * weights[r]!;

  return { tokens, table, dim, tokenizerJson: staticTokenizerJson(json, tokens) };
}

/** Pooled last hidden states of each id sequence, `sequences.length × width` float32, in input order. */
async function embedSequences(
  model: SentenceTransformer,
  sequences: number[][],
  width: number,
  pooling: 'mean' | 'first',
  batchSize: number,
  padId: number,
  options: Pick<DistillOptions, 'onProgress' | 'signal'>,
): Promise<Float32Array> {
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.length - sequences[b]!.length || a - b);
  const out = new Float32Array(sequences.length * width);
  for (let start = 0; start < order.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const indices = order.slice(start, start + batchSize);
    const batch = padded(indices.map((i) => sequences[i]!), padId);
    const pooledTensor = tf.tidy(() => {
      const hidden = model.input.forward(batch) as tf.Tensor3D;
      if (pooling === 'first') return tf.squeeze(tf.slice(hidden, [0, 0, 0], [batch.batchSize, 1, width]), [1]);
      const mask = tf.tensor3d(Float32Array.from(batch.attentionMask), [batch.batchSize, batch.seqLength, 1]);
      return tf.div(tf.sum(tf.mul(hidden, mask), 1), tf.maximum(tf.sum(mask, 1), 1));
    });
    const values = (await pooledTensor.data()) as Float32Array;
    pooledTensor.dispose();
    indices.forEach((i, k) => {
      for (let c = 0; c < width; c++) {
        const v = values[k * width + c]!;
        out[i * width + c] = Number.isFinite(v) ? v : 0; // numpy.nan_to_num, as model2vec
      }
    });
    options.onProgress?.(Math.min(start + batchSize, order.length), order.length);
  }
  return out;
}

function padded(sequences: number[][], padId: number): TokenBatch {
  const batchSize = sequences.length;
  const seqLength = sequences.reduce((m, s) => Math.max(m, s.length), 0);
  const inputIds = new Int32Array(batchSize * seqLength).fill(padId);
  const attentionMask = new Int32Array(batchSize * seqLength);
  sequences.forEach((s, i) => {
    inputIds.set(s, i * seqLength);
    attentionMask.fill(1, i * seqLength, i * seqLength + s.length);
  });
  return { inputIds, attentionMask, tokenTypeIds: new Int32Array(batchSize * seqLength), batchSize, seqLength };
}

/**
 * The teacher's tokenizer.json for the static model: the vocabulary
 * re-indexed to `tokens` (row order), added tokens that survive re-indexed,
 * no post-processor (StaticEmbedding adds no special tokens), no padding or
 * truncation.
 */
function staticTokenizerJson(json: Record<string, unknown>, tokens: string[]): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => (vocab[token] = id));
  const addedTokens = ((json.added_tokens as { content: string; id: number }[] | undefined) ?? [])
    .filter((t) => Object.hasOwn(vocab, t.content))
    .map((t) => ({ ...t, id: vocab[t.content]! }));
  const model = { ...(json.model as Record<string, unknown>), vocab };
  return { ...json, truncation: null, padding: null, added_tokens: addedTokens, post_processor: null, model };
}
