/**
 * Scores query × corpus-chunk pairs at several Matryoshka dims in one pass.
 *
 * For nested dims d1 < d2 < … the dot product over the first d_i columns is a
 * running sum over column segments [0,d1), [d1,d2), …, so all dims together
 * cost one pass over the full vectors — not one pass per dim. Cosine at dim d
 * is that prefix dot times the inverse prefix norms (torch's F.normalize, eps
 * 1e-12), which equals "truncate, re-normalise, dot". Scores are rounded to
 * float32, as upstream's float32 `cos_sim` gives them.
 *
 * Three engines: `onnx` (one onnxruntime run per query block: a Gemm per
 * segment on every core), `tf` (one matMul per segment on the active
 * TensorFlow.js backend) and `js` (a blocked loop with no score buffer at
 * all). `auto` uses onnx when onnxruntime-node loads (and `EMBEDLAB_ENCODER`
 * is not `tfjs`), else tf — except on tfjs's pure-JS `cpu` backend, where the
 * js loop is the faster of the two (`bench/eval.ts` measures all three).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { encoderEngine } from '../backend/onnxRuntime';
import { onnxPrefixDots } from './onnxScoring';
import { EmbedlabError } from '../util/errors';
import type { Matrix } from '../util/matrix';
import type { TopKCollector } from './topk';

/** How a query and a document are compared: cosine of the truncated vectors, or their raw dot product. */
export type Similarity = 'cosine' | 'dot';
/** Where scores are computed: onnxruntime, TensorFlow.js matMuls, or a plain JavaScript loop (see above). */
export type ScoringEngine = 'onnx' | 'tf' | 'js';

/** Bookkeeping a caller (or a test) can check: memory stays bounded by the chunk sizes. */
export interface ScoringStats {
  /** Largest number of scores held in one buffer at once (query chunk × corpus chunk). */
  largestScoreBuffer: number;
  /** Corpus chunks scored. */
  corpusChunks: number;
}

export interface ChunkScoringOptions {
  /** Ascending, distinct, each ≤ the embedding width. */
  dims: number[];
  engine: ScoringEngine;
  /** Queries scored together against a corpus chunk (bounds the score buffer). */
  queryChunkSize: number;
  stats: ScoringStats;
}

const EPS = 1e-12;

/** The engine for a choice: `auto` is `tf` unless the active backend is tfjs's pure-JS `cpu` (see above). */
export async function resolveScoringEngine(choice: 'auto' | ScoringEngine): Promise<ScoringEngine> {
  if (choice === 'js') return choice;
  if (choice === 'onnx') {
    if (encoderEngine().engine !== 'onnx') throw new EmbedlabError(`scoring engine "onnx": ${encoderEngine().reason ?? 'EMBEDLAB_ENCODER=tfjs'}`);
    return choice;
  }
  await initBackend();
  if (choice === 'tf') return choice;
  if (encoderEngine().engine === 'onnx') return 'onnx';
  return tf.getBackend() === 'cpu' ? 'js' : 'tf';
}

/**
 * For each dim, 1 / max(‖row[:dim]‖, 1e-12) of every row (float64) — the
 * factor F.normalize applies after truncation.
 */
export function inversePrefixNorms(m: Matrix, dims: readonly number[]): Float64Array[] {
  const out = dims.map(() => new Float64Array(m.rows));
  const { data, cols } = m;
  // one flat loop over the data (no row views or callbacks: this runs over every corpus row)
  for (let r = 0, base = 0; r < m.rows; r++, base += cols) {
    let sum = 0;
    let at = base;
    for (let s = 0; s < dims.length; s++) {
      for (const end = base + dims[s]!; at < end; at++) sum += data[at]! * data[at]!;
      out[s]![r] = 1 / Math.max(Math.sqrt(sum), EPS);
    }
  }
  return out;
}

/**
 * Scores every query against one corpus chunk and offers each score at each
 * dim to `collectors[dimIndex]` (lists indexed by query row, documents by
 * `offset + chunk row`). `queryScales` are the query rows' inverse prefix
 * norms (cosine) or undefined (dot).
 */
