import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import { Random } from '../../util/random';
import { loadTokenizer } from '../../tokenizer/loadTokenizer';
import type { TextTokenizer } from '../../tokenizer/textTokenizer';
import type { TokenBatch } from '../../tokenizer/types';
import type { InputModule } from '../inputModule';
import { embeddingLookup } from '../ops';
import { loadModelWeights } from '../safetensors/loadWeights';
import { writeSafetensors } from '../safetensors/write';
import type { HostTensor } from '../safetensors/dtypes';
import { toVariable } from '../safetensors/hostTensor';
import { foldModel2vecTable } from './model2vec';

const WEIGHT = 'embedding.weight';

export interface StaticEmbeddingOptions {
  /** Embedding size. */
  dim: number;
  /** Seed of the N(0, 1) initialisation (torch's EmbeddingBag default). */
  seed: number;
}

/**
 * sentence-transformers `StaticEmbedding`: a token-embedding bag. A text's
 * embedding is the mean of the embedding rows of its token ids (tokenised
 * without special tokens; an empty text gives zeros), as torch
 * `nn.EmbeddingBag(mode="mean")`. No attention, so it trains fast on CPU.
 *
 * Saved layout (what upstream writes and reads): `0_StaticEmbedding/model.safetensors`
 * with `embedding.weight` `[vocab, dim]`, and `0_StaticEmbedding/tokenizer.json`.
 *
 * @example
 * const module = StaticEmbedding.random('./bge-small-en-v1.5', { dim: 256, seed: 42 });
 * const model = new SentenceTransformer(module, { normalize: true });
 */
export class StaticEmbedding implements InputModule {
  readonly moduleType = 'sentence_transformers.models.StaticEmbedding';
  readonly defaultPath = '0_StaticEmbedding';
  readonly produces = 'sentence_embedding';

  constructor(
    readonly tokenizer: TextTokenizer,
    /** `[vocab, dim]`. */
    readonly embedding: tf.Variable,
  ) {
    checkTableRows(tokenizer, embedding.shape[0]!);
  }

  /**
   * Loads `tokenizer.json` + `model.safetensors` (`embedding.weight`, or model2vec's
   * `embeddings`, folded with its `weights` / `mapping` when present) from `dir`.
   */
  static load(dir: string): StaticEmbedding {
    const tokenizer = staticTokenizer(dir);
    const tensors = loadModelWeights(dir);
    const weightsPath = join(dir, 'model.safetensors');
    const name = tensors.has(WEIGHT) ? WEIGHT : 'embeddings';
    let table = tensors.get(name);
    if (!table) throw new EmbedlabError(`${weightsPath}: missing tensor "${WEIGHT}"`);
    if (table.shape.length !== 2) {
      throw new EmbedlabError(`${weightsPath}: tensor "${name}" has shape [${table.shape}], expected [vocab, dim]`);
    }
    if (name === 'embeddings') {
      // a vocabulary-quantized model2vec model: one row per token again
      table = foldModel2vecTable(table, { weights: tensors.get('weights'), mapping: tensors.get('mapping') }, tokenizer.vocabSize, weightsPath);
    }
    // checked before the table becomes a variable, which a failed constructor would leak
    checkTableRows(tokenizer, table.shape[0]!, `${weightsPath}: tensor "${name}"`);
    return new StaticEmbedding(tokenizer, toVariable(table));
  }

  /** A new table for the tokenizer in `tokenizerDir`, drawn from N(0, 1) with `seed`. */
  static random(tokenizerDir: string, options: StaticEmbeddingOptions): StaticEmbedding {
    const tokenizer = staticTokenizer(tokenizerDir);
    const random = new Random(options.seed);
    const data = new Float32Array(tokenizer.vocabSize * options.dim);
    for (let i = 0; i < data.length; i++) data[i] = random.normal();
    return new StaticEmbedding(tokenizer, toVariable({ shape: [tokenizer.vocabSize, options.dim], data }));
  }

  get outputDimension(): number {
    return this.embedding.shape[1]!;
  }

  get maxSeqLength(): number {
    return this.tokenizer.maxLength;
  }

  /** Mean of the token rows of each text, `[batch, dim]`. */
  forward(batch: TokenBatch): tf.Tensor2D {
    const { batchSize: b, seqLength: len } = batch;
    const dim = this.outputDimension;
    // a batch of empty texts has no tokens; wasm's sum over an empty axis is not zero-filled
    if (len === 0) return tf.zeros([b, dim]);
    return tf.tidy(() => {
      const rows = embeddingLookup(this.embedding as tf.Tensor as tf.Tensor2D, tf.tensor1d(batch.inputIds, 'int32'));
      const mask = tf.tensor3d(Float32Array.from(batch.attentionMask), [b, len, 1]);
      const sum = tf.sum(tf.mul(tf.reshape(rows, [b, len, dim]), mask), 1);
      return tf.div(sum, tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor2D;
    });
  }

  namedWeights(): Map<string, tf.Variable> {
    return new Map([[WEIGHT, this.embedding]]);
  }

  async save(dir: string): Promise<void> {
    const table: HostTensor = { shape: this.embedding.shape.slice(), data: (await this.embedding.data()) as Float32Array };
    await writeSafetensors(join(dir, 'model.safetensors'), new Map([[WEIGHT, table]]));
    await writeFileAtomic(join(dir, 'tokenizer.json'), this.tokenizer.files.get('tokenizer.json')!);
  }

  pythonRepr(): string {
    return `StaticEmbedding(\n    (embedding): EmbeddingBag(${this.tokenizer.vocabSize}, ${this.outputDimension}, mode='mean')\n  )`;
  }

  describe(): string {
    return `StaticEmbedding (${this.embedding.shape[0]} tokens × ${this.outputDimension})`;
  }

  dispose(): void {
    this.embedding.dispose();
  }
}

/** Every token id must index a row of the table. */
function checkTableRows(tokenizer: TextTokenizer, rows: number, source?: string): void {
  if (tokenizer.vocabSize > rows) {
    const prefix = source !== undefined ? `${source}: ` : '';
    throw new EmbedlabError(`${prefix}the tokenizer has ${tokenizer.vocabSize} tokens but the embedding table only ${rows} rows`);
  }
}

/**
 * StaticEmbedding tokenises as the Rust tokenizer does when called directly:
 * no special tokens, no stripping, truncation only if tokenizer.json sets one.
 */
function staticTokenizer(dir: string): TextTokenizer {
  const base = loadTokenizer(dir, { addSpecialTokens: false, strip: false, doLowerCase: false, maxLength: Infinity });
  const truncation = base.tokenizerJson.truncation as { max_length?: number } | null | undefined;
  return typeof truncation?.max_length === 'number' ? base.withOptions({ maxLength: truncation.max_length }) : base;
}
