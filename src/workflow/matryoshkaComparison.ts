/**
 * The main job: baseline a model, fine-tune it with MatryoshkaLoss(MNRL), and
 * compare NDCG@10 per embedding dimension — the "Fine-tune Embedding models
 * for RAG" workflow, as one function the CLI demo and the notebooks share.
 */
import { join } from 'node:path';
import { initBackend, type BackendInfo } from '../backend';
import { addIds, buildIRSet, loadRecords, toTrainingRows, trainTestSplit } from '../data';
import type { ColumnMapping } from '../data/rowFormats';
import type { IRSet, TrainingRow } from '../data/types';
import { InformationRetrievalEvaluator } from '../eval';
import { cachedMnrl, CachedMultipleNegativesRankingLoss, matryoshka, mnrl, type MultipleNegativesRankingLoss } from '../losses';
import { SentenceTransformer, StaticEmbedding } from '../models';
import type { SentenceEmbedder } from '../models/types';
import { finetune, miniBatchForMemory, type EvalRecord, type FinetuneOptions, type FinetuneResult, type ProgressInfo, type SchedulerName } from '../train';
import { EmbedlabError } from '../util/errors';
import { checkOutput } from '../util/outputs';
import { checkOptions } from '../util/validate';
import { checkRunFolder } from '../train/runFolder';
import { pushToHub, type PushProgress, type PushResult } from '../hub/push';
import { BUILTIN_DATASET, BUILTIN_MODEL_DIMS } from './builtin';
import { openModel } from './modelSpec';
import {
  checkPromptOptions, checkShareOptions, describeRunInCard, evaluatorPrompts, resolvePrompts, trainingPrompts,
  type PromptOptions, type ResolvedPrompts, type ShareOptions,
} from './sharing';

/** Options for {@link runMatryoshkaComparison}. Unset values follow the reference workflow, or the built-in default. */
export interface ComparisonOptions extends PromptOptions, ShareOptions {
  /**
   * Hub id or local folder, or `random:DIM[:TOKENIZER_DIR]` for a random-init
   * StaticEmbedding.
   * @default the built-in pretrained GloVe StaticEmbedding (`models/glove-100d`)
   */
  model?: string;
  /**
   * Data file, folder or hub dataset id with (question, context)-style pairs.
   * @default the built-in dataset
   */
  dataset?: string;
  /** Column names when the dataset's are not detected, e.g. `{ anchor: 'title', positive: 'body' }`. */
  columns?: ColumnMapping;
  /**
   * Matryoshka dimensions, largest first.
   * @default {@link defaultDims} of the model's width (100/64/32/16 for the built-in model)
   */
  dims?: number[];
  /**
   * Passes over the training split.
   * @default 4
   */
  epochs?: number;
  /**
   * Pairs per batch (the contrastive batch).
   * @default 32 (the reference); 64 for static models (the built-in one, random:DIM, model2vec)
   */
  batchSize?: number;
  /**
   * Peak learning rate.
   * @default 2e-5 (the reference); 0.05 for static models, whose rows move only when their token occurs
   */
  lr?: number;
  /**
   * Learning-rate schedule.
   * @default 'cosine'
   */
  scheduler?: SchedulerName;
  /**
   * Warm-up as a fraction of all optimizer steps.
   * @default 0.1
   */
  warmupRatio?: number;
  /**
   * Batches summed per optimizer step (the reference's 16 makes a global batch of 512).
   * @default 16 (the reference); 1 for static models
   */
  gradAccumSteps?: number;
  /**
   * Texts per forward pass through GradCache (same loss and gradients as the
   * full batch, memory of a mini-batch); 0 turns it off.
   * @default for a transformer on the wasm backend (4 GiB heap), the largest that fits its
   * memory budget (`miniBatchForMemory`), none when the whole batch fits; otherwise 0
   */
  miniBatchSize?: number;
  /**
   * Share of rows held out as the test set.
   * @default 0.1
   */
  testSize?: number;
  /**
   * Seeds the split, the built-in model's initialisation and training.
   * @default 42
   */
  seed?: number;
  /**
   * Metric that picks the best epoch (e.g. dim_128 for the reference).
   * @default `dim_<middle dim>_cosine_ndcg@10`
   */
  metricForBestModel?: string;
  /** Folder for checkpoints (`checkpoints/`) and the fine-tuned model (`model/`). Required. */
  outputDir?: string;
  /** @deprecated Use `outputDir` (the name {@link FinetuneOptions} uses). */
  outDir?: string;
  /** Continue from the newest checkpoint in `outputDir/checkpoints`. */
  resume?: boolean;
  /**
   * Write into an `outputDir` that holds other files (none is deleted) and start over where an earlier run left checkpoints.
   * @default false
   */
  overwrite?: boolean;
  /** Stops cleanly after the current step or encoding batch; the last checkpoint is kept. */
  signal?: AbortSignal;
  /** A line per stage ("loading data", "baseline", …). */
  onStage?: (message: string) => void;
  /** Called after every optimizer step (as {@link FinetuneOptions.onProgress}). */
  onTrainProgress?: (info: ProgressInfo) => void;
  /**
   * Called after each evaluation during training with the record (as
   * {@link FinetuneOptions.onEvaluate}) and a one-line summary of it.
   * @default the line goes to `onStage`
   */
  onEvaluate?: (record: EvalRecord, line: string) => void;
  /** Encoding progress of an evaluation, `label` naming it (`baseline`, `fine-tuned`). */
  onEncodeProgress?: (label: string, done: number, total: number) => void;
  /** Upload progress when pushing to the Hub. */
  onPushProgress?: (progress: PushProgress) => void;
}

