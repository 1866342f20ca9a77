/**
 * sentence-transformers `Transformer` module for ModernBERT checkpoints
 * (Alibaba-NLP/gte-modernbert-base, nomic-ai/modernbert-embed-base, …):
 * `config.json` with `model_type: "modernbert"`, `model.safetensors` (or
 * shards), the BPE `tokenizer.json` and `sentence_bert_config.json` in one
 * folder. Saved folders load unchanged in transformers / sentence-transformers.
 *
 * @example
 * const transformer = ModernBertTransformer.load('./gte-modernbert-base', { maxSeqLength: 512 });
 * const model = new SentenceTransformer(transformer, {
 *   pooling: { wordDimension: transformer.outputDimension, modes: ['cls'], includePrompt: true },
 *   normalize: true,
 * });
 */
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import { readJsonFile } from '../../util/readJson';
import { loadTokenizer, resolveMaxSeqLength } from '../../tokenizer/loadTokenizer';
import type { TextTokenizer } from '../../tokenizer/textTokenizer';
import type { TokenBatch } from '../../tokenizer/types';
import type { InputModule } from '../inputModule';
import { loadModelWeights } from '../safetensors/loadWeights';
import { writeSafetensors } from '../safetensors/write';
import { modernBertConfigJson, parseModernBertConfig } from './config';
import { ModernBertEncoder } from './modernBertEncoder';

export interface ModernBertLoadOptions {
  /** Override `max_seq_length` (never above `max_position_embeddings`). */
  maxSeqLength?: number;
}

export class ModernBertTransformer implements InputModule {
  readonly moduleType = 'sentence_transformers.models.Transformer';
  readonly defaultPath = '';
  readonly produces = 'token_embeddings';

  constructor(
    readonly encoder: ModernBertEncoder,
    readonly tokenizer: TextTokenizer,
  ) {}

  /** Loads the Transformer module stored in `dir`. */
  static load(dir: string, options: ModernBertLoadOptions = {}): ModernBertTransformer {
    const configPath = join(dir, 'config.json');
    const config = parseModernBertConfig(readJsonFile(configPath), configPath);
    const maxSeqLength = Math.min(options.maxSeqLength ?? resolveMaxSeqLength(dir), config.maxSequenceLength);
    // tokenizer first: a missing tokenizer should fail before megabytes of weights are read
    const tokenizer = loadTokenizer(dir, { maxLength: maxSeqLength });
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new EmbedlabError(`${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but vocab_size is ${config.vocabSize}`);
    }
    return new ModernBertTransformer(ModernBertEncoder.fromTensors(config, loadModelWeights(dir), dir), tokenizer);
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

  /** `model.safetensors` as `ModernBertModel` names it, `config.json`, the tokenizer files, `sentence_bert_config.json`. */
  async save(dir: string): Promise<void> {
    await writeSafetensors(join(dir, 'model.safetensors'), await this.encoder.hostTensors());
    const config = modernBertConfigJson(this.encoder.config);
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    for (const [name, text] of this.tokenizer.files) await writeFileAtomic(join(dir, name), text);
    const sbert = { max_seq_length: this.maxSeqLength, do_lower_case: this.tokenizer.doLowerCase };
    await writeFileAtomic(join(dir, 'sentence_bert_config.json'), JSON.stringify(sbert, null, 2) + '\n');
  }

  describe(): string {
    const c = this.encoder.config;
    return (
      `ModernBertModel (${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads, intermediate ${c.intermediateSize}, ` +
      `global attention every ${c.globalAttnEveryNLayers} layers, local window ${c.localAttention})`
    );
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
