/**
 * sentence-transformers' `Transformer` module for every supported encoder
 * architecture (BERT, XLM-RoBERTa / RoBERTa, DistilBERT, MPNet, … — see
 * `architectures.ts`): `config.json`, `model.safetensors` (or shards), the
 * tokenizer files and `sentence_bert_config.json` in one folder.
 *
 * @example
 * const transformer = Transformer.load('./multilingual-e5-small', { maxSeqLength: 128 });
 * const model = new SentenceTransformer(transformer, {
 *   pooling: { wordDimension: transformer.outputDimension, modes: ['mean'], includePrompt: true },
 *   normalize: true,
 * });
 */
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import { readJsonFile, readJsonIfExists } from '../../util/readJson';
import { loadTokenizer, resolveMaxSeqLength } from '../../tokenizer/loadTokenizer';
import { maxSeqLengthFor } from '../maxSeqLength';
import type { TextTokenizer } from '../../tokenizer/textTokenizer';
import type { TokenBatch } from '../../tokenizer/types';
import type { InputModule } from '../inputModule';
import { OnnxEncoder } from '../onnx/onnxEncoder';
import type { ModelForwardOptions, TrainingMemory } from '../types';
import { loadModelWeights } from '../safetensors/loadWeights';
import { writeSafetensors } from '../safetensors/write';
import { architectureFor } from './architectures';
import type { Architecture, EncoderConfig, TransformerEncoder } from './encoder';

export interface TransformerLoadOptions {
  /** Override `max_seq_length` (never above what the position embeddings cover). */
  maxSeqLength?: number;
}

export class Transformer implements InputModule {
  readonly moduleType = 'sentence_transformers.models.Transformer';
  readonly defaultPath = '';
  readonly produces = 'token_embeddings';
  /** The onnxruntime session of {@link infer}, built on first use. */
  private onnx: OnnxEncoder | undefined;

  constructor(
    readonly encoder: TransformerEncoder,
    readonly tokenizer: TextTokenizer,
    /** Writes the config back on save; by default the one `encoder.config.raw` names. */
    readonly architecture: Architecture<EncoderConfig> = architectureFor(encoder.config.raw, 'config.json'),
    /** `sentence_bert_config.json` as read: keys besides max_seq_length / do_lower_case (model_args, tokenizer_args, config_args, …) are written back. */
    readonly sbertConfig: Record<string, unknown> = {},
  ) {}

  /** Loads the Transformer module stored in `dir`; the architecture comes from its config.json. */
  static load(dir: string, options: TransformerLoadOptions = {}): Transformer {
    const configPath = join(dir, 'config.json');
    const raw = readJsonFile<Record<string, unknown>>(configPath);
    const architecture = architectureFor(raw, configPath);
    const config = architecture.parseConfig(raw, configPath);
    // tokenizer first: a missing tokenizer should fail before megabytes of weights are read
    const unlimited = loadTokenizer(dir, { maxLength: Infinity });
    const maxSeqLength = maxSeqLengthFor(options.maxSeqLength, {
      fromFolder: resolveMaxSeqLength(dir),
      positions: config.maxSequenceLength,
      specialTokens: unlimited.specialTokenCount,
      source: dir,
    });
    const tokenizer = unlimited.withOptions({ maxLength: maxSeqLength });
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new EmbedlabError(`${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but vocab_size is ${config.vocabSize}`);
    }
    const sbertConfig = readJsonIfExists<Record<string, unknown>>(join(dir, 'sentence_bert_config.json')) ?? {};
    return new Transformer(architecture.fromTensors(config, loadModelWeights(dir), dir), tokenizer, architecture, sbertConfig);
  }

  get outputDimension(): number {
    return this.encoder.config.hiddenSize;
  }

  /** Whether the encoder recomputes its layers in the backward pass (see `recomputeLayer`). */
  get recomputesActivations(): boolean {
    return this.encoder.recomputesActivations ?? false;
  }

  trainingMemory(seqLength: number): TrainingMemory | undefined {
    return this.encoder.trainingMemory?.(seqLength);
  }

  get maxSeqLength(): number {
    return this.tokenizer.maxLength;
  }

  forward(batch: TokenBatch, options: ModelForwardOptions = {}): tf.Tensor3D {
    return this.encoder.forward(batch, options).lastHiddenState;
  }

  /**
   * `forward(batch, false)` on onnxruntime when the architecture has an
   * inference graph and `EMBEDLAB_ENCODER` allows it; undefined means tfjs.
   */
  async infer(batch: TokenBatch): Promise<tf.Tensor3D | undefined> {
    const encoder = this.encoder;
    if (!encoder.inferenceGraph) return undefined;
    this.onnx ??= new OnnxEncoder({ variables: encoder.variables, inferenceGraph: () => encoder.inferenceGraph!() });
    return this.onnx.run(batch);
  }

  seedDropout(seed: number): void {
    this.encoder.seedDropout(seed);
  }

  namedWeights(): Map<string, tf.Variable> {
    return this.encoder.variables;
  }

  async save(dir: string): Promise<void> {
    await writeSafetensors(join(dir, 'model.safetensors'), await this.encoder.hostTensors());
    const config = this.architecture.configJson(this.encoder.config);
    await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    for (const [name, text] of this.tokenizer.files) await writeFileAtomic(join(dir, name), text);
    const sbert = { ...this.sbertConfig, max_seq_length: this.maxSeqLength, do_lower_case: this.tokenizer.doLowerCase };
    await writeFileAtomic(join(dir, 'sentence_bert_config.json'), JSON.stringify(sbert, null, 2) + '\n');
  }

  /** The module as Python's `print(model)` shows it, for the model card. */
  pythonRepr(): string {
    const lower = this.tokenizer.doLowerCase ? 'True' : 'False';
    return `Transformer({'max_seq_length': ${this.maxSeqLength}, 'do_lower_case': ${lower}, 'architecture': '${this.architecture.modelClass}'})`;
  }

  describe(): string {
    const c = this.encoder.config;
    return `${this.architecture.modelClass} (${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads, intermediate ${c.intermediateSize})`;
  }

  dispose(): void {
    this.onnx?.dispose();
    this.onnx = undefined;
    this.encoder.dispose();
  }
}
