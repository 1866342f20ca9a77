/**
 * Information-retrieval evaluation at several Matryoshka dims from one
 * encoding, with the semantics of sentence-transformers'
 * `InformationRetrievalEvaluator` (see ./metrics.ts for the formulas):
 *
 * - queries without relevant documents are dropped before anything is encoded;
 * - retrieval is top-k by score over the whole corpus, streamed in corpus
 *   chunks (no full score matrix); equal scores are ordered by corpus id
 *   ascending in string order (sentence-transformers v6's rule);
 * - relevant ids missing from the corpus still count in |R|;
 * - keys are `${name}_${similarity}_${metric}`, with name `dim_${d}` per
 *   Matryoshka dim (as the financial-RAG workflow names its evaluators), e.g.
 *   `dim_128_cosine_ndcg@10`; without dims there is no dim prefix.
 */
import { ensureBackend } from '../backend';
import { checkFiniteEmbeddings, checkModelArgument } from '../util/validate';
import type { IRSet } from '../data/types';
import type { ModelCardData } from '../models/export/cardData';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { breathe, longCall } from '../util/longCall';
import { checkedMetrics } from './checkedMetrics';
import type { Matrix } from '../util/matrix';
import { encodedChunks, matrixChunks, type CorpusChunks } from './corpusChunks';
import {
  computeRankingMetrics,
  maxCutoff,
  rankingMetricNames,
  resolveMetricConfig,
  resolveMetricName,
  type IRMetricConfig,
  type ResolvedIRMetricConfig,
} from './metrics';
import {
  inversePrefixNorms,
  resolveScoringEngine,
  scoreChunk,
  type ScoringEngine,
  type ScoringStats,
  type Similarity,
} from './scoring';
import { TopKCollector, idOrderRanks } from './topk';
import type { EvaluateOptions, Evaluator } from './types';

/** Options of {@link InformationRetrievalEvaluator} and {@link evaluateEmbeddings}. */
export interface InformationRetrievalOptions extends IRMetricConfig {
  /**
   * Matryoshka dims to evaluate (truncate, re-normalise).
   * @default the full width only, keys without a dim prefix
   */
  dims?: number[];
  /** Prefix before the dim / similarity (upstream's `name`). */
  name?: string;
  /**
   * `cosine`, or `dot` (raw dot product of the truncated vectors).
   * @default 'cosine'
   */
  similarity?: Similarity;
  /**
   * Corpus documents encoded and scored together (as upstream).
   * @default 50000
   */
  corpusChunkSize?: number;
  /**
   * Queries scored together; with corpusChunkSize it bounds the score buffer.
   * @default 1024
   */
  queryChunkSize?: number;
  /**
   * `onnx` (onnxruntime), `tf` (matMul on the active backend), `js`, or
   * `auto` (onnx when onnxruntime-node loads, else tf unless the backend is tfjs's pure-JS cpu).
   * @default 'auto'
   */
  engine?: 'auto' | ScoringEngine;
  /**
   * Encoding batch size.
   * @default 32
   */
  batchSize?: number;
  /**
   * Prompt prepended to queries / documents when encoding (e.g. "query: ").
   * Without a prompt or prompt name, queries use the model's prompt named
   * "query" and documents its "document" / "passage" / "corpus" prompt, when
   * the model defines one (upstream's `encode_query` / `encode_document`).
   */
  queryPrompt?: string;
  /** Prompt prepended to documents; see {@link queryPrompt}. */
  corpusPrompt?: string;
  /** Name of a prompt in the model's `config_sentence_transformers.json` for queries (e.g. "query"). */
  queryPromptName?: string;
  /** Name of a prompt in the model's `config_sentence_transformers.json` for documents (e.g. "document"). */
  corpusPromptName?: string;
  /**
   * Metric that {@link Evaluator.primaryMetric} names.
   * @default `ndcg@max` of the first dim
   */
  primaryMetric?: string;
}

/** One dim's results. */
export interface IRRun {
  /** The Matryoshka dim, or the full width when no dims were asked for. */
  dim: number;
  /** Key prefix, e.g. `dim_128_cosine`. */
  prefix: string;
  /** Metrics without prefix (`ndcg@10`), in upstream order. */
  metrics: Record<string, number>;
  /** Top hits per evaluated query, best first (as many as the largest cut-off). */
  rankings: Map<string, { id: string; score: number }[]>;
}