export async function scoreChunk(
  queries: Matrix,
  queryScales: Float64Array[] | undefined,
  chunk: Matrix,
  offset: number,
  collectors: TopKCollector[],
  options: ChunkScoringOptions,
): Promise<void> {
  const chunkScales = queryScales ? inversePrefixNorms(chunk, options.dims) : undefined;
  options.stats.corpusChunks += 1;
  if (options.engine === 'js') {
    scoreChunkJs(queries, chunk, options.dims, makeOffer(collectors, queryScales, chunkScales, offset));
  } else if (options.engine === 'onnx') {
    // every dim's scores of a block at once: blocks of queryChunkSize / dims keep the buffer bounded as tf's
    const block = Math.max(1, Math.floor(options.queryChunkSize / options.dims.length));
    options.stats.largestScoreBuffer = Math.max(options.stats.largestScoreBuffer, Math.min(block, queries.rows) * options.dims.length * chunk.rows);
    await onnxPrefixDots(queries, chunk, options.dims, block, (q0, nq, width, dots) =>
      dots.forEach((d, s) => offerRows(d, nq, chunk.rows, q0, offset, collectors[s]!, queryScales?.[s], chunkScales?.[s], width)),
    );
  } else {
    await scoreChunkTf(queries, chunk, options, collectors, queryScales, chunkScales, offset);
  }
}

/** Offers the dot of query `query` with chunk row `chunkRow` at dim index `s`. */
type Offer = (s: number, query: number, chunkRow: number, dot: number) => void;

function makeOffer(
  collectors: TopKCollector[],
  queryScales: Float64Array[] | undefined,
  chunkScales: Float64Array[] | undefined,
  offset: number,
): Offer {
  // running thresholds per (dim, query): most scores fall below and never reach the heap
  const thresholds = collectors.map((c) => Float64Array.from({ length: c.lists }, (_, i) => c.threshold(i)));
  return (s, query, chunkRow, dot) => {
    const value = queryScales ? Math.fround(dot * queryScales[s]![query]! * chunkScales![s]![chunkRow]!) : Math.fround(dot);
    const limit = thresholds[s]!;
    if (value < limit[query]!) return;
    const collector = collectors[s]!;
    collector.offer(query, value, offset + chunkRow);
    limit[query] = collector.threshold(query);
  };
}

/**
 * Offers a block of prefix dots (`nq` queries from `q0` × `nc` chunk rows) to
 * a collector. Kept out of the async caller so V8 optimises the loop fully.
 *
 * Most of the cost of a streaming top-k is the heap updates while a list's
 * threshold is still low (about k·ln(n/k) of them per row). So each row first
 * takes a floor from a sample of its scores — a score that about 1.6·k of the
 * row's scores should reach — and offers only scores at or above it. The floor
 * is checked: if fewer than k scores reach it, the scores below it are offered
 * too, so the result is exactly what offering every score gives.
 */
export function offerRows(
  dots: Float32Array,
  nq: number,
  nc: number,
  q0: number,
  offset: number,
  collector: TopKCollector,
  queryScale: Float64Array | undefined,
  chunkScale: Float64Array | undefined,
  /** Row stride of `dots` (≥ nc when rows are padded). */
  stride = nc,
): void {
  let minChunkScale = 1;
  let maxChunkScale = 1;
  if (chunkScale) {
    minChunkScale = Infinity;
    maxChunkScale = 0;
    for (const c of chunkScale) (minChunkScale = Math.min(minChunkScale, c)), (maxChunkScale = Math.max(maxChunkScale, c));
  }
  const k = collector.k;
  const sampleStep = 8;
  const sampleRank = Math.ceil((1.6 * k) / sampleStep);
  const sampling = nc >= 4 * sampleStep * k;
  const best = new Float64Array(sampleRank + 1);
  for (let i = 0; i < nq; i++) {
    const row = i * stride;
    const list = q0 + i;
    const scale = queryScale ? queryScale[list]! : 1;
    const limit = collector.threshold(list);
    const floor = sampling ? sampledFloor(dots, row, nc, sampleStep, sampleRank, best, scale, chunkScale) : -Infinity;
    if (floor <= limit) {
      offerRange(dots, row, nc, list, offset, collector, scale, chunkScale, minChunkScale, maxChunkScale, Infinity);
    } else if (offerAtLeast(dots, row, nc, list, offset, collector, scale, chunkScale, minChunkScale, maxChunkScale, floor) < k) {
      // the sample was unlucky: fewer than k scores reach the floor, so the rest compete too
      offerRange(dots, row, nc, list, offset, collector, scale, chunkScale, minChunkScale, maxChunkScale, floor);
    }
  }
}

