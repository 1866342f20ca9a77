/**
 * The Hugging Face `config.json` fields a BERT encoder needs, validated.
 * BERT-family checkpoints (bge-*, all-MiniLM-*, e5-*-v2, …) use
 * `model_type: "bert"`; XLM-RoBERTa reads the same fields with its own
 * defaults ({@link parseBertLikeConfig}).
 */
import { EmbedlabError } from '../../util/errors';
import { configFields } from '../transformer/configFields';
import { activation } from '../ops';
import type { EncoderConfig } from '../transformer/encoder';

export interface BertConfig extends EncoderConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenAct: string;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  initializerRange: number;
  padTokenId: number;
  /** The config.json object as read, written back on save. */
  raw: Record<string, unknown>;
}

/** Defaults of transformers' `BertConfig` for fields a config may omit. */
export const BERT_DEFAULTS = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
} as const;

/**
 * Validates a BERT `raw` config (from `source`, for messages) and fills
 * transformers' `BertConfig` defaults. A config of another `model_type` is
 * refused (the `Transformer` module picks the architecture by `model_type`).
 */
export function parseBertConfig(raw: Record<string, unknown>, source: string): BertConfig {
  if (raw.model_type !== undefined && raw.model_type !== 'bert') {
    throw new EmbedlabError(`${source}: model_type "${String(raw.model_type)}" is not a BERT config`);
  }
  return parseBertLikeConfig(raw, source, BERT_DEFAULTS);
}

/** Validates the BERT fields of `raw` with `defaults` for the missing ones (BERT and XLM-RoBERTa share them). */
export function parseBertLikeConfig(raw: Record<string, unknown>, source: string, defaults: Record<string, unknown>): BertConfig {
  const merged = { ...defaults, ...raw } as Record<string, unknown>;
  const { positiveInt, probability } = configFields(merged, source);
  const config: BertConfig = {
    vocabSize: positiveInt('vocab_size'),
    hiddenSize: positiveInt('hidden_size'),
    numHiddenLayers: positiveInt('num_hidden_layers'),
    numAttentionHeads: positiveInt('num_attention_heads'),
    intermediateSize: positiveInt('intermediate_size'),
    maxPositionEmbeddings: positiveInt('max_position_embeddings'),
    typeVocabSize: positiveInt('type_vocab_size'),
    layerNormEps: Number(merged.layer_norm_eps),
    hiddenAct: String(merged.hidden_act),
    hiddenDropoutProb: probability('hidden_dropout_prob'),
    attentionProbsDropoutProb: probability('attention_probs_dropout_prob'),
    initializerRange: Number(merged.initializer_range),
    padTokenId: typeof merged.pad_token_id === 'number' ? merged.pad_token_id : 0,
    maxSequenceLength: positiveInt('max_position_embeddings'),
    raw,
  };
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new EmbedlabError(`${source}: hidden_size ${config.hiddenSize} is not a multiple of num_attention_heads ${config.numAttentionHeads}`);
  }
  if (!(config.layerNormEps > 0)) throw new EmbedlabError(`${source}: "layer_norm_eps" must be a positive number`);
  if (!activation(config.hiddenAct)) {
    throw new EmbedlabError(`${source}: hidden_act "${config.hiddenAct}" is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu, silu)`);
  }
  if (merged.position_embedding_type !== 'absolute') {
    throw new EmbedlabError(`${source}: position_embedding_type "${String(merged.position_embedding_type)}" is not supported (only "absolute")`);
  }
  return config;
}
