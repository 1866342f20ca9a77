/** DistilBERT (`model_type: "distilbert"`, `DistilBertModel`): msmarco-distilbert-*, multi-qa-distilbert-*, … */
import type { Architecture } from '../transformer/encoder';
import { savedConfig } from '../transformer/savedConfig';
import { parseDistilBertConfig, type DistilBertConfig } from './config';
import { DistilBertEncoder } from './distilBertEncoder';
import { distilBertTensorSpecs } from './weights';

export const distilBertArchitecture: Architecture<DistilBertConfig> = {
  modelClass: 'DistilBertModel',
  modelTypes: ['distilbert'],
  matchesClass: (name) => name.startsWith('DistilBert'),
  examples: 'msmarco-distilbert-*, multi-qa-distilbert-*',
  parseConfig: parseDistilBertConfig,
  tensorSpecs: (config) => distilBertTensorSpecs(config),
  fromTensors: (config, tensors, source) => DistilBertEncoder.fromTensors(config, tensors, source),
  configJson: (config) =>
    savedConfig(
      config.raw,
      { modelType: 'distilbert', modelClass: 'DistilBertModel' },
      {
        vocab_size: config.vocabSize,
        dim: config.hiddenSize,
        n_layers: config.numHiddenLayers,
        n_heads: config.numAttentionHeads,
        hidden_dim: config.intermediateSize,
        activation: config.activation,
        dropout: config.dropout,
        attention_dropout: config.attentionDropout,
        max_position_embeddings: config.maxPositionEmbeddings,
        sinusoidal_pos_embds: false,
        initializer_range: config.initializerRange,
        pad_token_id: config.padTokenId,
      },
    ),
};
