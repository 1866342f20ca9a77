/**
 * Randomly initialised models, seeded, for tests, benchmarks and training
 * from scratch.
 *
 * @example
 * // an all-MiniLM-L6-v2-shaped BERT with the real tokenizer
 * const model = createRandomBert(
 *   { hidden_size: 384, num_hidden_layers: 6, num_attention_heads: 12, intermediate_size: 1536 },
 *   '../shared/models/all-MiniLM-L6-v2-config-and-tokenizer',
 *   { seed: 42, maxSeqLength: 128 },
 * );
 * // any supported architecture, by model_type
 * const mpnet = createRandomTransformer({ model_type: 'mpnet', hidden_size: 96, num_attention_heads: 3 }, tokenizerDir, { seed: 1 });
 * const static256 = createStaticModel('./bge-small-en-v1.5', { dim: 256, seed: 1 });
 */
import { Random } from '../util/random';
import { loadTokenizer, resolveMaxSeqLength } from '../tokenizer/loadTokenizer';
import type { HostTensor } from './safetensors/dtypes';
import type { PoolingMode } from './pooling/pooling';
import { SentenceTransformer } from './sentenceTransformer';
import { StaticEmbedding } from './static/staticEmbedding';
import { Transformer, architectureFor } from './transformer';

/** Options for {@link createRandomBert}. */
export interface RandomBertOptions {
  /** Seeds every weight (and the dropout masks). */
  seed: number;
  /**
   * @default `mean`
   */
  pooling?: PoolingMode;
  /**
   * Add a Normalize module.
   * @default true
   */
  normalize?: boolean;
  /**
   * @default the tokenizer folder's max length, capped by max_position_embeddings
   */
  maxSeqLength?: number;
  /**
   * Include the tanh pooler weights (as `BertModel`).
   * @default true
   */
  pooler?: boolean;
}

/**
 * A BERT sentence-embedding model with Hugging Face's initialisation
 * (weights and embeddings N(0, initializer_range), [PAD] row and biases 0,
 * LayerNorm 1/0), drawn from `Random(seed)`. `config` uses config.json keys;
 * missing ones take BertConfig defaults (vocab_size: the tokenizer's).
 *
 * @example
 * const model = createRandomBert({ hidden_size: 384, num_hidden_layers: 6, num_attention_heads: 12, intermediate_size: 1536 },
 *   './all-MiniLM-L6-v2', { seed: 42, maxSeqLength: 128 });
 */
export function createRandomBert(config: Record<string, unknown>, tokenizerDir: string, options: RandomBertOptions): SentenceTransformer {
  return createRandomTransformer({ model_type: 'bert', ...config }, tokenizerDir, options);
}

/**
 * A sentence-embedding model of the architecture `config.model_type` names
 * (`bert`, `xlm-roberta`, `distilbert`, `mpnet`, …) over the tokenizer in
 * `tokenizerDir`, with Hugging Face's initialisation drawn from
 * `Random(seed)`: weights and embeddings N(0, initializer_range), the padding
 * row and biases 0, LayerNorms 1/0. Missing config.json keys take the
 * architecture's defaults (vocab_size: the tokenizer's).
 */
export function createRandomTransformer(config: Record<string, unknown>, tokenizerDir: string, options: RandomBertOptions): SentenceTransformer {
  const probe = loadTokenizer(tokenizerDir, { maxLength: Infinity });
  const source = `random ${String(config.model_type)} config`;
  const architecture = architectureFor(config, source);
  const raw: Record<string, unknown> = { architectures: [architecture.modelClass], vocab_size: probe.vocabSize, ...config };
  const parsed = architecture.parseConfig(raw, source);
  // every architecture's config says these, under its own field names
  const { initializerRange = 0.02, padTokenId = 0 } = parsed as { initializerRange?: number; padTokenId?: number };
  const random = new Random(options.seed);
  const tensors = new Map<string, HostTensor>();
  for (const spec of architecture.tensorSpecs(parsed, { pooler: options.pooler ?? true })) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (/(LayerNorm|layer_norm|norm)\.weight$/.test(spec.name)) data.fill(1);
    else if (spec.name.endsWith('.weight')) {
      for (let i = 0; i < data.length; i++) data[i] = random.normal() * initializerRange;
      if (spec.name === 'embeddings.word_embeddings.weight' && padTokenId < parsed.vocabSize) {
        data.fill(0, padTokenId * parsed.hiddenSize, (padTokenId + 1) * parsed.hiddenSize);
      }
    }
    tensors.set(spec.name, { shape: spec.shape, data });
  }
  const maxLength = Math.min(options.maxSeqLength ?? resolveMaxSeqLength(tokenizerDir), parsed.maxSequenceLength);
  const encoder = architecture.fromTensors(parsed, tensors, source);
  encoder.seedDropout(options.seed);
  const transformer = new Transformer(encoder, probe.withOptions({ maxLength }), architecture);
  return new SentenceTransformer(transformer, {
    pooling: { wordDimension: parsed.hiddenSize, modes: [options.pooling ?? 'mean'], includePrompt: true },
    normalize: options.normalize ?? true,
  });
}

/** Options for {@link createStaticModel}. */
export interface StaticModelOptions {
  /** Embedding width. */
  dim: number;
  /**
   * Seeds the N(0, 1) initialisation.
   * @default 42
   */
  seed?: number;
  /**
   * Add a Normalize module.
   * @default true
   */
  normalize?: boolean;
}

/**
 * A {@link StaticEmbedding} model over the tokenizer in `tokenizerDir`, initialised N(0, 1) from `seed`.
 *
 * @example
 * const model = createStaticModel(BUILTIN_TOKENIZER, { dim: 256 });
 */
export function createStaticModel(tokenizerDir: string, options: StaticModelOptions): SentenceTransformer {
  return new SentenceTransformer(StaticEmbedding.random(tokenizerDir, { dim: options.dim, seed: options.seed ?? 42 }), {
    normalize: options.normalize ?? true,
  });
}