/** Everything the report shows. */
export interface ComparisonResult {
  model: { source: string; builtin: boolean; dimension: number; maxSeqLength: number };
  dataset: { source: string; builtin: boolean; files: string[]; rows: number; emptyRowsSkipped: number[]; train: number; test: number; corpus: number; queries: number };
  settings: Required<Pick<ComparisonOptions, 'epochs' | 'batchSize' | 'lr' | 'scheduler' | 'warmupRatio' | 'gradAccumSteps' | 'miniBatchSize' | 'testSize' | 'seed' | 'dims' | 'metricForBestModel'>> & { loss: string };
  backend: BackendInfo;
  baseline: Record<string, number>;
  finetuned: Record<string, number>;
  training: Pick<FinetuneResult, 'history' | 'bestMetric' | 'bestStep' | 'globalStep' | 'totalSteps' | 'stopped' | 'lastCheckpoint'>;
  /** Folder holding the fine-tuned model. */
  modelDir: string;
  /** Prompts used in training and evaluation, and saved with the model. */
  prompts: ResolvedPrompts;
  /** Where the model was pushed, with `pushToHub`. */
  pushed?: PushResult;
  timings: { loadSeconds: number; baselineSeconds: number; trainSeconds: number; finalEvalSeconds: number; totalSeconds: number };
}

const REFERENCE = { epochs: 4, batchSize: 32, lr: 2e-5, scheduler: 'cosine' as SchedulerName, warmupRatio: 0.1, gradAccumSteps: 16 };
// Static embedding models (the built-in one, random init, model2vec …) train
// with a high learning rate and no accumulation, as sentence-transformers'
// static-embedding recipes do: one row per token moves only when the token occurs.
const STATIC = { epochs: 4, batchSize: 64, lr: 0.05, scheduler: 'cosine' as SchedulerName, warmupRatio: 0.1, gradAccumSteps: 1 };

/**
 * Matryoshka dims for a model `width` wide: the reference 768/512/256/128/64
 * for 768, otherwise the width halved down to an eighth of it (at least 8).
 *
 * @example
 * defaultDims(768); // [768, 512, 256, 128, 64]
 * defaultDims(384); // [384, 192, 96, 48]
 */
export function defaultDims(width: number): number[] {
  if (width === 768) return [768, 512, 256, 128, 64];
  const dims: number[] = [];
  for (let d = width; d >= Math.max(8, width / 8); d = Math.floor(d / 2)) dims.push(d);
  return dims;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

async function loadPairs(source: string, columns?: ColumnMapping): Promise<{ rows: TrainingRow[]; files: string[]; empty: number[] }> {
  const { records, files } = await loadRecords(source);
  const { rows, empty } = toTrainingRows(records, { source, columns });
  if (rows.length < 20) {
    throw new EmbedlabError(`dataset "${source}" has ${rows.length} usable (question, context) rows; at least 20 are needed to split and evaluate`);
  }
  return { rows, files, empty: empty.map((e) => e.row) };
}

/** The loss as the report names it, e.g. `MatryoshkaLoss(MultipleNegativesRankingLoss(scale=20), dims=[256, 128])`. */
function lossLabel(inner: MultipleNegativesRankingLoss, dims: number[]): string {
  const miniBatch = inner instanceof CachedMultipleNegativesRankingLoss ? `, mini_batch_size=${inner.miniBatchSize}` : '';
  return `MatryoshkaLoss(${inner.name}(scale=${inner.scale}${miniBatch}), dims=[${dims.join(', ')}])`;
}

function validateDims(dims: number[], width: number): number[] {
  if (!dims.length) throw new EmbedlabError('dims is empty; give at least one dimension, e.g. 768,512,256,128,64');
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1) throw new EmbedlabError(`dims: ${d} is not a positive whole number`);
    if (d > width) throw new EmbedlabError(`dims: ${d} is larger than the model's embedding dimension ${width}`);
  }
  return [...new Set(dims)].sort((a, b) => b - a);
}

