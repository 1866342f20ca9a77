/**
 * sentence-transformers `Transformer` module for BERT-family checkpoints:
 * `config.json`, `model.safetensors` (or shards), the tokenizer files and
 * `sentence_bert_config.json` in one folder.
 *
 * @example
 * const transformer = BertTransformer.load('./all-MiniLM-L6-v2', { maxSeqLength: 128 });
 * const model = new SentenceTransformer(transformer, {
 *   pooling: { wordDimension: transformer.outputDimension, modes: ['mean'], includePrompt: true },
 *   normalize: true,
 * });
 */
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { EmbedlabError } from '../util/errors';
import { writeFileAtomic } from '../util/fs';
import { loadTokenizer, resolveMaxSeqLength } from '../tokenizer/loadTokenizer';
import { readJsonFile } from '../util/readJson';
import type { TextTokenizer } from '../tokenizer/textTokenizer';
import type { TokenBatch } from '../tokenizer/types';
import { BertEncoder } from './bert/bertEncoder';
import { parseBertConfig } from './bert/config';
import type { InputModule } from './inputModule';
import { loadModelWeights } from './safetensors/loadWeights';
import { writeSafetensors } from './safetensors/write';
import { maxSeqLengthFor } from './maxSeqLength';

export interface TransformerLoadOptions {
  /** Override `max_seq_length` (never above `max_position_embeddings`). */
  maxSeqLength?: number;
}

export class BertTransformer implements InputModule {
  readonly moduleType = 'sentence_transformers.models.Transformer';
  readonly defaultPath = '';
  readonly produces = 'token_embeddings';

  constructor(
    readonly encoder: BertEncoder,
    readonly tokenizer: TextTokenizer,
  ) {}

  /** Loads the Transformer module stored in `dir`. */
  static load(dir: string, options: TransformerLoadOptions = {}): BertTransformer {
    const configPath = join(dir, 'config.json');
    const config = parseBertConfig(readJsonFile(configPath), configPath);
    // tokenizer first: a missing tokenizer should fail before megabytes of weights are read
    const unlimited = loadTokenizer(dir, { maxLength: Infinity });
    const maxSeqLength = maxSeqLengthFor(options.maxSeqLength, {
      fromFolder: resolveMaxSeqLength(dir),
      positions: config.maxPositionEmbeddings,
      specialTokens: unlimited.specialTokenCount,
      source: dir,
    });
    const tokenizer = unlimited.withOptions({ maxLength: maxSeqLength });
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new EmbedlabError(`${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but vocab_size is ${config.vocabSize}`);
    }
    const encoder = BertEncoder.fromTensors(config, loadModelWeights(dir), dir);
    return new BertTransformer(encoder, tokenizer);
  }

  get outputDimension(): number {
    return this.encoder.config.hiddenSize;
  }

  get maxSeqLength(): number {
    return this.tokenizer.maxLength;
  }

  forward(batch: TokenBatch, training: boolean): tf.Tensor3D {
    return this.encoder.forward(batch, { training }).lastHiddenState;
  }

  seedDropout(seed: number): void {
    this.encoder.seedDropout(seed);
  }

  namedWeights(): Map<string, tf.Variable> {
    return this.encoder.variables;
  }

  async save(dir: string): Promise<void> {
    await writeSafetensors(join(dir, 'model.safetensors'), await this.encoder.hostTensors());
    const config = { ...this.encoder.config.raw };
    config.architectures = ['BertModel'];
    if ('dtype' in config) config.dtype = 'float32';
    else config.torch_dtype = 'float32';
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    for (const [name, text] of this.tokenizer.files) await writeFileAtomic(join(dir, name), text);
    const sbert = { max_seq_length: this.maxSeqLength, do_lower_case: this.tokenizer.doLowerCase };
    await writeFileAtomic(join(dir, 'sentence_bert_config.json'), JSON.stringify(sbert, null, 2) + '\n');
  }

  describe(): string {
    const c = this.encoder.config;
    return `BertModel (${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads, intermediate ${c.intermediateSize})`;
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