/** Everything an evaluation produced. */
export interface IRResult {
  /** Prefixed metrics of every run, e.g. `{ "dim_768_cosine_ndcg@10": 0.77, … }`. */
  metrics: Record<string, number>;
  runs: IRRun[];
  /** Queries that had at least one relevant document, in query order. */
  evaluatedQueryIds: string[];
  /** Queries dropped because they have no relevant document. */
  droppedQueryIds: string[];
  engine: ScoringEngine;
  stats: ScoringStats;
}

interface Plan {
  config: ResolvedIRMetricConfig;
  /** dims in the caller's order; undefined = the full width only, keys without a dim prefix */
  dims: number[] | undefined;
  similarity: Similarity;
  name: string;
  corpusChunkSize: number;
  queryChunkSize: number;
  engine: 'auto' | ScoringEngine;
}

function makePlan(options: InformationRetrievalOptions): Plan {
  const config = resolveMetricConfig(options);
  const similarity = options.similarity ?? 'cosine';
  if (similarity !== 'cosine' && similarity !== 'dot') {
    throw new EmbedlabError(`similarity must be "cosine" or "dot", got "${String(similarity)}"`);
  }
  const dims = options.dims;
  if (dims !== undefined) {
    if (!dims.length || dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new EmbedlabError(`dims must be positive integers, got ${JSON.stringify(dims)}`);
    }
    if (new Set(dims).size !== dims.length) throw new EmbedlabError(`dims repeat a value: ${dims.join(', ')}`);
  }
  const positive = (value: number | undefined, fallback: number, what: string) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw new EmbedlabError(`${what} must be a positive integer, got ${value}`);
    return v;
  };
  const engine = options.engine ?? 'auto';
  if (!['auto', 'onnx', 'tf', 'js'].includes(engine)) {
    throw new EmbedlabError(`engine must be "auto", "onnx", "tf" or "js", got "${String(engine)}"`);
  }
  return {
    config,
    dims: dims ? [...dims] : undefined,
    similarity,
    name: options.name ?? '',
    corpusChunkSize: positive(options.corpusChunkSize, 50_000, 'corpusChunkSize'),
    queryChunkSize: positive(options.queryChunkSize, 1024, 'queryChunkSize'),
    engine,
  };
}

function prefixFor(plan: Plan, dim: number | undefined): string {
  return [plan.name, dim === undefined ? '' : `dim_${dim}`, plan.similarity].filter((p) => p).join('_');
}

/** Every key an evaluation with these options returns, in order. */
function keysFor(plan: Plan): string[] {
  const names = rankingMetricNames(plan.config);
  return (plan.dims ?? [undefined]).flatMap((d) => names.map((m) => `${prefixFor(plan, d)}_${m}`));
}

function defaultPrimary(plan: Plan): string {
  const { ndcgAtK } = plan.config;
  const metric = ndcgAtK.length ? `ndcg@${Math.max(...ndcgAtK)}` : rankingMetricNames(plan.config)[0]!;
  return `${prefixFor(plan, plan.dims?.[0])}_${metric}`;
}

interface PreparedQueries {
  ids: string[];
  relevant: Set<string>[];
  dropped: string[];
}

function prepareQueries(irSet: IRSet): PreparedQueries {
  const ids: string[] = [];
  const relevant: Set<string>[] = [];
  const dropped: string[] = [];
  for (const qid of irSet.queries.keys()) {
    const rel = irSet.relevantDocs.get(qid);
    if (rel && rel.size > 0) {
      ids.push(qid);
      relevant.push(rel);
    } else {
      dropped.push(qid);
    }
  }
  if (!ids.length) {
    throw new EmbedlabError(`no query has a relevant document (${irSet.queries.size} queries, ${irSet.relevantDocs.size} qrels entries)`);
  }
  return { ids, relevant, dropped };
}