/** The score of dot `j` of a row: float32, as upstream's cos_sim gives it. */
function scoreOf(dot: number, scale: number, chunkScale: Float64Array | undefined, j: number): number {
  return Math.fround(chunkScale ? dot * scale * chunkScale[j]! : dot);
}

/**
 * The `rank`-th best score among every `step`-th one of a row (`best` is
 * scratch space of rank + 1 entries), or -Infinity when there are fewer.
 */
function sampledFloor(
  dots: Float32Array,
  row: number,
  nc: number,
  step: number,
  rank: number,
  best: Float64Array,
  scale: number,
  chunkScale: Float64Array | undefined,
): number {
  let size = 0;
  for (let j = 0; j < nc; j += step) {
    const value = scoreOf(dots[row + j]!, scale, chunkScale, j);
    if (size === rank && value <= best[rank - 1]!) continue;
    // insertion into the descending list of the best `rank` so far
    let p = size < rank ? size++ : rank - 1;
    while (p > 0 && best[p - 1]! < value) {
      best[p] = best[p - 1]!;
      p--;
    }
    best[p] = value;
  }
  return size === rank ? best[rank - 1]! : -Infinity;
}

/** Offers the row's scores ≥ `floor`; returns how many there were. */
function offerAtLeast(
  dots: Float32Array,
  row: number,
  nc: number,
  list: number,
  offset: number,
  collector: TopKCollector,
  scale: number,
  chunkScale: Float64Array | undefined,
  minChunkScale: number,
  maxChunkScale: number,
  floor: number,
): number {
  const dotFloor = dotBound(floor, scale, minChunkScale, maxChunkScale);
  let count = 0;
  for (let j = 0; j < nc; j++) {
    const dot = dots[row + j]!;
    if (dot < dotFloor) continue;
    const value = scoreOf(dot, scale, chunkScale, j);
    if (value < floor) continue;
    count++;
    collector.offer(list, value, offset + j);
  }
  return count;
}

/** Offers the row's scores below `below`, skipping those under the list's running threshold. */
function offerRange(
  dots: Float32Array,
  row: number,
  nc: number,
  list: number,
  offset: number,
  collector: TopKCollector,
  scale: number,
  chunkScale: Float64Array | undefined,
  minChunkScale: number,
  maxChunkScale: number,
  below: number,
): void {
  let limit = collector.threshold(list);
  let dotLimit = dotBound(limit, scale, minChunkScale, maxChunkScale);
  for (let j = 0; j < nc; j++) {
    const dot = dots[row + j]!;
    if (dot < dotLimit) continue; // no document scale can lift it into the top k
    const value = scoreOf(dot, scale, chunkScale, j);
    if (value < limit || value >= below) continue;
    collector.offer(list, value, offset + j);
    limit = collector.threshold(list);
    dotLimit = dotBound(limit, scale, minChunkScale, maxChunkScale);
  }
}

/**
 * A dot product below this cannot score ≥ `limit` for any document scale in
 * [minScale, maxScale] (scores are dot · scale · documentScale, all scales > 0),
 * lowered by a relative 1e-6 so float32 rounding never drops a contender.
 */
