/**
 * The Hugging Face `config.json` fields a ModernBERT encoder needs
 * (`model_type: "modernbert"`: answerdotai/ModernBERT-*,
 * Alibaba-NLP/gte-modernbert-base, nomic-ai/modernbert-embed-base), validated,
 * with transformers' `ModernBertConfig` defaults for omitted fields. Both
 * config layouts are read: the original one (`global_rope_theta`,
 * `local_rope_theta`, `global_attn_every_n_layers`) and the newer
 * `layer_types` / `rope_parameters`.
 */
import { EmbedlabError } from '../../util/errors';
import { configFields } from '../transformer/configFields';
import { activation } from '../ops';

export type ModernBertLayerType = 'full_attention' | 'sliding_attention';

export interface ModernBertConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  hiddenActivation: string;
  maxPositionEmbeddings: number;
  /** Longest token sequence read: `max_position_embeddings` (RoPE itself has no table to run out of). */
  maxSequenceLength: number;
  initializerRange: number;
  initializerCutoffFactor: number;
  normEps: number;
  /** LayerNorms have a bias β. */
  normBias: boolean;
  /** `Wqkv` and the attention `Wo` have biases. */
  attentionBias: boolean;
  /** `Wi` and the MLP `Wo` have biases. */
  mlpBias: boolean;
  embeddingDropout: number;
  attentionDropout: number;
  mlpDropout: number;
  /** Total width of the sliding window: a local layer's token sees keys at distance ≤ `localAttention / 2` (floored). */
  localAttention: number;
  /** Layer `i` attends through the sliding window unless `i % globalAttnEveryNLayers === 0`. */
  globalAttnEveryNLayers: number;
  /** Which rotary frequencies each layer uses. */
  layerTypes: ModernBertLayerType[];
  /** RoPE base of `full_attention` layers (`global_rope_theta`). */
  globalRopeTheta: number;
  /** RoPE base of `sliding_attention` layers (`local_rope_theta`). */
  localRopeTheta: number;
  padTokenId: number;
  /** The config.json object as read, written back on save. */
  raw: Record<string, unknown>;
}

/** Defaults of transformers' `ModernBertConfig` for fields a config may omit. */
export const MODERNBERT_DEFAULTS = {
  vocab_size: 50368,
  hidden_size: 768,
  intermediate_size: 1152,
  num_hidden_layers: 22,
  num_attention_heads: 12,
  hidden_activation: 'gelu',
  max_position_embeddings: 8192,
  initializer_range: 0.02,
  initializer_cutoff_factor: 2.0,
  norm_eps: 1e-5,
  norm_bias: false,
  pad_token_id: 50283,
  eos_token_id: 50282,
  bos_token_id: 50281,
  cls_token_id: 50281,
  sep_token_id: 50282,
  global_rope_theta: 160000.0,
  local_rope_theta: 10000.0,
  attention_bias: false,
  attention_dropout: 0.0,
  global_attn_every_n_layers: 3,
  local_attention: 128,
  embedding_dropout: 0.0,
  mlp_bias: false,
  mlp_dropout: 0.0,
  decoder_bias: true,
  classifier_pooling: 'cls',
  classifier_dropout: 0.0,
  classifier_bias: false,
  classifier_activation: 'gelu',
  deterministic_flash_attn: false,
  sparse_prediction: false,
  sparse_pred_ignore_index: -100,
  tie_word_embeddings: true,
} as const;

/** Whether a config.json describes a ModernBERT model (`model_type`, else `architectures`). */
export function isModernBertConfig(raw: Record<string, unknown>): boolean {
  if (typeof raw.model_type === 'string') return raw.model_type === 'modernbert';
  const architectures = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]) : [];
  return architectures.some((a) => typeof a === 'string' && /^ModernBert/.test(a));
}

/** Validates `raw` (from `source`, for messages) and fills defaults. */
export function parseModernBertConfig(raw: Record<string, unknown>, source: string): ModernBertConfig {
  if (!isModernBertConfig(raw)) {
    throw new EmbedlabError(`${source}: not a ModernBERT config (model_type ${JSON.stringify(raw.model_type ?? null)})`);
  }
  const merged = { ...MODERNBERT_DEFAULTS, ...raw } as Record<string, unknown>;
  const { positiveInt, positive, probability, flag } = configFields(merged, source);

  const numHiddenLayers = positiveInt('num_hidden_layers');
  const globalAttnEveryNLayers = positiveInt('global_attn_every_n_layers');
  const layerTypes = parseLayerTypes(merged.layer_types, numHiddenLayers, globalAttnEveryNLayers, source);
  const [globalRopeTheta, localRopeTheta] = ropeThetas(merged, source, positive);

  const config: ModernBertConfig = {
    vocabSize: positiveInt('vocab_size'),
    hiddenSize: positiveInt('hidden_size'),
    intermediateSize: positiveInt('intermediate_size'),
    numHiddenLayers,
    numAttentionHeads: positiveInt('num_attention_heads'),
    hiddenActivation: String(merged.hidden_activation),
    maxPositionEmbeddings: positiveInt('max_position_embeddings'),
    maxSequenceLength: 0,
    initializerRange: positive('initializer_range'),
    initializerCutoffFactor: merged.initializer_cutoff_factor === null ? 3 : positive('initializer_cutoff_factor'),
    normEps: positive('norm_eps'),
    normBias: flag('norm_bias'),
    attentionBias: flag('attention_bias'),
    mlpBias: flag('mlp_bias'),
    embeddingDropout: probability('embedding_dropout'),
    attentionDropout: probability('attention_dropout'),
    mlpDropout: probability('mlp_dropout'),
    localAttention: positiveInt('local_attention'),
    globalAttnEveryNLayers,
    layerTypes,
    globalRopeTheta,
    localRopeTheta,
    padTokenId: typeof merged.pad_token_id === 'number' ? merged.pad_token_id : MODERNBERT_DEFAULTS.pad_token_id,
    raw,
  };
  config.maxSequenceLength = config.maxPositionEmbeddings;
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new EmbedlabError(`${source}: hidden_size ${config.hiddenSize} is not a multiple of num_attention_heads ${config.numAttentionHeads}`);
  }
  if ((config.hiddenSize / config.numAttentionHeads) % 2 !== 0) {
    throw new EmbedlabError(`${source}: the head size hidden_size / num_attention_heads = ${config.hiddenSize / config.numAttentionHeads} must be even for rotary embeddings`);
  }
  if (!activation(config.hiddenActivation)) {
    throw new EmbedlabError(`${source}: hidden_activation "${config.hiddenActivation}" is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu, silu)`);
  }
  return config;
}