async function retrieve(
  plan: Plan,
  prepared: PreparedQueries,
  corpusIds: string[],
  queryEmbeddings: Matrix,
  corpus: CorpusChunks,
  onChunk: (docsDone: number) => void,
  signal?: AbortSignal,
): Promise<IRResult> {
  const width = queryEmbeddings.cols;
  const requested = plan.dims ?? [width];
  for (const d of requested) {
    if (d > width) throw new EmbedlabError(`dim ${d} is larger than the embedding width ${width}`);
  }
  const ascending = [...requested].sort((a, b) => a - b);
  const k = Math.min(maxCutoff(plan.config), corpusIds.length);
  const tieRank = idOrderRanks(corpusIds);
  const collectors = ascending.map(() => new TopKCollector(prepared.ids.length, Math.max(k, 1), tieRank));
  const queryScales = plan.similarity === 'cosine' ? inversePrefixNorms(queryEmbeddings, ascending) : undefined;
  const engine = await resolveScoringEngine(plan.engine);
  const stats: ScoringStats = { largestScoreBuffer: 0, corpusChunks: 0 };
  let done = 0;
  for await (const { offset, embeddings } of corpus) {
    signal?.throwIfAborted();
    if (embeddings.cols !== width) {
      throw new EmbedlabError(`corpus embeddings have width ${embeddings.cols} but query embeddings ${width}`);
    }
    await scoreChunk(queryEmbeddings, queryScales, embeddings, offset, collectors, {
      dims: ascending,
      engine,
      queryChunkSize: plan.queryChunkSize,
      stats,
    });
    done += embeddings.rows;
    onChunk(done);
    await breathe();
  }

  const metrics: Record<string, number> = {};
  const runs: IRRun[] = requested.map((dim) => {
    const collector = collectors[ascending.indexOf(dim)]!;
    const hits = prepared.ids.map((_, q) => (k > 0 ? collector.sorted(q) : { docs: [], scores: [] }));
    const rankedIds = hits.map((h) => h.docs.map((doc) => corpusIds[doc]!));
    const runMetrics = computeRankingMetrics(rankedIds, prepared.relevant, plan.config);
    const prefix = prefixFor(plan, plan.dims ? dim : undefined);
    for (const [key, value] of Object.entries(runMetrics)) metrics[`${prefix}_${key}`] = value;
    // built on first use: a training run's evaluations read only the metrics
    let rankings: IRRun['rankings'] | undefined;
    return {
      dim,
      prefix,
      metrics: runMetrics,
      get rankings() {
        rankings ??= new Map(prepared.ids.map((qid, q) => [qid, rankedIds[q]!.map((id, i) => ({ id, score: hits[q]!.scores[i]! }))]));
        return rankings;
      },
    };
  });
  return { metrics, runs, evaluatedQueryIds: prepared.ids, droppedQueryIds: prepared.dropped, engine, stats };
}

/**
 * Evaluates precomputed embeddings: row i of `queryEmbeddings` is the i-th
 * query of `irSet.queries`, row j of `corpusEmbeddings` the j-th document of
 * `irSet.corpus` (insertion order). Pass full-width embeddings; each dim in
 * `options.dims` is sliced and re-normalised from them.
 *
 * @example
 * const result = await evaluateEmbeddings(queryEmb, corpusEmb, irSet, { dims: [768, 512, 256, 128, 64] });
 * result.metrics['dim_128_cosine_ndcg@10'];
 * irMetricsTable(result).print();
 */
export async function evaluateEmbeddings(
  queryEmbeddings: Matrix,
  corpusEmbeddings: Matrix,
  irSet: IRSet,
  options: InformationRetrievalOptions & EvaluateOptions = {},
): Promise<IRResult> {
  const plan = makePlan(options);
  await ensureBackend();
  checkFiniteEmbeddings(queryEmbeddings, 'query embeddings');
  checkFiniteEmbeddings(corpusEmbeddings, 'corpus embeddings');
  if (queryEmbeddings.rows !== irSet.queries.size) {
    throw new EmbedlabError(`query embeddings have ${queryEmbeddings.rows} rows but there are ${irSet.queries.size} queries`);
  }
  if (corpusEmbeddings.rows !== irSet.corpus.size) {
    throw new EmbedlabError(`corpus embeddings have ${corpusEmbeddings.rows} rows but the corpus has ${irSet.corpus.size} documents`);
  }
  if (queryEmbeddings.cols !== corpusEmbeddings.cols) {
    throw new EmbedlabError(`query embeddings have width ${queryEmbeddings.cols} but corpus embeddings ${corpusEmbeddings.cols}`);
  }
  const prepared = prepareQueries(irSet);
  const queryIndex = new Map([...irSet.queries.keys()].map((id, i) => [id, i]));
  const queries = queryEmbeddings.select(prepared.ids.map((id) => queryIndex.get(id)!));
  const total = corpusEmbeddings.rows;
  return retrieve(
    plan,
    prepared,
    [...irSet.corpus.keys()],
    queries,
    matrixChunks(corpusEmbeddings, plan.corpusChunkSize),
    (done) => options.onProgress?.(done, total),
    options.signal,
  );
}

/**
 * Retrieval evaluator for training and notebooks: encodes the queries once and
 * the corpus chunk by chunk at full width, then scores every Matryoshka dim.
 *
 * @example
 * const evaluator = new InformationRetrievalEvaluator(irSet, {
 *   dims: [768, 512, 256, 128, 64],
 *   primaryMetric: 'dim_128_cosine_ndcg@10',
 * });
 * const metrics = await evaluator.evaluate(model); // { 'dim_768_cosine_accuracy@1': …, … }
 */
