/**
 * Sentence-embedding models: Transformers (BERT, XLM-RoBERTa, DistilBERT, MPNet) and StaticEmbedding,
 * with sentence-transformers pooling, normalisation, prompts and folder layout.
 */
export { loadModel, loadModelFolder, type LoadModelOptions } from './loadModel';
export { SentenceTransformer, type SentenceTransformerSettings } from './sentenceTransformer';
export { StaticEmbedding, type StaticEmbeddingOptions } from './static/staticEmbedding';
export { Transformer, BertTransformer } from './transformerModule';
export { ARCHITECTURES, architectureFor, type Architecture, type EncoderConfig, type TransformerEncoder } from './transformer';
export { BertEncoder, type BertOutput } from './bert/bertEncoder';
export { parseBertConfig, type BertConfig } from './bert/config';
export { XlmRobertaEncoder } from './xlmRoberta/xlmRobertaEncoder';
export { parseXlmRobertaConfig } from './xlmRoberta/config';
export { DistilBertEncoder } from './distilbert/distilBertEncoder';
export { parseDistilBertConfig, type DistilBertConfig } from './distilbert/config';
export { MpnetEncoder } from './mpnet/mpnetEncoder';
export { parseMpnetConfig, type MpnetConfig } from './mpnet/config';
export { createRandomBert, createRandomTransformer, createStaticModel, type RandomBertOptions, type StaticModelOptions } from './fromScratch';
export {
  ModernBertEncoder, createRandomModernBert, modernBertArchitecture, parseModernBertConfig,
  type ModernBertConfig, type ModernBertOutput, type RandomModernBertOptions,
} from './modernbert';
export { pool, parsePoolingConfig, poolingConfigJson, type PoolingConfig, type PoolingMode } from './pooling/pooling';
export { l2Normalize } from './pooling/normalize';
export { ModelCardData, type CardDataset, type CardEvaluation, type WidgetExample } from './export/cardData';
export type { InputModule } from './inputModule';
export type { EncodeOptions, SentenceEmbedder } from './types';
export * from './safetensors';
export { distillStatic, distillVectors, type DistillOptions, type DistilledTable } from './static/distill';
export { pca, type PcaResult } from './static/pca';
export { tokenWeights, type TokenWeightOptions, type ZipfWeighting } from './static/weighting';
