/**
 * `embedlab/advanced` — the lower-level pieces behind the public API, for
 * custom training loops, custom losses and models, file formats and display
 * plumbing. They are typed and documented like the rest, but change more
 * freely between versions than `embedlab` itself.
 *
 * @example
 * import { batchGradients, makeBatch, clipGradNorm, AdamW } from 'embedlab/advanced';
 * import { mnrl } from 'embedlab';
 * const loss = mnrl();
 * const optimizer = new AdamW(model.namedWeights(), { weightDecay: 0.01 });
 * const { loss: value, grads } = await batchGradients(model, loss, makeBatch(rows, [0, 1, 2, 3], 0, loss.requires));
 * await clipGradNorm(grads, 1.0);
 * optimizer.step(grads, 2e-5);
 */

// Backend: the fast tfjs kernels
export { fastKernelsInEffect } from './backend/ops';

// Hub: which files a model or dataset download takes
export { MODEL_FILE_PATTERNS, DATASET_FILE_PATTERNS } from './hub';

// Data: the format readers behind loadRecords
export {
  readDataFile, recordsToTable, parseJsonLines, readJsonLines, parseJsonRecords, readJsonRecords, parseCsv, readCsv,
  readParquet, setDanfoLoader, idsPathFor, type CsvOptions,
  type NormalizeOptions, type NormalizeResult,
} from './data';
export { encodeNpy, decodeNpy } from './util/npy';
export { Random } from './util/random';

// Tokenizer and models: the modules of a SentenceTransformer, safetensors I/O
export { resolveMaxSeqLength } from './tokenizer';
export {
  loadModelFolder, BertTransformer, BertEncoder, XlmRobertaEncoder, DistilBertEncoder, MpnetEncoder, ModernBertEncoder, ARCHITECTURES, architectureFor,
  parseBertConfig, parseModernBertConfig, pool, parsePoolingConfig, poolingConfigJson, l2Normalize,
  SafetensorsFile, readSafetensors, writeSafetensors, encodeSafetensors, loadModelWeights,
  distillVectors, pca, tokenWeights, type DistilledTable, type PcaResult, type TokenWeightOptions, type SafetensorsWriteOptions,
  ModelCardData, type CardDataset, type CardEvaluation, type WidgetExample,
  type BertConfig, type BertOutput, type DistilBertConfig, type MpnetConfig, type ModernBertConfig, type ModernBertOutput, type Architecture, type EncoderConfig, type TransformerEncoder,
  type InputModule, type HostTensor, type TensorEntry,
} from './models';
export { recomputeLayer, type RecomputableLayer, type SeedSource } from './models/recompute';
export type { TrainingMemory } from './models/types';
export { leanGradients } from './backend/gradients';

// Losses: what a custom loss implements
export type { LossExtra, LossRequirements, TextBatch, BatchGradients, GradientContext } from './losses/types';

// Training: the parts of one optimizer step, schedules, sampling, checkpoints
export {
  batchGradients, makeBatch, checkRows, clipGradNorm, AdamW, defaultNoDecay, learningRateAt, resolveWarmupSteps, parseScheduler,
  planEpoch, listCheckpoints, readTrainerState, miniBatchForMemory, keptLayersForMemory, WASM_TRAINING_BUDGET,
  type MemoryBudgetOptions, type BatchGradientOptions, type AdamWOptions, type AdamWState, type ScheduleConfig, type SamplerOptions,
  type CheckpointRef, type TrainerState,
} from './train';

// Evaluation: the metric functions and scoring behind the evaluator
export {
  computeRankingMetrics, resolveMetricConfig, resolveMetricName, DEFAULT_IR_METRIC_CONFIG,
  type IRMetricConfig, type ScoringEngine, type ScoringStats,
} from './eval';

// Mining: the `--range` parser
export { parseSamplingRange } from './mining';

// Widgets: plotly embedding, table renderings, display bundles, progress state, error formatting
export {
  embedPlotly, plotlyScriptTag, plotlyVersion, resetPlotlyEmbedding, standalonePage, PLOTLY_MIME,
  tableHtml, tableText, tableBundle, displayBundle, inTslab, LiveDisplay, ProgressTracker, progressLine, formatDuration,
  installCellErrorFormatting, formatCellError,
  type MimeBundle, type ProgressSnapshot, type ProgressCallback, type TrainingProgress,
  type TrainingHistoryLike, type StepLogEntry, type EvalLogEntry,
} from '../widgets';