/** `layer_types` as given, else transformers' default: `sliding_attention` unless `i % global_attn_every_n_layers === 0`. */
function parseLayerTypes(value: unknown, layers: number, every: number, source: string): ModernBertLayerType[] {
  if (value === undefined || value === null) {
    return Array.from({ length: layers }, (_, i) => (i % every !== 0 ? 'sliding_attention' : 'full_attention'));
  }
  if (!Array.isArray(value) || value.length !== layers || !value.every((t) => t === 'full_attention' || t === 'sliding_attention')) {
    throw new EmbedlabError(`${source}: "layer_types" must list "full_attention" or "sliding_attention" for each of the ${layers} layers, got ${JSON.stringify(value)}`);
  }
  return value as ModernBertLayerType[];
}

/**
 * RoPE bases [full, sliding]: `rope_parameters[type].rope_theta` when given
 * (newer configs), else `global_rope_theta` / `local_rope_theta` (a null
 * `local_rope_theta` means the global one, as transformers 4.48 reads it).
 * Only the plain ("default") RoPE is supported.
 */
function ropeThetas(merged: Record<string, unknown>, source: string, positive: (key: string, v?: unknown) => number): [number, number] {
  if (merged.rope_scaling !== undefined && merged.rope_scaling !== null) {
    throw new EmbedlabError(`${source}: "rope_scaling" ${JSON.stringify(merged.rope_scaling)} is not supported (only the default RoPE)`);
  }
  const params = (merged.rope_parameters ?? null) as Record<string, unknown> | null;
  const forType = (type: ModernBertLayerType): Record<string, unknown> | undefined => {
    if (params === null || typeof params !== 'object') return undefined;
    const nested = params[type];
    if (nested && typeof nested === 'object') return nested as Record<string, unknown>;
    return 'rope_theta' in params || 'rope_type' in params ? params : undefined;
  };
  const theta = (type: ModernBertLayerType, legacyKey: string, fallback: unknown): number => {
    const p = forType(type);
    const ropeType = p?.rope_type ?? 'default';
    if (ropeType !== 'default') {
      throw new EmbedlabError(`${source}: rope_parameters.${type}.rope_type "${String(ropeType)}" is not supported (only "default")`);
    }
    if (p?.rope_theta !== undefined) return positive(`rope_parameters.${type}.rope_theta`, p.rope_theta);
    return positive(legacyKey, merged[legacyKey] ?? fallback);
  };
  const global = theta('full_attention', 'global_rope_theta', MODERNBERT_DEFAULTS.global_rope_theta);
  const local = theta('sliding_attention', 'local_rope_theta', global);
  return [global, local];
}

/**
 * The config.json to save: the config as read, with `model_type`,
 * `architectures`, float32 as the dtype (weights are saved in float32) and
 * every field the encoder used spelled out in the layout both transformers
 * 4.48+ and the `layer_types` / `rope_parameters` versions read, so the
 * folder rebuilds the same model whatever their defaults are.
 */
export function modernBertConfigJson(config: ModernBertConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...config.raw,
    model_type: 'modernbert',
    architectures: ['ModernBertModel'],
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    hidden_activation: config.hiddenActivation,
    max_position_embeddings: config.maxPositionEmbeddings,
    initializer_range: config.initializerRange,
    initializer_cutoff_factor: config.initializerCutoffFactor,
    norm_eps: config.normEps,
    norm_bias: config.normBias,
    attention_bias: config.attentionBias,
    mlp_bias: config.mlpBias,
    embedding_dropout: config.embeddingDropout,
    attention_dropout: config.attentionDropout,
    mlp_dropout: config.mlpDropout,
    local_attention: config.localAttention,
    global_attn_every_n_layers: config.globalAttnEveryNLayers,
    global_rope_theta: config.globalRopeTheta,
    local_rope_theta: config.localRopeTheta,
    pad_token_id: config.padTokenId,
  };
  // transformers ≥ 4.56 writes `dtype`, older versions `torch_dtype`; keep the spelling the file had
  if ('dtype' in out) out.dtype = 'float32';
  else out.torch_dtype = 'float32';
  return out;
}
