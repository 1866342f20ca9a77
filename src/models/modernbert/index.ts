/** ModernBERT: config, weights, encoder, the Transformer module's architecture entry and random initialisation. */
export { modernBertArchitecture } from './architecture';
export { isModernBertConfig, parseModernBertConfig, modernBertConfigJson, MODERNBERT_DEFAULTS, type ModernBertConfig, type ModernBertLayerType } from './config';
export { modernBertTensorSpecs, modernBertVariables, modernBertHostTensors, type ModernBertTensorSpec } from './weights';
export { ModernBertEncoder, rotaryTables, type ModernBertOutput } from './modernBertEncoder';
export { createRandomModernBert, type RandomModernBertOptions } from './fromScratch';