function dotBound(limit: number, scale: number, minScale: number, maxScale: number): number {
  if (limit === -Infinity) return -Infinity;
  const bound = limit / (scale * (limit > 0 ? maxScale : minScale));
  return bound - Math.abs(bound) * 1e-6;
}

function scoreChunkJs(queries: Matrix, chunk: Matrix, dims: number[], offer: Offer): void {
  const q = queries.data;
  const c = chunk.data;
  const width = queries.cols;
  const nq = queries.rows;
  let i = 0;
  // four queries share each corpus load
  for (; i + 4 <= nq; i += 4) {
    const o0 = i * width;
    const o1 = o0 + width;
    const o2 = o1 + width;
    const o3 = o2 + width;
    for (let j = 0; j < chunk.rows; j++) {
      const cj = j * chunk.cols;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (let s = 0; s < dims.length; s++) {
        for (const end = dims[s]!; k < end; k++) {
          const x = c[cj + k]!;
          s0 += q[o0 + k]! * x;
          s1 += q[o1 + k]! * x;
          s2 += q[o2 + k]! * x;
          s3 += q[o3 + k]! * x;
        }
        offer(s, i, j, s0);
        offer(s, i + 1, j, s1);
        offer(s, i + 2, j, s2);
        offer(s, i + 3, j, s3);
      }
    }
  }
  for (; i < nq; i++) {
    const oi = i * width;
    for (let j = 0; j < chunk.rows; j++) {
      const cj = j * chunk.cols;
      let sum = 0;
      let k = 0;
      for (let s = 0; s < dims.length; s++) {
        for (const end = dims[s]!; k < end; k++) sum += q[oi + k]! * c[cj + k]!;
        offer(s, i, j, sum);
      }
    }
  }
}

async function scoreChunkTf(
  queries: Matrix,
  chunk: Matrix,
  options: ChunkScoringOptions,
  collectors: TopKCollector[],
  queryScales: Float64Array[] | undefined,
  chunkScales: Float64Array[] | undefined,
  offset: number,
): Promise<void> {
  const { dims, queryChunkSize } = options;
  const width = dims[dims.length - 1]!;
  const nc = chunk.rows;
  const segmentStart = (s: number) => (s === 0 ? 0 : dims[s - 1]!);
  // corpus segments as [segment length, nc] tensors: transposed explicitly, since
  // matMul with transposeB is much slower on wasm than a plain matMul (bench/README.md)
  const corpusSegments = tf.tidy(() => {
    const transposed = tf.transpose(tf.tensor2d(chunk.data, [nc, chunk.cols]).slice([0, 0], [nc, width]));
    return dims.map((end, s) => transposed.slice([segmentStart(s), 0], [end - segmentStart(s), nc]));
  });
  try {
    for (let q0 = 0; q0 < queries.rows; q0 += queryChunkSize) {
      const nq = Math.min(queryChunkSize, queries.rows - q0);
      options.stats.largestScoreBuffer = Math.max(options.stats.largestScoreBuffer, nq * nc);
      const querySegments = tf.tidy(() => {
        const rows = queries.data.subarray(q0 * queries.cols, (q0 + nq) * queries.cols);
        const block = tf.tensor2d(rows, [nq, queries.cols]);
        return dims.map((end, s) => block.slice([0, segmentStart(s)], [nq, end - segmentStart(s)]));
      });
      let running: tf.Tensor2D | undefined;
      try {
        for (let s = 0; s < dims.length; s++) {
          // prefix dot over [0, dims[s]) = previous prefix + this segment's product
          const next = tf.tidy((): tf.Tensor2D => {
            const part = tf.matMul(querySegments[s]!, corpusSegments[s]!);
            return running ? tf.add(running, part) : (part as tf.Tensor2D);
          });
          running?.dispose();
          running = next;
          const dots = (await running.data()) as Float32Array;
          offerRows(dots, nq, nc, q0, offset, collectors[s]!, queryScales?.[s], chunkScales?.[s]);
        }
      } finally {
        running?.dispose();
        tf.dispose(querySegments);
      }
    }
  } finally {
    tf.dispose(corpusSegments);
  }
}
