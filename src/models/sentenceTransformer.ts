import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbedlabError } from '../util/errors';
import { ensureBackend } from '../backend';
import { writeFileAtomic } from '../util/fs';
import { checkOutput, prepareOutputFolder } from '../util/outputs';
import { checkOptions, checkTexts } from '../util/validate';
import { Matrix, normalizeInPlace } from '../util/matrix';
import { breathe, longCall } from '../util/longCall';
import type { TokenBatch } from '../tokenizer/types';
import type { TextTokenizer } from '../tokenizer/textTokenizer';
import type { EncodeOptions, ModelForwardOptions, SentenceEmbedder, TrainingMemory } from './types';
import type { InputModule } from './inputModule';
import { pool, poolingConfigJson, poolingDimension, type PoolingConfig } from './pooling/pooling';
import { l2Normalize } from './pooling/normalize';
import { checkPushRepoId, pushToHub, type PushOptions, type PushResult } from '../hub/push';
import { ModelCardData } from './export/cardData';
import { modelCard } from './export/modelCard';
import { FORMAT_VERSIONS, embedlabVersion } from '../util/versions';

export interface SentenceTransformerSettings {
  /** Pooling module (required when the input module produces token embeddings). */
  pooling?: PoolingConfig;
  /** A Normalize module after pooling. */
  normalize?: boolean;
  /** Named prompts from `config_sentence_transformers.json`. */
  prompts?: Record<string, string>;
  /** Prompt used when `encode` gets neither `prompt` nor `promptName`. */
  defaultPromptName?: string | null;
  /** `config_sentence_transformers.json` as read; other fields are kept on save. */
  stConfig?: Record<string, unknown>;
  /** The local folder the model was loaded from: `save` never writes into it. */
  folder?: string;
  /** What the model card says; default: nothing known yet. */
  cardData?: ModelCardData;
}

/** Options for {@link SentenceTransformer.save}. */
export interface SaveOptions {
  /**
   * Write into a folder that holds files embedlab did not write (same-named files are replaced, none is deleted).
   * @default false
   */
  overwrite?: boolean;
}

/**
 * A sentence-transformers model in TensorFlow.js: an input module (a
 * Transformer — BERT, XLM-RoBERTa, DistilBERT, MPNet — or a StaticEmbedding),
 * then Pooling and Normalize as the model's `modules.json` says. Embeddings match Python's
 * `SentenceTransformer.encode` for the same folder.
 *
 * @example
 * import { loadModel } from 'embedlab';
 * const model = await loadModel('BAAI/bge-small-en-v1.5');
 * const queries = await model.encode(['what is the revenue?'], { prompt: 'Represent this sentence for searching relevant passages: ' });
 * const docs = await model.encode(corpus, { batchSize: 32, truncateDim: 256, onProgress: (done, total) => console.log(done, total) });
 * await model.save('./my-finetuned-model');
 * model.dispose();
 */
export class SentenceTransformer implements SentenceEmbedder {
  readonly pooling: PoolingConfig | undefined;
  /** Whether the model ends with a Normalize module. */
  readonly normalizes: boolean;
  readonly prompts: Record<string, string>;
  readonly defaultPromptName: string | null;
  /** Lineage, training details and evaluation results that the saved model card shows. */
  readonly cardData: ModelCardData;
  private readonly stConfig: Record<string, unknown>;
  /** The local folder the model was loaded from (a hub model's cache folder), if any. */
  readonly folder: string | undefined;

  constructor(
    readonly input: InputModule,
    settings: SentenceTransformerSettings = {},
  ) {
    this.pooling = settings.pooling;
    this.normalizes = settings.normalize ?? false;
    this.prompts = { ...(settings.prompts ?? {}) };
    this.defaultPromptName = settings.defaultPromptName ?? null;
    this.stConfig = settings.stConfig ?? {};
    this.folder = settings.folder;
    this.cardData = settings.cardData ?? new ModelCardData();
    if (input.produces === 'token_embeddings' && !this.pooling) {
      throw new EmbedlabError('a Transformer module needs a Pooling module after it (1_Pooling/config.json)');
    }
    if (input.produces === 'sentence_embedding' && this.pooling) {
      throw new EmbedlabError(`${input.moduleType} already produces sentence embeddings; it cannot be followed by Pooling`);
    }
    if (this.pooling && this.pooling.wordDimension !== input.outputDimension) {
      throw new EmbedlabError(
        `Pooling word_embedding_dimension ${this.pooling.wordDimension} does not match the model's hidden size ${input.outputDimension}`,
      );
    }
    if (this.defaultPromptName !== null && !(this.defaultPromptName in this.prompts)) {
      throw new EmbedlabError(`default_prompt_name "${this.defaultPromptName}" is not one of the prompts (${Object.keys(this.prompts).join(', ') || 'none'})`);
    }
  }

