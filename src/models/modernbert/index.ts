/** ModernBERT: config, weights, encoder, the sentence-transformers Transformer module and random initialisation. */
export { modernBertArchitecture } from './architecture';
export { isModernBertConfig, parseModernBertConfig, modernBertConfigJson, MODERNBERT_DEFAULTS, type ModernBertConfig, type ModernBertLayerType } from './config';
export { modernBertTensorSpecs, modernBertVariables, modernBertHostTensors, type ModernBertTensorSpec } from './weights';
export { ModernBertEncoder, rotaryTables, type ModernBertOutput } from './modernBertEncoder';
export { ModernBertTransformer, type ModernBertLoadOptions } from './modernBertTransformer';
export { createRandomModernBert, type RandomModernBertOptions } from './fromScratch';