export class InformationRetrievalEvaluator implements Evaluator {
  readonly primaryMetric: string;
  private readonly plan: Plan;

  constructor(
    readonly irSet: IRSet,
    private readonly options: InformationRetrievalOptions = {},
  ) {
    this.plan = makePlan(options);
    prepareQueries(irSet); // fail early when nothing can be evaluated
    this.primaryMetric = options.primaryMetric
      ? resolveMetricName(options.primaryMetric, this.metricNames())
      : defaultPrimary(this.plan);
  }

  metricNames(): string[] {
    return keysFor(this.plan);
  }

  async evaluate(
    model: SentenceEmbedder,
    options: EvaluateOptions = {},
  ): Promise<Record<string, number>> {
    return checkedMetrics((await this.evaluateDetailed(model, options)).metrics);
  }

  /** Like {@link evaluate}, with rankings, dropped queries and scoring stats. */
  async evaluateDetailed(model: SentenceEmbedder, options: EvaluateOptions = {}): Promise<IRResult> {
    checkModelArgument(model, 'evaluate(model)');
    await ensureBackend(); // before the first tensor, so the backend never switches mid-run
    return longCall('Evaluating', options, (hooks) => this.run(model, { ...options, ...hooks }), { unit: 'texts' });
  }

  private async run(model: SentenceEmbedder, options: EvaluateOptions): Promise<IRResult> {
    const prepared = prepareQueries(this.irSet);
    const corpusIds = [...this.irSet.corpus.keys()];
    const corpusTexts = [...this.irSet.corpus.values()];
    const total = prepared.ids.length + corpusTexts.length;
    const batchSize = this.options.batchSize ?? 32;
    // as upstream, queries go through encode_query and documents through encode_document, so a model's
    // "query" / "document" prompts apply unless the options name other ones
    const encodeQueries = model.encodeQuery?.bind(model) ?? model.encode.bind(model);
    const encodeDocuments = model.encodeDocument?.bind(model) ?? model.encode.bind(model);
    const queries = await encodeQueries(
      prepared.ids.map((id) => this.irSet.queries.get(id)!),
      { batchSize, prompt: this.options.queryPrompt, promptName: this.options.queryPromptName, signal: options.signal },
    );
    checkFiniteEmbeddings(queries, "the model's query embeddings,", prepared.ids);
    options.onProgress?.(prepared.ids.length, total);
    const { signal } = options;
    const { corpusPrompt: prompt, corpusPromptName: promptName } = this.options;
    const corpus = encodedChunks(
      corpusTexts,
      this.plan.corpusChunkSize,
      async (texts) => {
        const encoded = await encodeDocuments(texts, { batchSize, prompt, promptName, signal });
        checkFiniteEmbeddings(encoded, "the model's document embeddings,");
        return encoded;
      },
      signal,
    );
    const result = await retrieve(
      this.plan,
      prepared,
      corpusIds,
      queries,
      corpus,
      (done) => options.onProgress?.(prepared.ids.length + done, total),
      signal,
    );
    if (model.cardData) recordInCard(model.cardData, this.plan, this.options, result.runs);
    return result;
  }
}

/**
 * Keeps the results in the model's card data, one evaluator per Matryoshka
 * dim named `dim_<d>` with its `truncate_dim` — as the reference workflow's
 * evaluators are — so the saved card and its model-index show them.
 */
function recordInCard(card: ModelCardData, plan: Plan, options: InformationRetrievalOptions, runs: IRRun[]): void {
  const { ndcgAtK } = plan.config;
  const prompts = { query_prompt: options.queryPrompt, query_prompt_name: options.queryPromptName, corpus_prompt: options.corpusPrompt, corpus_prompt_name: options.corpusPromptName };
  for (const run of runs) {
    const name = [plan.name, plan.dims ? `dim_${run.dim}` : ''].filter((p) => p).join('_');
    card.setEvaluation({
      className: 'sentence_transformers.evaluation.InformationRetrievalEvaluator',
      description: 'Information Retrieval',
      name,
      metrics: Object.fromEntries(Object.entries(run.metrics).map(([key, value]) => [`${plan.similarity}_${key}`, value])),
      ...(ndcgAtK.length && { primaryMetric: `${plan.similarity}_ndcg@${Math.max(...ndcgAtK)}` }),
      config: {
        ...(plan.dims && { truncate_dim: run.dim }),
        ...Object.fromEntries(Object.entries(prompts).filter(([, v]) => v !== undefined)),
      },
    });
  }
}
