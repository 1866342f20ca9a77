/**
 * The Hugging Face `config.json` fields a BERT encoder needs, validated.
 * BERT-family checkpoints (bge-*, all-MiniLM-*, e5-*-v2, …) use
 * `model_type: "bert"`; other architectures get a clear error.
 */
import { EmbedlabError } from '../../util/errors';
import { activation } from '../ops';

export interface BertConfig {
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

/** Whether a config.json describes a BERT model. */
export function isBertConfig(raw: Record<string, unknown>): boolean {
  if (typeof raw.model_type === 'string') return raw.model_type === 'bert';
  const architectures = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]) : [];
  return architectures.some((a) => typeof a === 'string' && /^Bert/.test(a));
}

/** Validates `raw` (from `source`, for messages) and fills defaults. */
export function parseBertConfig(raw: Record<string, unknown>, source: string): BertConfig {
  if (!isBertConfig(raw)) {
    const what = raw.model_type ?? (Array.isArray(raw.architectures) ? raw.architectures.join(', ') : 'unknown');
    throw new EmbedlabError(
      `${source}: model_type "${String(what)}" is not supported; embedlab runs BERT-family encoders ` +
        `(model_type "bert": bge-*-en-v1.5, all-MiniLM-*, e5-*-v2, …), ModernBERT (model_type "modernbert": gte-modernbert-base, modernbert-embed-base) and StaticEmbedding models`,
    );
  }
  const merged = { ...BERT_DEFAULTS, ...raw } as Record<string, unknown>;
  const positiveInt = (key: string): number => {
    const v = merged[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new EmbedlabError(`${source}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const probability = (key: string): number => {
    const v = merged[key] ?? 0;
    if (typeof v !== 'number' || v < 0 || v >= 1) throw new EmbedlabError(`${source}: "${key}" must be in [0, 1), got ${JSON.stringify(v)}`);
    return v;
  };
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
