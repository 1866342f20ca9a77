/**
 * embedlab — fine-tune sentence-embedding models in TypeScript on TensorFlow.js.
 *
 * This is the public API, listed along the data path: backend → data →
 * tokenizer and models → losses → training → evaluation → mining → notebook
 * widgets → the whole workflow. Lower-level pieces (the trainer's parts,
 * safetensors I/O, scoring internals, display plumbing) are in
 * `embedlab/advanced`.
 *
 * @example
 * import { initBackend, loadModel, loadRecords, toTrainingRows, finetune, matryoshka, mnrl } from 'embedlab';
 * console.log((await initBackend()).summary);
 * const { rows } = toTrainingRows((await loadRecords('train.jsonl')).records);
 * const model = await loadModel('BAAI/bge-small-en-v1.5');
 * await finetune(model, rows, { loss: matryoshka(mnrl(), { dims: [384, 256, 128, 64] }) });
 */

// Backend, errors and the embedding matrix
export { initBackend, backendInfo, type BackendChoice, type BackendInfo } from './backend';
export { WasmHeapExhaustedError } from './backend/ops/heapGuard';
export { EmbedlabError } from './util/errors';
export { Matrix } from './util/matrix';

// Hugging Face Hub: models and datasets, cached as huggingface_hub does
export {
  resolveModel, resolveDataset, hubCacheDir, pushToHub,
  type HubOptions, type DownloadProgress, type PushOptions, type PushProgress, type PushResult,
} from './hub';

// Data: load, map columns to training rows, split, build the retrieval set, save
export {
  loadRecords, loadTable, toTrainingRows, detectFormat, dedupeRows, addIds, trainTestSplit,
  buildIRSet, irSetFromObjects, saveTrainingRows, saveTrainTest,
  loadBeir, readBeirTexts, readQrels, buildIRSetFromQrels, irSetToTrainingRows,
  writeEmbeddings, readEmbeddings, toDanfo, fromDanfo,
  type DataRecord, type TrainingRow, type IRSet, type LoadOptions, type LoadedRecords, type DataFormat,
  type ColumnMapping, type TrainingRowsOptions, type TrainingRowsResult, type EmptyText, type TrainingFormat,
  type DedupeOptions, type SplitOptions, type BuildIRSetOptions, type SaveRowsOptions,
  type BeirFiles, type Qrels, type QrelsReport,
} from './data';
export { readNpy, writeNpy } from './util/npy';

// Tokenizer and models
export { loadTokenizer, TextTokenizer, wordLevelTokenizerJson, type TextTokenizerOptions, type TokenBatch, type WordLevelOptions } from './tokenizer';
export {
  loadModel, SentenceTransformer, Transformer, StaticEmbedding, createRandomBert, createRandomTransformer, createRandomModernBert, createStaticModel,
  distillStatic,
  type LoadModelOptions, type SentenceTransformerSettings, type StaticEmbeddingOptions, type RandomBertOptions, type RandomModernBertOptions,
  type StaticModelOptions, type EncodeOptions, type SentenceEmbedder, type PoolingConfig, type PoolingMode,
  type DistillOptions, type ZipfWeighting,
} from './models';

// Losses
export {
  mnrl, cachedMnrl, matryoshka, cosent, distillKL,
  MultipleNegativesRankingLoss, CachedMultipleNegativesRankingLoss, MatryoshkaLoss, CoSENTLoss, DistillKLLoss,
  type Loss, type MnrlOptions, type CachedMnrlOptions, type MatryoshkaOptions, type CosentOptions, type DistillKLOptions,
} from './losses';

// Training
export {
  finetune, SCHEDULERS,
  type FinetuneOptions, type FinetuneResult, type ProgressInfo, type StepRecord, type EvalRecord, type TrainingHistory,
  type SchedulerName, type BatchSamplerName,
} from './train';

// Evaluation
export {
  InformationRetrievalEvaluator, evaluateEmbeddings, irMetricsTable, rankingMetricNames,
  type Evaluator, type EvaluateOptions, type InformationRetrievalOptions, type IRResult, type IRRun, type Similarity,
} from './eval';

// Hard-negative mining
export {
  mineHardNegatives, miningCorpus, readCandidatePool, exportEmbeddings,
  type MineOptions, type MiningQuery, type MinedQuery, type PrecomputedMiningEmbeddings,
} from './mining';

// Notebook widgets: tables, charts, progress bars, reports, short errors
export {
  comparisonTable, comparisonText, compareMetrics, metricByDimension, metricByDimensionChart, trainingCurves, sweepChart,
  showTable, Chart,
  withProgress, progressBar, notebookProgress, terminalProgress,
  renderReport, saveReport, guard,
  type ComparisonLabels, type ComparisonRow, type MetricsInput, type SweepChartOptions, type SweepRun,
  type TableLike, type TableOptions, type PlotlyFigure,
  type ProgressBar, type ProgressOptions, type TerminalProgressOptions,
  type Report, type ReportSection,
} from '../widgets';

// The whole workflow: baseline → fine-tune → compare
export { runMatryoshkaComparison, defaultDims, type ComparisonOptions, type ComparisonResult } from './workflow/matryoshkaComparison';
export { comparisonReport, comparisonSummary } from './workflow/comparisonReport';
export type { PromptOptions, ShareOptions, ResolvedPrompts } from './workflow/sharing';
export { BUILTIN_DATASET, BUILTIN_TOKENIZER, BUILTIN_MODEL, BUILTIN_MODEL_DIMS } from './workflow/builtin';
export { openModel, type OpenedModel, type ModelKind } from './workflow/modelSpec';
