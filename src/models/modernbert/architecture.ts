/**
 * ModernBERT (`model_type: "modernbert"`, `ModernBertModel`):
 * Alibaba-NLP/gte-modernbert-base, nomic-ai/modernbert-embed-base, … — as one
 * entry of the Transformer module's architecture list (model type, class
 * name, config parsing, tensor names, encoder, saved config).
 */
import type { Architecture } from '../transformer/encoder';
import { isModernBertConfig, modernBertConfigJson, parseModernBertConfig, type ModernBertConfig } from './config';
import { ModernBertEncoder } from './modernBertEncoder';
import { modernBertTensorSpecs } from './weights';

export const modernBertArchitecture: Architecture<ModernBertConfig> = {
  modelClass: 'ModernBertModel',
  modelTypes: ['modernbert'],
  matchesClass: (name: string): boolean => isModernBertConfig({ architectures: [name] }),
  examples: 'gte-modernbert-base, modernbert-embed-base',
  parseConfig: parseModernBertConfig,
  // ModernBERT has no pooler
  tensorSpecs: (config) => modernBertTensorSpecs(config),
  fromTensors: ModernBertEncoder.fromTensors,
  configJson: modernBertConfigJson,
};
