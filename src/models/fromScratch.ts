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
 * const static256 = createStaticModel('./bge-small-en-v1.5', { dim: 256, seed: 1 });
 */
import { Random } from '../util/random';
import { loadTokenizer, resolveMaxSeqLength } from '../tokenizer/loadTokenizer';
import type { HostTensor } from './safetensors/dtypes';
import { BertEncoder } from './bert/bertEncoder';
import { BERT_DEFAULTS, parseBertConfig } from './bert/config';
import { bertTensorSpecs, bertVariables } from './bert/weights';
import type { PoolingMode } from './pooling/pooling';
import { SentenceTransformer } from './sentenceTransformer';
import { StaticEmbedding } from './static/staticEmbedding';
import { BertTransformer } from './transformerModule';

export interface RandomBertOptions {
  seed: number;
  /** Default `mean`. */
  pooling?: PoolingMode;
  /** Add a Normalize module (default true). */
  normalize?: boolean;
  /** Default: the tokenizer folder's max length, capped by max_position_embeddings. */
  maxSeqLength?: number;
  /** Include the tanh pooler weights (default true, as `BertModel`). */
  pooler?: boolean;
}

/**
 * A BERT sentence-embedding model with Hugging Face's initialisation
 * (weights and embeddings N(0, initializer_range), [PAD] row and biases 0,
 * LayerNorm 1/0), drawn from `Random(seed)`. `config` uses config.json keys;
 * missing ones take BertConfig defaults (vocab_size: the tokenizer's).
 */
export function createRandomBert(config: Record<string, unknown>, tokenizerDir: string, options: RandomBertOptions): SentenceTransformer {
  const probe = loadTokenizer(tokenizerDir, { maxLength: Infinity });
  const raw: Record<string, unknown> = {
    architectures: ['BertModel'],
    model_type: 'bert',
    ...BERT_DEFAULTS,
    vocab_size: probe.vocabSize,
    ...config,
  };
  const parsed = parseBertConfig(raw, 'random BERT config');
  const random = new Random(options.seed);
  const tensors = new Map<string, HostTensor>();
  for (const spec of bertTensorSpecs(parsed, options.pooler ?? true)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.name.endsWith('LayerNorm.weight')) data.fill(1);
    else if (spec.name.endsWith('.weight')) {
      for (let i = 0; i < data.length; i++) data[i] = random.normal() * parsed.initializerRange;
      if (spec.name === 'embeddings.word_embeddings.weight' && parsed.padTokenId < parsed.vocabSize) {
        data.fill(0, parsed.padTokenId * parsed.hiddenSize, (parsed.padTokenId + 1) * parsed.hiddenSize);
      }
    }
    tensors.set(spec.name, { shape: spec.shape, data });
  }
  const maxLength = Math.min(options.maxSeqLength ?? resolveMaxSeqLength(tokenizerDir), parsed.maxPositionEmbeddings);
  const encoder = new BertEncoder(parsed, bertVariables(parsed, tensors, 'random BERT'), options.seed);
  const transformer = new BertTransformer(encoder, probe.withOptions({ maxLength }));
  return new SentenceTransformer(transformer, {
    pooling: { wordDimension: parsed.hiddenSize, modes: [options.pooling ?? 'mean'], includePrompt: true },
    normalize: options.normalize ?? true,
  });
}

export interface StaticModelOptions {
  dim: number;
  seed: number;
  /** Add a Normalize module (default true). */
  normalize?: boolean;
}

/** A {@link StaticEmbedding} model over the tokenizer in `tokenizerDir`, initialised N(0, 1) from `seed`. */
export function createStaticModel(tokenizerDir: string, options: StaticModelOptions): SentenceTransformer {
  return new SentenceTransformer(StaticEmbedding.random(tokenizerDir, { dim: options.dim, seed: options.seed }), {
    normalize: options.normalize ?? true,
  });
}