/**
 * Baseline → fine-tune with MatryoshkaLoss(MultipleNegativesRankingLoss) →
 * evaluate, on one (question, context) dataset.
 *
 * @example
 * const result = await runMatryoshkaComparison({ outputDir: 'runs/demo' });
 * comparisonTable(result.baseline, result.finetuned).show();
 */
export async function runMatryoshkaComparison(options: ComparisonOptions): Promise<ComparisonResult> {
  checkOptions(options, 'runMatryoshkaComparison(options)');
  const stage = options.onStage ?? (() => {});
  const outputDir = options.outputDir ?? options.outDir;
  if (outputDir === undefined) throw new EmbedlabError('runMatryoshkaComparison: set outputDir, the folder for checkpoints and the fine-tuned model');
  checkPromptOptions(options);
  checkShareOptions(options);
  const started = performance.now();
  // every output is checked before the first minute of work is spent
  const reads = [{ name: 'the model', path: options.model }, { name: 'the dataset', path: options.dataset }];
  const names = { output: 'outputDir', resume: 'resume: true', overwrite: 'overwrite: true' };
  checkOutput({ path: outputDir, kind: 'folder', name: 'outputDir', reads, overwrite: options.overwrite, resume: options.resume, overwriteHint: names.overwrite });
  checkRunFolder(join(outputDir, 'checkpoints'), { resume: options.resume, overwrite: options.overwrite, reads }, { ...names, output: 'outputDir/checkpoints' });
  checkOutput({ path: join(outputDir, 'model'), kind: 'folder', name: 'outputDir/model', reads, overwrite: options.overwrite, overwriteHint: names.overwrite });
  const backend = await initBackend();
  stage(backend.summary);

  const builtinData = options.dataset === undefined;
  const datasetSource = options.dataset ?? BUILTIN_DATASET;
  stage(`loading data from ${builtinData ? 'the built-in fictional-10k-qa dataset' : datasetSource}`);
  const { rows, files, empty } = await loadPairs(datasetSource, options.columns);
  const testSize = options.testSize ?? 0.1;
  const seed = options.seed ?? 42;
  const { train, test } = trainTestSplit(addIds(rows), { testSize, seed });
  const irSet: IRSet = buildIRSet(train, test);

  const builtinModel = options.model === undefined;
  stage(builtinModel ? 'loading the built-in pretrained model (GloVe StaticEmbedding, offline)' : `loading model ${options.model}`);
  const opened = await openModel(options.model, { seed });
  const model: SentenceEmbedder = opened.model;
  const defaults = opened.model.input instanceof StaticEmbedding ? STATIC : REFERENCE;
  const loadSeconds = seconds(started);

  try {
    const dims = validateDims(options.dims ?? (builtinModel ? [...BUILTIN_MODEL_DIMS] : defaultDims(model.dimension)), model.dimension);
    const metricForBestModel = options.metricForBestModel ?? `dim_${dims.includes(128) ? 128 : dims[Math.floor(dims.length / 2)]}_cosine_ndcg@10`;
    const prompts = resolvePrompts(model, options);
    describeRunInCard(model, datasetSource, files, options);
    const evaluator = new InformationRetrievalEvaluator(irSet, { dims, primaryMetric: metricForBestModel, ...evaluatorPrompts(prompts) });
    const transformer = model instanceof SentenceTransformer && model.input.produces === 'token_embeddings';
    const batchSize = options.batchSize ?? defaults.batchSize;
    const fitted = transformer && backend.choice === 'wasm' ? miniBatchForMemory(model, batchSize) : undefined;
    const miniBatchSize = options.miniBatchSize ?? (fitted !== undefined && fitted < batchSize ? fitted : 0);
    const inner = miniBatchSize > 0 ? cachedMnrl({ miniBatchSize }) : mnrl();
    const settings = {
      epochs: options.epochs ?? defaults.epochs,
      batchSize,
      lr: options.lr ?? defaults.lr,
      scheduler: options.scheduler ?? defaults.scheduler,
      warmupRatio: options.warmupRatio ?? defaults.warmupRatio,
      gradAccumSteps: options.gradAccumSteps ?? defaults.gradAccumSteps,
      testSize,
      seed,
      dims,
      metricForBestModel,
      miniBatchSize,
      loss: lossLabel(inner, dims),
    };

    stage(`baseline evaluation: ${irSet.queries.size} queries × ${irSet.corpus.size} documents at dims ${dims.join('/')}`);
    let t = performance.now();
    const encodeProgress = (label: string) => (done: number, total: number) => options.onEncodeProgress?.(label, done, total);
    const baseline = await evaluator.evaluate(model, { onProgress: encodeProgress('baseline'), signal: options.signal });
    const baselineSeconds = seconds(t);

    stage(`fine-tuning on ${train.length} pairs: ${settings.epochs} epochs, batch ${settings.batchSize}, lr ${settings.lr}`);
    t = performance.now();
    const run = await finetune(model, train, {
      loss: matryoshka(inner, { dims }),
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      lr: settings.lr,
      scheduler: settings.scheduler,
      warmupRatio: settings.warmupRatio,
      gradAccumSteps: settings.gradAccumSteps,
      seed,
      evaluator,
      metricForBestModel,
      prompts: trainingPrompts(prompts),
      outputDir: join(outputDir, 'checkpoints'),
      saveTotalLimit: 2,
      saveFinalModel: false,
      resume: options.resume,
      overwrite: options.overwrite,
      signal: options.signal,
      onProgress: options.onTrainProgress,
      onEvaluate: (record) => {
        const line = `evaluation at step ${record.step}: ${metricForBestModel} = ${record.metrics[metricForBestModel]?.toFixed(4)}`;
        if (options.onEvaluate) options.onEvaluate(record, line);
        else stage(line);
      },
    });
    const trainSeconds = seconds(t);

    const modelDir = join(outputDir, 'model');
    t = performance.now();
    let finetuned: Record<string, number>;
    if (run.stopped) {
      finetuned = {};
    } else {
      stage('evaluating the fine-tuned model');
      finetuned = await evaluator.evaluate(model, { onProgress: encodeProgress('fine-tuned'), signal: options.signal });
      await model.save(modelDir, { overwrite: options.overwrite });
    }
    const finalEvalSeconds = seconds(t);
    let pushed: PushResult | undefined;
    if (options.pushToHub && !run.stopped) {
      stage(`pushing the model to ${options.pushToHub}`);
      pushed = await pushToHub(modelDir, options.pushToHub, {
        ...(options.private && { private: true }),
        ...(options.onPushProgress && { onProgress: options.onPushProgress }),
        ...(options.signal && { signal: options.signal }),
      }).catch((error: Error) => {
        throw new EmbedlabError(`${error.message}. The model is saved in ${modelDir}; push it with: embedlab push ${modelDir} ${options.pushToHub}`);
      });
    }

    return {
      model: {
        source: opened.description,
        builtin: builtinModel,
        dimension: model.dimension,
        maxSeqLength: model.maxSeqLength,
      },
      dataset: {
        source: builtinData ? 'built-in fictional-10k-qa' : datasetSource,
        builtin: builtinData,
        files,
        rows: rows.length,
        emptyRowsSkipped: empty,
        train: train.length,
        test: test.length,
        corpus: irSet.corpus.size,
        queries: irSet.queries.size,
      },
      settings,
      backend,
      baseline,
      finetuned,
      training: {
        history: run.history,
        bestMetric: run.bestMetric,
        bestStep: run.bestStep,
        globalStep: run.globalStep,
        totalSteps: run.totalSteps,
        stopped: run.stopped,
        lastCheckpoint: run.lastCheckpoint,
      },
      modelDir,
      prompts,
      ...(pushed && { pushed }),
      timings: { loadSeconds, baselineSeconds, trainSeconds, finalEvalSeconds, totalSeconds: seconds(started) },
    };
  } finally {
    // the model is the workflow's own: it is saved in modelDir, load it from there to use it
    model.dispose();
    if (options.signal?.aborted) stage('stopped');
  }
}
