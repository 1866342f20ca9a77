/**
 * Sentence-embedding models: BERT-family Transformers and StaticEmbedding,
 * with sentence-transformers pooling, normalisation, prompts and folder layout.
 */
export { loadModel, loadModelFolder, type LoadModelOptions } from './loadModel';
export { SentenceTransformer, type SentenceTransformerSettings } from './sentenceTransformer';
export { StaticEmbedding, type StaticEmbeddingOptions } from './staticEmbedding';
export { BertTransformer } from './transformerModule';
export { BertEncoder, type BertOutput } from './bert/bertEncoder';
export { parseBertConfig, type BertConfig } from './bert/config';
export { createRandomBert, createStaticModel, type RandomBertOptions, type StaticModelOptions } from './random';
export { pool, parsePoolingConfig, poolingConfigJson, type PoolingConfig, type PoolingMode } from './pooling';
export { l2Normalize } from './normalize';
export type { InputModule } from './inputModule';
export type { EncodeOptions, SentenceEmbedder } from './types';
export * from './safetensors';
export { distillStatic, distillVectors, type DistillOptions, type DistilledTable } from './static/distill';
export { pca, type PcaResult } from './static/pca';
export { tokenWeights, type TokenWeightOptions, type ZipfWeighting } from './static/weighting';
