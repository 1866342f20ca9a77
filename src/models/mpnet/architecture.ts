/** MPNet (`model_type: "mpnet"`, `MPNetModel`): all-mpnet-base-v2, multi-qa-mpnet-base-*, … */
import type { Architecture } from '../transformer/encoder';
import { savedConfig } from '../transformer/savedConfig';
import { parseMpnetConfig, type MpnetConfig } from './config';
import { MpnetEncoder } from './mpnetEncoder';
import { mpnetTensorSpecs } from './weights';

export const mpnetArchitecture: Architecture<MpnetConfig> = {
  modelClass: 'MPNetModel',
  modelTypes: ['mpnet'],
  matchesClass: (name) => name.startsWith('MPNet'),
  examples: 'all-mpnet-base-v2, multi-qa-mpnet-base-*',
  parseConfig: parseMpnetConfig,
  tensorSpecs: (config, { pooler }) => mpnetTensorSpecs(config, pooler),
  fromTensors: (config, tensors, source) => MpnetEncoder.fromTensors(config, tensors, source),
  configJson: (config) =>
    savedConfig(
      config.raw,
      { modelType: 'mpnet', modelClass: 'MPNetModel' },
      {
        vocab_size: config.vocabSize,
        hidden_size: config.hiddenSize,
        num_hidden_layers: config.numHiddenLayers,
        num_attention_heads: config.numAttentionHeads,
        intermediate_size: config.intermediateSize,
        hidden_act: config.hiddenAct,
        hidden_dropout_prob: config.hiddenDropoutProb,
        attention_probs_dropout_prob: config.attentionProbsDropoutProb,
        max_position_embeddings: config.maxPositionEmbeddings,
        initializer_range: config.initializerRange,
        layer_norm_eps: config.layerNormEps,
        relative_attention_num_buckets: config.relativeAttentionNumBuckets,
        pad_token_id: config.padTokenId,
      },
    ),
};
