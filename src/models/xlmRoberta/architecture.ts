/**
 * XLM-RoBERTa (`model_type: "xlm-roberta"`: multilingual-e5-*, bge-m3,
 * paraphrase-multilingual-*) and RoBERTa (`"roberta"`: all-roberta-large-v1, …),
 * which share one modeling file upstream.
 */
import { bertConfigFields } from '../bert/architecture';
import { bertTensorSpecs } from '../bert/weights';
import type { BertConfig } from '../bert/config';
import type { Architecture } from '../transformer/encoder';
import { savedConfig } from '../transformer/savedConfig';
import { parseXlmRobertaConfig } from './config';
import { XlmRobertaEncoder } from './xlmRobertaEncoder';

function robertaFamily(modelType: string, modelClass: string, classPrefix: string, examples: string): Architecture<BertConfig> {
  return {
    modelClass,
    modelTypes: [modelType],
    matchesClass: (name) => name.startsWith(classPrefix),
    examples,
    parseConfig: parseXlmRobertaConfig,
    tensorSpecs: (config, { pooler }) => bertTensorSpecs(config, pooler),
    fromTensors: (config, tensors, source) => XlmRobertaEncoder.fromTensors(config, tensors, source),
    configJson: (config) => savedConfig(config.raw, { modelType, modelClass }, bertConfigFields(config)),
  };
}

export const xlmRobertaArchitecture = robertaFamily('xlm-roberta', 'XLMRobertaModel', 'XLMRoberta', 'multilingual-e5-*, bge-m3, paraphrase-multilingual-*');
export const robertaArchitecture = robertaFamily('roberta', 'RobertaModel', 'Roberta', 'all-roberta-large-v1');
