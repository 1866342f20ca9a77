/**
 * Hard-negative mining in the manner of FlagEmbedding's `hn_mine`:
 *
 * 1. corpus = the candidate pool when given, else every positive and negative
 *    text of the input (distinct, first-seen order);
 * 2. embed corpus and queries (queries with the optional query prompt) and
 *    retrieve the top `end` documents per query by cosine (inner product of
 *    normalised embeddings; ties by corpus position);
 * 3. keep ranks `ranked[start:end]` of `rangeForSampling` (0-based slice, so
 *    "2-200" = ranks 3–200), drop the query's positives and the query text
 *    itself (exact text, so duplicates of a positive are dropped too), and
 *    draw `negativeNumber` of them with a seeded generator (kept in rank order);
 * 4. when fewer remain, fill up with random corpus texts that are not
 *    positives (as hn_mine does), unless `fillRandom` is false.
 */
import { ensureBackend } from '../backend';
import { checkModelArgument } from '../util/validate';
import type { SentenceEmbedder } from '../models/types';
import { encodedChunks, matrixChunks, type CorpusChunks } from '../eval/corpusChunks';
import { inversePrefixNorms, resolveScoringEngine, scoreChunk, type ScoringEngine, type ScoringStats } from '../eval/scoring';
import { TopKCollector } from '../eval/topk';
import { EmbedlabError } from '../util/errors';
import { breathe, longCall } from '../util/longCall';
import type { Matrix } from '../util/matrix';
import { Random } from '../util/random';
import { parseSamplingRange } from './range';

/** One query to mine for. */
export interface MiningQuery {
  query: string;
  positives: string[];
  /** Existing negatives: part of the default corpus; replaced by the mined ones. */
  negatives?: string[];
}

/** A query with its mined negatives. */
export interface MinedQuery {
  query: string;
  positives: string[];
  negatives: string[];
  /** 1-based retrieval rank of each mined negative (0 for random fill-ups). */
  ranks: number[];
}

