/**
 * Sentence-embedding models: BERT-family Transformers and StaticEmbedding,
 * with sentence-transformers pooling, normalisation, prompts and folder layout.
 */
export { loadModel, loadModelFolder, type LoadModelOptions } from './loadModel';
export { SentenceTransformer, type SentenceTransformerSettings } from './sentenceTransformer';
export { StaticEmbedding, type StaticEmbeddingOptions } from './static/staticEmbedding';
export { BertTransformer } from './transformerModule';
export { BertEncoder, type BertOutput } from './bert/bertEncoder';
export { parseBertConfig, type BertConfig } from './bert/config';
export { createRandomBert, createStaticModel, type RandomBertOptions, type StaticModelOptions } from './fromScratch';
export { pool, parsePoolingConfig, poolingConfigJson, type PoolingConfig, type PoolingMode } from './pooling/pooling';
export { l2Normalize } from './pooling/normalize';
export type { InputModule } from './inputModule';
export type { EncodeOptions, SentenceEmbedder } from './types';
export * from './safetensors';