  get dimension(): number {
    return this.pooling ? poolingDimension(this.pooling) : this.input.outputDimension;
  }

  get maxSeqLength(): number {
    return this.input.maxSeqLength;
  }

  /** The input module's estimate of a training step's memory, if it has one. */
  trainingMemory(seqLength: number): TrainingMemory | undefined {
    return this.input.trainingMemory?.(seqLength);
  }

  get recomputesActivations(): boolean {
    return this.input.recomputesActivations ?? false;
  }

  get tokenizer(): TextTokenizer {
    return this.input.tokenizer;
  }

  /** Tokenises as the model's input module does: special tokens, truncation to maxSeqLength, right padding. */
  tokenize(texts: string[]): TokenBatch {
    return this.input.tokenizer.encodeBatch(texts);
  }

  /**
   * Differentiable embeddings `[batch, dimension]`: input module → Pooling →
   * Normalize. `training` turns on dropout. The caller disposes the result.
   */
  forward(batch: TokenBatch, options: ModelForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.input.forward(batch, options);
      const pooled = this.pooling ? pool(out as tf.Tensor3D, batch, this.pooling, batch.promptLength) : (out as tf.Tensor2D);
      return this.normalizes ? l2Normalize(pooled) : pooled;
    });
  }

  /**
   * {@link forward} without gradients, for encoding: the input module's
   * inference engine (onnxruntime) when it has one, else tfjs.
   */
  private async embedBatch(batch: TokenBatch): Promise<tf.Tensor2D> {
    const tokens = await this.input.infer?.(batch);
    if (!tokens) return this.forward(batch);
    return tf.tidy(() => {
      const pooled = this.pooling ? pool(tokens as tf.Tensor3D, batch, this.pooling, batch.promptLength) : (tokens as tf.Tensor2D);
      tokens.dispose();
      return this.normalizes ? l2Normalize(pooled) : pooled;
    });
  }

  /**
   * Trainable weights under their Hugging Face names. Transformer Linear weights are
   * held transposed (`[in, out]`); `save` writes them back as `[out, in]`.
   * The tanh pooler's weights are listed but unused by pooling (no gradient).
   */
  namedWeights(): Map<string, tf.Variable> {
    return this.input.namedWeights();
  }

  /** Reseeds the dropout masks `forward(…, {training: true})` draws, for reproducible training. */
  seedDropout(seed: number): void {
    this.input.seedDropout?.(seed);
  }

  /**
   * The prompt `encode` would prepend: `prompt`, else the named prompt, else
   * the model's default prompt, else none.
   */
  resolvePrompt(options: Pick<EncodeOptions, 'prompt' | 'promptName'> = {}): string {
    if (options.prompt !== undefined) return options.prompt;
    const name = options.promptName ?? this.defaultPromptName;
    if (name === null || name === undefined) return '';
    const prompt = this.prompts[name];
    if (prompt === undefined) {
      throw new EmbedlabError(`prompt name "${name}" is not defined; the model's prompts are: ${Object.keys(this.prompts).join(', ') || 'none'}`);
    }
    return prompt;
  }

  /**
   * Embeds `texts` in batches of `batchSize` (longest texts first, so batches
   * pad little) and returns one float32 row per text, in input order.
   * `truncateDim` keeps the first N dimensions and re-normalises them when
   * `normalize` (default: whether the model has a Normalize module).
   * `normalize: true` also normalises a model without a Normalize module;
   * `normalize: false` cannot undo the module's normalisation of the full
   * embedding. Progress is reported after every batch; `signal` stops between
   * batches with an AbortError. Without them, a notebook or terminal shows a
   * progress bar and Kernel → Interrupt stops the encoding.
   *
   * @example
   * const m = await model.encode(['first text', 'second text'], { batchSize: 64, truncateDim: 128 });
   * m.rows; // 2
   * m.cols; // 128
   */
  async encode(texts: string[], options: EncodeOptions = {}): Promise<Matrix> {
    checkTexts(texts, 'encode(texts)');
    checkOptions(options, 'encode(texts, options)');
    await ensureBackend();
    return longCall('Encoding', options, (hooks) => this.encodeBatches(texts, { ...options, ...hooks }), { unit: 'texts' });
  }

  private async encodeBatches(texts: string[], options: EncodeOptions): Promise<Matrix> {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new EmbedlabError(`batchSize must be a positive integer, got ${batchSize}`);
    const dim = this.dimension;
    if (options.truncateDim !== undefined && (!Number.isInteger(options.truncateDim) || options.truncateDim < 1 || options.truncateDim > dim)) {
      throw new EmbedlabError(`truncateDim ${options.truncateDim} is outside 1..${dim}`);
    }
    const prompt = this.resolvePrompt(options);
    const inputs = prompt ? texts.map((t) => prompt + t) : texts;
    // as upstream: the prompt's token count without the trailing special token
    const promptLength = prompt ? this.input.tokenizer.encode(prompt).ids.length - 1 : undefined;

    // longest first, so each batch pads little (upstream sorts by character length too)
    const lengths = inputs.map((t) => [...t].length);
    const order = inputs.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
    const out = new Float32Array(texts.length * dim);
    for (let start = 0; start < order.length; start += batchSize) {
      options.signal?.throwIfAborted();
      const indices = order.slice(start, start + batchSize);
      const batch = this.tokenize(indices.map((i) => inputs[i]!));
      if (promptLength !== undefined) batch.promptLength = promptLength;
      const embeddings = await this.embedBatch(batch);
      const values = await embeddings.data();
      embeddings.dispose();
      indices.forEach((i, k) => out.set(values.subarray(k * dim, (k + 1) * dim), i * dim));
      options.onProgress?.(Math.min(start + batchSize, order.length), order.length);
      await breathe();
    }
    options.signal?.throwIfAborted();

    const matrix = new Matrix(out, texts.length, dim);
    const normalize = options.normalize ?? this.normalizes;
    if (options.truncateDim !== undefined && options.truncateDim < dim) return matrix.truncate(options.truncateDim, normalize);
    if (normalize && !this.normalizes) for (let i = 0; i < matrix.rows; i++) normalizeInPlace(matrix.row(i));
    return matrix;
  }

  /**
   * {@link encode} for search queries: unless `prompt` or `promptName` is
   * given, the model's prompt named "query" is used when it has one (else the
   * default prompt), as sentence-transformers' `encode_query` does.
   *
   * @example
   * const q = await model.encodeQuery(['what was revenue in 2023?']); // with prompts.query when the model defines it
   */
  encodeQuery(texts: string[], options: EncodeOptions = {}): Promise<Matrix> {
    const unset = options.prompt === undefined && options.promptName === undefined;
    return this.encode(texts, unset && 'query' in this.prompts ? { ...options, promptName: 'query' } : options);
  }

  /**
   * {@link encode} for documents: unless `prompt` or `promptName` is given,
   * the first of the model's prompts named "document", "passage" or "corpus"
   * is used (else the default prompt), as sentence-transformers'
   * `encode_document` does.
   *
   * @example
   * const d = await model.encodeDocument(corpusTexts, { batchSize: 64 });
   */
  encodeDocument(texts: string[], options: EncodeOptions = {}): Promise<Matrix> {
    const unset = options.prompt === undefined && options.promptName === undefined;
    const name = unset ? ['document', 'passage', 'corpus'].find((n) => n in this.prompts) : undefined;
    return this.encode(texts, name !== undefined ? { ...options, promptName: name } : options);
  }

  /**
   * Writes the sentence-transformers folder: the input module's files
   * (`model.safetensors` with Hugging Face names, `config.json`, tokenizer
   * files, `sentence_bert_config.json` — or `0_StaticEmbedding/`),
   * `modules.json`, `1_Pooling/config.json`, `2_Normalize/`,
   * `config_sentence_transformers.json` and a `README.md` model card.
   * Every file is written atomically. `dir` must be new, empty, or written by
   * embedlab before (unless `overwrite`), and never the folder the model was
   * loaded from.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    checkOutput({
      path: dir,
      kind: 'folder',
      name: 'model.save(dir)',
      reads: [{ name: 'the folder this model was loaded from', path: this.folder }],
      overwrite: options.overwrite,
      overwriteHint: '{ overwrite: true }',
    });
    prepareOutputFolder(dir, 'model');
    const modules: Record<string, unknown>[] = [];
    const addModule = (path: string, type: string) => modules.push({ idx: modules.length, name: String(modules.length), path, type });

    await mkdir(join(dir, this.input.defaultPath), { recursive: true });
    await this.input.save(join(dir, this.input.defaultPath));
    addModule(this.input.defaultPath, this.input.moduleType);
    if (this.pooling) {
      const path = `${modules.length}_Pooling`;
      await writeFileAtomic(join(dir, path, 'config.json'), JSON.stringify(poolingConfigJson(this.pooling), null, 4) + '\n');
      addModule(path, 'sentence_transformers.models.Pooling');
    }
    if (this.normalizes) {
      const path = `${modules.length}_Normalize`;
      await mkdir(join(dir, path), { recursive: true });
      addModule(path, 'sentence_transformers.models.Normalize');
    }
    await writeFileAtomic(join(dir, 'modules.json'), JSON.stringify(modules, null, 2) + '\n');
    const stConfig = {
      ...this.stConfig,
      model_type: 'SentenceTransformer',
      // the formats followed, as upstream records its own versions; no PyTorch was involved
      __version__: { sentence_transformers: FORMAT_VERSIONS.sentence_transformers, transformers: FORMAT_VERSIONS.transformers, pytorch: null, embedlab: embedlabVersion() },
      prompts: this.prompts,
      default_prompt_name: this.defaultPromptName,
      similarity_fn_name: this.similarityFnName,
    };
    await writeFileAtomic(join(dir, 'config_sentence_transformers.json'), JSON.stringify(stConfig, null, 2) + '\n');
    await writeFileAtomic(join(dir, 'README.md'), await this.modelCard(dir));
  }

  /** The similarity function sentence-transformers uses for this model (`cosine` unless the config says otherwise). */
  get similarityFnName(): string {
    return (this.stConfig.similarity_fn_name as string | undefined) ?? 'cosine';
  }

  /** The model as sentence-transformers prints it (`str(model)`), for the card's "Full Model Architecture". */
  pythonRepr(): string {
    const kind = this.input.moduleType.split('.').pop()!;
    const modules = [this.input.pythonRepr?.() ?? `${kind}()`];
    if (this.pooling) {
      const config = Object.entries(poolingConfigJson(this.pooling)).map(([k, v]) => `'${k}': ${typeof v === 'boolean' ? (v ? 'True' : 'False') : v}`);
      modules.push(`Pooling({${config.join(', ')}})`);
    }
    if (this.normalizes) modules.push('Normalize()');
    return `SentenceTransformer(\n${modules.map((m, i) => `  (${i}): ${m}`).join('\n')}\n)`;
  }

  /**
   * The README.md model card (sentence-transformers' template) for a copy
   * saved in `dir`: its usage snippet runs the card's example texts through
   * this model to show real similarity scores.
   */
  async modelCard(dir: string): Promise<string> {
    const data = this.cardData;
    let similarities: string | undefined;
    const example = data.predictExample;
    if (data.irModel && example && example.length > 1 && this.similarityFnName === 'cosine') {
      // a few texts, no bar; and not stopped by an interrupt, whose checkpoint is being written
      const quiet = { normalize: true, signal: new AbortController().signal, onProgress: () => {} };
      const q = await this.encodeQuery([example[0]!], quiet);
      const d = await this.encodeDocument(example.slice(1), quiet);
      const scores = Array.from({ length: d.rows }, (_, j) => q.row(0).reduce((sum, x, k) => sum + x * d.row(j)[k]!, 0));
      const cells = scores.map((x) => x.toFixed(4));
      const width = Math.max(...cells.map((c) => c.length));
      similarities = `# tensor([[${cells.map((c) => c.padStart(width)).join(', ')}]])`;
    }
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    return modelCard({
      architecture: this.pythonRepr(),
      dimension: this.dimension,
      maxSeqLength: this.maxSeqLength,
      similarityFnName: this.similarityFnName,
      modelRef: data.modelId ?? dir,
      ...(similarities && { similarities }),
      versions: {
        embedlab: embedlabVersion(),
        'TensorFlow.js': `${tf.version.tfjs} (${tf.getBackend()} backend)`,
        'Node.js': process.versions.node,
        'Sentence Transformers (file format)': FORMAT_VERSIONS.sentence_transformers,
        'Transformers (config.json format)': FORMAT_VERSIONS.transformers,
      },
      data,
    });
  }

  /**
   * Saves the model (its card's usage snippets naming `repoId`) and pushes it
   * to the Hugging Face Hub, creating the repo when needed — as
   * sentence-transformers' `push_to_hub`. The temporary copy is removed after.
   *
   * @example
   * const { url } = await model.push('my-org/bge-base-financial-matryoshka', { private: true });
   */
  async push(repoId: string, options: PushOptions = {}): Promise<PushResult> {
    checkPushRepoId(repoId);
    const dir = await mkdtemp(join(tmpdir(), 'embedlab-push-'));
    const previous = this.cardData.modelId;
    this.cardData.modelId = repoId;
    try {
      await this.save(dir);
      return await pushToHub(dir, repoId, options);
    } finally {
      this.cardData.modelId = previous;
      await rm(dir, { recursive: true, force: true });
    }
  }

  dispose(): void {
    this.input.dispose();
  }
}