/** Options of {@link mineHardNegatives}. */
export interface MineOptions {
  /**
   * Ranks to sample from, FlagEmbedding style.
   * @default "2-200"
   */
  rangeForSampling?: string | readonly [number, number];
  /**
   * Negatives per query.
   * @default 15
   */
  negativeNumber?: number;
  /**
   * @default 42
   */
  seed?: number;
  /** Texts to mine from instead of the input's own positives and negatives. */
  candidatePool?: readonly string[];
  /**
   * Fill up with random corpus texts when the range has too few (as hn_mine).
   * @default true
   */
  fillRandom?: boolean;
  /** Prepended to queries when encoding (FlagEmbedding's query_instruction_for_retrieval). */
  queryPrompt?: string;
  /**
   * Encoding batch size.
   * @default 32
   */
  batchSize?: number;
  /**
   * Documents encoded and scored at once.
   * @default 50000
   */
  corpusChunkSize?: number;
  /**
   * `tf` (matMul on the active backend), `js`, or `auto` (tf unless the backend is tfjs's pure-JS cpu).
   * @default 'auto'
   */
  engine?: 'auto' | ScoringEngine;
  /** Called as the corpus is scored: `done` of `total` documents. */
  onProgress?: (done: number, total: number) => void;
  /** Stops between batches: mining rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Precomputed embeddings instead of a model: row i of `corpusEmbeddings` embeds `corpus[i]`. */
export interface PrecomputedMiningEmbeddings {
  queryEmbeddings: Matrix;
  corpusEmbeddings: Matrix;
  corpus: readonly string[];
}

/**
 * The distinct texts mining searches: the pool, or the input's positives and negatives.
 *
 * @example
 * miningCorpus([{ query: 'q', positives: ['a', 'b'], negatives: ['b', 'c'] }, { query: 'r', positives: ['c', 'd'] }]);
 * // ['a', 'b', 'c', 'd']
 */
export function miningCorpus(queries: readonly MiningQuery[], candidatePool?: readonly string[]): string[] {
  const seen = new Set<string>();
  const add = (t: string) => void seen.add(t);
  if (candidatePool) candidatePool.forEach(add);
  else for (const q of queries) (q.positives.forEach(add), q.negatives?.forEach(add));
  return [...seen];
}

/**
 * Mines hard negatives for `queries` with a model or precomputed embeddings.
 *
 * @example
 * const mined = await mineHardNegatives(
 *   rows.map((r) => ({ query: r.anchor, positives: [r.positive] })),
 *   { model },
 *   { rangeForSampling: '2-200', negativeNumber: 15, seed: 42 },
 * );
 */
export async function mineHardNegatives(
  queries: readonly MiningQuery[],
  source: { model: SentenceEmbedder } | PrecomputedMiningEmbeddings,
  options: MineOptions = {},
): Promise<MinedQuery[]> {
  return longCall('Mining hard negatives', options, (hooks) => mine(queries, source, { ...options, ...hooks }), { unit: 'texts' });
}

async function mine(
  queries: readonly MiningQuery[],
  source: { model: SentenceEmbedder } | PrecomputedMiningEmbeddings,
  options: MineOptions,
): Promise<MinedQuery[]> {
  const [start, end] = parseSamplingRange(options.rangeForSampling ?? '2-200');
  const negativeNumber = options.negativeNumber ?? 15;
  if (!Number.isInteger(negativeNumber) || negativeNumber < 1) {
    throw new EmbedlabError(`negativeNumber (negatives per query) must be a positive integer, got ${negativeNumber}`);
  }
  if (!Array.isArray(queries)) throw new EmbedlabError(`mineHardNegatives(queries) must be an array of { query, positives }, got ${typeof queries}`);
  if ('model' in source) checkModelArgument(source.model, 'mineHardNegatives(queries, { model })');
  await ensureBackend();
  const { corpus, queryEmbeddings, chunks } = await miningEmbeddings(queries, source, options);
  const collector = await retrieveTopK(queryEmbeddings, chunks, Math.min(end, corpus.length), corpus.length, options);

  const random = new Random(options.seed ?? 42);
  return queries.map((q, i) => {
    const positives = new Set(q.positives);
    const allowed = (text: string) => !positives.has(text) && text !== q.query;
    const ranked = collector.sorted(i).docs;
    const candidates = ranked
      .map((doc, r) => ({ doc, rank: r + 1 }))
      .slice(start, end)
      .filter(({ doc }) => allowed(corpus[doc]!));
    const picked = sample(candidates, negativeNumber, random).sort((a, b) => a.rank - b.rank);
    const negatives = picked.map((p) => corpus[p.doc]!);
    const ranks = picked.map((p) => p.rank);
    if (negatives.length < negativeNumber && (options.fillRandom ?? true)) {
      for (const text of randomFill(corpus, negativeNumber - negatives.length, allowed, new Set(negatives), random)) {
        negatives.push(text);
        ranks.push(0);
      }
    }
    return { query: q.query, positives: [...q.positives], negatives, ranks };
  });
}

/** The corpus texts, the query embeddings and the corpus embeddings chunk by chunk, from a model or precomputed. */
async function miningEmbeddings(
  queries: readonly MiningQuery[],
  source: { model: SentenceEmbedder } | PrecomputedMiningEmbeddings,
  options: MineOptions,
): Promise<{ corpus: string[]; queryEmbeddings: Matrix; chunks: CorpusChunks }> {
  const chunkSize = options.corpusChunkSize ?? 50_000;
  const corpus = 'model' in source ? miningCorpus(queries, options.candidatePool) : [...source.corpus];
  if (!corpus.length) throw new EmbedlabError('the mining corpus is empty: no positives, negatives or candidate pool texts');
  if ('model' in source) {
    const { model } = source;
    const batchSize = options.batchSize ?? 32;
    const signal = options.signal;
    const queryEmbeddings = await model.encode(
      queries.map((q) => q.query),
      { batchSize, prompt: options.queryPrompt, signal },
    );
    const chunks = encodedChunks(corpus, chunkSize, (texts) => model.encode(texts, { batchSize, signal }), signal);
    return { corpus, queryEmbeddings, chunks };
  }
  if (source.queryEmbeddings.rows !== queries.length) {
    throw new EmbedlabError(`query embeddings have ${source.queryEmbeddings.rows} rows for ${queries.length} queries`);
  }
  if (source.corpusEmbeddings.rows !== corpus.length) {
    throw new EmbedlabError(`corpus embeddings have ${source.corpusEmbeddings.rows} rows for ${corpus.length} corpus texts`);
  }
  return { corpus, queryEmbeddings: source.queryEmbeddings, chunks: matrixChunks(source.corpusEmbeddings, chunkSize) };
}

/** The top `k` documents per query by cosine, streamed over the corpus chunks; ties by corpus position. */
async function retrieveTopK(
  queryEmbeddings: Matrix,
  chunks: CorpusChunks,
  k: number,
  corpusSize: number,
  options: MineOptions,
): Promise<TopKCollector> {
  const width = queryEmbeddings.cols;
  const tieRank = Int32Array.from({ length: corpusSize }, (_, i) => i);
  const collector = new TopKCollector(queryEmbeddings.rows, k, tieRank);
  const engine = await resolveScoringEngine(options.engine ?? 'auto');
  const stats: ScoringStats = { largestScoreBuffer: 0, corpusChunks: 0 };
  const queryScales = inversePrefixNorms(queryEmbeddings, [width]);
  let done = 0;
  for await (const { offset, embeddings } of chunks) {
    options.signal?.throwIfAborted();
    if (embeddings.cols !== width) throw new EmbedlabError(`corpus embeddings have width ${embeddings.cols}, queries ${width}`);
    await scoreChunk(queryEmbeddings, queryScales, embeddings, offset, [collector], {
      dims: [width],
      engine,
      queryChunkSize: 1024,
      stats,
    });
    done += embeddings.rows;
    options.onProgress?.(done, corpusSize);
    await breathe();
  }
  return collector;
}

/** `count` items drawn without replacement (all of them when there are fewer). */
function sample<T>(items: readonly T[], count: number, random: Random): T[] {
  if (items.length <= count) return [...items];
  const pool = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + random.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/**
 * `count` distinct allowed corpus texts not in `taken`, drawn at random: by
 * rejection sampling (cost independent of the corpus size), then — when the
 * corpus has few allowed texts left — from an explicit list.
 */
function randomFill(corpus: readonly string[], count: number, allowed: (t: string) => boolean, taken: Set<string>, random: Random): string[] {
  const out: string[] = [];
  for (let attempts = 0; out.length < count && attempts < 50 * count; attempts++) {
    const text = corpus[random.int(corpus.length)]!;
    if (allowed(text) && !taken.has(text)) (taken.add(text), out.push(text));
  }
  if (out.length < count) out.push(...sample(corpus.filter((t) => allowed(t) && !taken.has(t)), count - out.length, random));
  return out;
}
