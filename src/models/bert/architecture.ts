/** BERT (`model_type: "bert"`, `BertModel`): bge-*-en-v1.5, all-MiniLM-*, e5-*-v2, … */
import type { Architecture } from '../transformer/encoder';
import { savedConfig } from '../transformer/savedConfig';
import { BertEncoder } from './bertEncoder';
import { parseBertConfig, type BertConfig } from './config';
import { bertTensorSpecs, bertVariables } from './weights';

/** The config.json fields of a BERT-layout encoder, as `config` resolved them. */
export function bertConfigFields(config: BertConfig): Record<string, unknown> {
  return {
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    intermediate_size: config.intermediateSize,
    hidden_act: config.hiddenAct,
    hidden_dropout_prob: config.hiddenDropoutProb,
    attention_probs_dropout_prob: config.attentionProbsDropoutProb,
    max_position_embeddings: config.maxPositionEmbeddings,
    type_vocab_size: config.typeVocabSize,
    initializer_range: config.initializerRange,
    layer_norm_eps: config.layerNormEps,
    pad_token_id: config.padTokenId,
    position_embedding_type: 'absolute',
  };
}

export const bertArchitecture: Architecture<BertConfig> = {
  modelClass: 'BertModel',
  modelTypes: ['bert'],
  matchesClass: (name) => name.startsWith('Bert'),
  examples: 'bge-*-en-v1.5, all-MiniLM-*, e5-*-v2',
  parseConfig: parseBertConfig,
  tensorSpecs: (config, { pooler }) => bertTensorSpecs(config, pooler),
  fromTensors: (config, tensors, source) => new BertEncoder(config, bertVariables(config, tensors, source)),
  configJson: (config) => savedConfig(config.raw, { modelType: 'bert', modelClass: 'BertModel' }, bertConfigFields(config)),
};
