/**
 * A randomly initialised ModernBERT sentence-embedding model, seeded, for
 * tests, benchmarks and training from scratch.
 *
 * @example
 * const model = createRandomModernBert(
 *   { hidden_size: 64, num_hidden_layers: 3, num_attention_heads: 4, intermediate_size: 96, local_attention: 16 },
 *   './my-bpe-tokenizer',
 *   { seed: 42, maxSeqLength: 128, pooling: 'cls' },
 * );
 */
import { Random } from '../../util/random';
import { loadTokenizer, resolveMaxSeqLength } from '../../tokenizer/loadTokenizer';
import type { HostTensor } from '../safetensors/dtypes';
import type { PoolingMode } from '../pooling/pooling';
import { SentenceTransformer } from '../sentenceTransformer';
import { MODERNBERT_DEFAULTS, parseModernBertConfig } from './config';
import { ModernBertEncoder } from './modernBertEncoder';
import { Transformer } from '../transformer';
import { modernBertArchitecture } from './architecture';
import { modernBertTensorSpecs, modernBertVariables } from './weights';

export interface RandomModernBertOptions {
  seed: number;
  /** @default 'mean' */
  pooling?: PoolingMode;
  /** Add a Normalize module. @default true */
  normalize?: boolean;
  /** @default the tokenizer folder's max length, capped by max_position_embeddings */
  maxSeqLength?: number;
}

/**
 * A ModernBERT model with transformers' initialisation: Linear weights and
 * token embeddings from a normal truncated at `initializer_cutoff_factor`
 * standard deviations (std `initializer_range`; the output projections
 * `Wo` std `initializer_range / √(2·layers)`), biases 0, LayerNorm 1/0,
 * drawn from `Random(seed)`. `config` uses config.json keys; missing ones
 * take ModernBertConfig defaults (vocab_size: the tokenizer's; pad_token_id
 * and the special ids: the tokenizer's [PAD], [CLS], [SEP]).
 */
export function createRandomModernBert(config: Record<string, unknown>, tokenizerDir: string, options: RandomModernBertOptions): SentenceTransformer {
  const probe = loadTokenizer(tokenizerDir, { maxLength: Infinity });
  const raw: Record<string, unknown> = {
    architectures: ['ModernBertModel'],
    model_type: 'modernbert',
    ...MODERNBERT_DEFAULTS,
    vocab_size: probe.vocabSize,
    pad_token_id: probe.padId,
    ...config,
  };
  const parsed = parseModernBertConfig(raw, 'random ModernBERT config');
  const random = new Random(options.seed);
  const truncatedNormal = (std: number): number => {
    for (;;) {
      const z = random.normal();
      if (Math.abs(z) <= parsed.initializerCutoffFactor) return z * std;
    }
  };
  const outStd = parsed.initializerRange / Math.sqrt(2 * parsed.numHiddenLayers);
  const tensors = new Map<string, HostTensor>();
  for (const spec of modernBertTensorSpecs(parsed)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.name.endsWith('norm.weight')) data.fill(1);
    else if (spec.name.endsWith('.weight')) {
      const std = /\.Wo\.weight$/.test(spec.name) ? outStd : parsed.initializerRange;
      for (let i = 0; i < data.length; i++) data[i] = truncatedNormal(std);
    }
    tensors.set(spec.name, { shape: spec.shape, data });
  }
  const maxLength = Math.min(options.maxSeqLength ?? resolveMaxSeqLength(tokenizerDir), parsed.maxSequenceLength);
  const encoder = new ModernBertEncoder(parsed, modernBertVariables(parsed, tensors, 'random ModernBERT'), options.seed);
  const transformer = new Transformer(encoder, probe.withOptions({ maxLength }), modernBertArchitecture);
  return new SentenceTransformer(transformer, {
    pooling: { wordDimension: parsed.hiddenSize, modes: [options.pooling ?? 'mean'], includePrompt: true },
    normalize: options.normalize ?? true,
  });
}
