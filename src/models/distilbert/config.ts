/**
 * DistilBERT config.json (`dim`, `n_layers`, `n_heads`, `hidden_dim`,
 * `activation`, `dropout`, `attention_dropout`, …) with `DistilBertConfig`'s
 * defaults. Its LayerNorms use eps 1e-12 whatever the config says, as
 * `modeling_distilbert.py` hard-codes it.
 */
import { EmbedlabError } from '../../util/errors';
import { configFields } from '../transformer/configFields';
import { activation } from '../ops';
import type { EncoderConfig } from '../transformer/encoder';

export interface DistilBertConfig extends EncoderConfig {
  maxPositionEmbeddings: number;
  activation: string;
  dropout: number;
  attentionDropout: number;
  initializerRange: number;
  padTokenId: number;
}

/** transformers' `DistilBertConfig` defaults. */
export const DISTILBERT_DEFAULTS = {
  vocab_size: 30522,
  max_position_embeddings: 512,
  sinusoidal_pos_embds: false,
  n_layers: 6,
  n_heads: 12,
  dim: 768,
  hidden_dim: 3072,
  dropout: 0.1,
  attention_dropout: 0.1,
  activation: 'gelu',
  initializer_range: 0.02,
  pad_token_id: 0,
} as const;

/** The eps of every DistilBERT LayerNorm (fixed in the modeling code, not a config field). */
export const DISTILBERT_LAYER_NORM_EPS = 1e-12;

/** Validates `raw` (from `source`, for messages) and fills defaults. */
export function parseDistilBertConfig(raw: Record<string, unknown>, source: string): DistilBertConfig {
  const merged = { ...DISTILBERT_DEFAULTS, ...raw } as Record<string, unknown>;
  const { positiveInt, probability } = configFields(merged, source);
  const config: DistilBertConfig = {
    vocabSize: positiveInt('vocab_size'),
    hiddenSize: positiveInt('dim'),
    numHiddenLayers: positiveInt('n_layers'),
    numAttentionHeads: positiveInt('n_heads'),
    intermediateSize: positiveInt('hidden_dim'),
    maxPositionEmbeddings: positiveInt('max_position_embeddings'),
    maxSequenceLength: positiveInt('max_position_embeddings'),
    activation: String(merged.activation),
    dropout: probability('dropout'),
    attentionDropout: probability('attention_dropout'),
    initializerRange: Number(merged.initializer_range),
    padTokenId: typeof merged.pad_token_id === 'number' ? merged.pad_token_id : 0,
    raw,
  };
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new EmbedlabError(`${source}: dim ${config.hiddenSize} is not a multiple of n_heads ${config.numAttentionHeads}`);
  }
  if (!activation(config.activation)) {
    throw new EmbedlabError(`${source}: activation "${config.activation}" is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu, silu)`);
  }
  if (merged.sinusoidal_pos_embds === true) {
    throw new EmbedlabError(`${source}: "sinusoidal_pos_embds": true (fixed, untrained position embeddings) is not supported`);
  }
  return config;
}
