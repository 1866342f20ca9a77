/**
 * embedlab — fine-tune sentence-embedding models in TypeScript on TensorFlow.js.
 *
 * @example
 * import { initBackend } from 'embedlab';
 * console.log((await initBackend()).summary);
 */
export { initBackend, backendInfo } from './backend';
export type { BackendChoice, BackendInfo } from './backend';
export { fastKernelsInEffect } from './backend/ops';
export { WasmHeapExhaustedError } from './backend/ops/heapGuard';
export { EmbedlabError } from './util/errors';
export { Matrix } from './util/matrix';
export { Random } from './util/random';
export {
  mnrl, cachedMnrl, matryoshka, cosent, distillKL,
  MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss, MatryoshkaLoss, CoSENTLoss, DistillKLLoss,
} from './losses';
export type { Loss, LossExtra, LossRequirements, MnrlOptions, CachedMnrlOptions, MatryoshkaOptions, CosentOptions, DistillKLOptions } from './losses';
export { resolveModel, resolveDataset, hubCacheDir, MODEL_FILE_PATTERNS, DATASET_FILE_PATTERNS } from './hub';
export type { HubOptions, DownloadProgress } from './hub';
export * from '../widgets';
export {
  finetune, AdamW, learningRateAt, resolveWarmupSteps, SCHEDULERS, planEpoch, clipGradNorm, batchGradients,
  listCheckpoints, readTrainerState,
} from './train';
export type {
  FinetuneOptions, FinetuneResult, ProgressInfo, StepRecord, EvalRecord, TrainingHistory, TrainerState,
  AdamWOptions, SchedulerName, BatchSamplerName, TextBatch,
} from './train';
export {
  loadModel, loadModelFolder, SentenceTransformer, StaticEmbedding, BertTransformer, BertEncoder,
  createRandomBert, createStaticModel, parseBertConfig, parsePoolingConfig, poolingConfigJson, pool, l2Normalize,
  SafetensorsFile, readSafetensors, writeSafetensors, encodeSafetensors, loadModelWeights,
} from './models';
export type {
  LoadModelOptions, SentenceTransformerSettings, StaticEmbeddingOptions, RandomBertOptions, StaticModelOptions,
  BertConfig, BertOutput, PoolingConfig, PoolingMode, InputModule, EncodeOptions, SentenceEmbedder, HostTensor, TensorEntry,
} from './models';
export { loadTokenizer, resolveMaxSeqLength, TextTokenizer } from './tokenizer';
export type { TokenBatch, TextTokenizerOptions } from './tokenizer';
export { readNpy, writeNpy, encodeNpy, decodeNpy } from './util/npy';
export * from './data';
export * from './eval';
export * from './mining';
export {
  runMatryoshkaComparison, defaultDims, type ComparisonOptions, type ComparisonResult,
} from './workflow/matryoshkaComparison';
export { comparisonReport, comparisonSummary } from './workflow/comparisonReport';
export { BUILTIN_DATASET, BUILTIN_TOKENIZER } from './workflow/builtin';
