import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { IRSet } from '../src/data/types';
import {
  InformationRetrievalEvaluator,
  evaluateEmbeddings,
  irMetricsTable,
  resolveMetricName,
  type IRResult,
} from '../src/eval';
import type { SentenceEmbedder } from '../src/models/types';
import { EmbedlabError } from '../src/util/errors';
import { Matrix } from '../src/util/matrix';
import { Random } from '../src/util/random';
import { offerRows } from '../src/eval/scoring';
import { TopKCollector } from '../src/eval/topk';
import { readGoldenCase, type GoldenCase } from './goldenIrCase';

function loadCase(name: string): { golden: GoldenCase; irSet: IRSet; queries: Matrix; corpus: Matrix } {
  const golden = readGoldenCase(name);
  const irSet: IRSet = {
    queries: new Map(golden.query_ids.map((id) => [id, `query::${id}`])),
    corpus: new Map(golden.doc_ids.map((id) => [id, `doc::${id}`])),
    relevantDocs: new Map(Object.entries(golden.relevant_docs).map(([q, docs]) => [q, new Set(docs)])),
  };
  return { golden, irSet, queries: Matrix.fromRows(golden.query_embeddings), corpus: Matrix.fromRows(golden.doc_embeddings) };
}

function assertMetricsClose(actual: Record<string, number>, expected: Record<string, number>, tol = 1e-12): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), 'same keys in the same order');
  for (const [key, value] of Object.entries(expected)) {
    assert.ok(Math.abs(actual[key]! - value) <= tol, `${key}: ${actual[key]} vs ${value}`);
  }
}

for (const engine of ['js', 'tf', 'onnx'] as const) {
  test(`golden case_a: every metric and top-10 ranking at dims 64/32/16/8 from one encoding (${engine})`, async () => {
    const { golden, irSet, queries, corpus } = loadCase('case_a.json');
    const dims = golden.runs.map((r) => r.truncate_dim!);
    const result = await evaluateEmbeddings(queries, corpus, irSet, { dims, engine });
    assert.equal(result.engine, engine);
    const expectedAll: Record<string, number> = {};
    for (const run of golden.runs) Object.assign(expectedAll, run.metrics);
    assertMetricsClose(result.metrics, expectedAll);
    for (const [i, run] of golden.runs.entries()) {
      const ours = result.runs[i]!;
      assert.equal(ours.prefix, `${run.name}_cosine`);
      assert.deepEqual(result.evaluatedQueryIds, run.evaluated_query_ids);
      for (const [qid, hits] of Object.entries(run.top10_ranked_hits)) {
        const top = ours.rankings.get(qid)!.slice(0, 10);
        assert.deepEqual(top.map((h) => h.id), hits.map((h) => h[0]), `${run.name} ${qid} ranking`);
        top.forEach((h, r) => assert.ok(Math.abs(h.score - hits[r]![1]) < 1e-6, `${qid} score ${h.score} vs ${hits[r]![1]}`));
      }
    }
    const evaluator = new InformationRetrievalEvaluator(irSet, { dims });
    assert.equal(evaluator.primaryMetric, golden.runs[0]!.primary_metric);
    assert.deepEqual(evaluator.metricNames(), Object.keys(expectedAll));
  });

  test(`golden case_c: exact ties ordered by corpus id string ascending (${engine})`, async () => {
    const { golden, irSet, queries, corpus } = loadCase('case_c.json');
    const result = await evaluateEmbeddings(queries, corpus, irSet, { engine });
    assertMetricsClose(result.metrics, golden.metrics_under_alternative_tie_rules!['corpus_id_string_ascending']!);
    // upstream's own tie order is arbitrary: compare score lists, and check ties are in id (string) order
    for (const [qid, hits] of Object.entries(golden.runs[0]!.top10_ranked_hits)) {
      const top = result.runs[0]!.rankings.get(qid)!.slice(0, 10);
      top.forEach((h, r) => assert.ok(Math.abs(h.score - hits[r]![1]) < 1e-6));
      for (let r = 1; r < top.length; r++) {
        if (top[r]!.score === top[r - 1]!.score) assert.ok(top[r - 1]!.id < top[r]!.id, `${qid}: tie order`);
      }
      const bySet = (list: { id: string; score: number }[]) => new Set(list.map((h) => `${h.id}`));
      // same documents within the top-10 whenever the 10th score is not tied past the cut
      if (hits.length === 10 && hits[9]![1] !== hits[8]![1]) {
        assert.deepEqual(bySet(top), bySet(hits.map(([id, score]) => ({ id, score }))));
      }
    }
  });
}

/** Straightforward reference: float64 cosine over the whole corpus, full sort, formulas as written in GUIDE §2. */
function referenceMetrics(
  queries: number[][],
  docs: number[][],
  irSet: IRSet,
  dim: number,
): Record<string, number> {
  const unit = (v: number[]) => {
    const t = v.slice(0, dim);
    const n = Math.max(Math.hypot(...t), 1e-12);
    return t.map((x) => x / n);
  };
  const docIds = [...irSet.corpus.keys()];
  const unitDocs = docs.map(unit);
  const out: Record<string, number[]> = {};
  const push = (k: string, v: number) => (out[k] ??= []).push(v);
  [...irSet.queries.keys()].forEach((qid, qi) => {
    const rel = irSet.relevantDocs.get(qid);
    if (!rel || rel.size === 0) return;
    const q = unit(queries[qi]!);
    const ranked = docIds
      .map((id, j) => ({ id, s: q.reduce((acc, x, k) => acc + x * unitDocs[j]![k]!, 0) }))
      .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
      .map((h) => (rel.has(h.id) ? 1 : 0));
    for (const k of [1, 3, 5, 10]) {
      const hits = ranked.slice(0, k).reduce((a: number, b) => a + b, 0);
      push(`accuracy@${k}`, hits > 0 ? 1 : 0);
      push(`precision@${k}`, hits / k);
      push(`recall@${k}`, hits / rel.size);
    }
    let dcg = 0;
    let idcg = 0;
    for (let i = 1; i <= 10; i++) {
      dcg += (ranked[i - 1] ?? 0) / Math.log2(i + 1);
      if (i <= rel.size) idcg += 1 / Math.log2(i + 1);
    }
    push('ndcg@10', dcg / idcg);
    const first = ranked.slice(0, 10).indexOf(1);
    push('mrr@10', first < 0 ? 0 : 1 / (first + 1));
    let found = 0;
    let ap = 0;
    ranked.slice(0, 100).forEach((r, i) => {
      if (r) ap += ++found / (i + 1);
    });
    push('map@100', ap / Math.min(100, rel.size));
  });
  const metrics: Record<string, number> = {};
  for (const [k, values] of Object.entries(out)) metrics[k] = values.reduce((a, b) => a + b, 0) / values.length;
  return metrics;
}

function randomRows(random: Random, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(random.normal())));
}

/** Several relevant docs per query, relevant ids absent from the corpus, queries without relevant docs. */
function multiRelevantCase() {
  const random = new Random(7);
  const d = 24;
  const docs = randomRows(random, 150, d);
  // ids whose string order differs from numeric and insertion order
  const docIds = docs.map((_, j) => String((j * 37) % 151));
  const queries: number[][] = [];
  const relevantDocs = new Map<string, Set<string>>();
  const queryIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const qid = `q${i}`;
    queryIds.push(qid);
    const picks = [random.int(150), random.int(150), random.int(150)].slice(0, 1 + (i % 3));
    const q = new Array<number>(d).fill(0);
    for (const p of picks) docs[p]!.forEach((x, k) => (q[k]! += x));
    queries.push(q.map((x) => Math.fround(x + 0.8 * random.normal())));
    if (i % 7 === 3) continue; // no qrels entry at all
    const rel = new Set(picks.map((p) => docIds[p]!));
    if (i % 5 === 0) rel.add(`missing-${i}`); // relevant but not in the corpus
    relevantDocs.set(qid, i % 11 === 4 ? new Set() : rel); // an empty set is dropped too
  }
  const irSet: IRSet = {
    queries: new Map(queryIds.map((id) => [id, `text ${id}`])),
    corpus: new Map(docIds.map((id) => [id, `doc ${id}`])),
    relevantDocs,
  };
  return { irSet, queries, docs };
}

test('several relevant docs, relevant ids missing from the corpus, queries without qrels: equals a plain reference', async () => {
  const { irSet, queries, docs } = multiRelevantCase();
  for (const engine of ['js', 'tf', 'onnx'] as const) {
    const result = await evaluateEmbeddings(Matrix.fromRows(queries), Matrix.fromRows(docs), irSet, {
      dims: [24, 8],
      engine,
      corpusChunkSize: 40,
      queryChunkSize: 7,
    });
    assert.ok(result.droppedQueryIds.length >= 4, 'queries without relevant docs are dropped');
    for (const run of result.runs) {
      const expected = referenceMetrics(queries, docs, irSet, run.dim);
      for (const [key, value] of Object.entries(expected)) {
        assert.ok(Math.abs(run.metrics[key]! - value) < 1e-12, `${engine} dim ${run.dim} ${key}: ${run.metrics[key]} vs ${value}`);
      }
    }
    // a missing relevant id keeps recall below 1 even when everything retrievable is found
    assert.ok(result.runs[0]!.metrics['recall@10']! < 1);
  }
});

test('chunk sizes do not change results; the score buffer never exceeds queryChunk × corpusChunk', async () => {
  const { irSet, queries, docs } = multiRelevantCase();
  const q = Matrix.fromRows(queries);
  const c = Matrix.fromRows(docs);
  const whole = await evaluateEmbeddings(q, c, irSet, { engine: 'tf', dims: [24, 12] });
  const tensorsBefore = tf.memory().numTensors;
  const chunked = await evaluateEmbeddings(q, c, irSet, { engine: 'tf', dims: [24, 12], corpusChunkSize: 9, queryChunkSize: 4 });
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leaks');
  assert.deepEqual(chunked.metrics, whole.metrics);
  assert.deepEqual(chunked.runs[1]!.rankings, whole.runs[1]!.rankings);
  assert.equal(chunked.stats.corpusChunks, Math.ceil(150 / 9));
  assert.ok(chunked.stats.largestScoreBuffer <= 9 * 4);
});

test('a corpus 100× the financial set streams in bounded chunks', async () => {
  // 700,000 documents × 8 dims: 100× the 7,000-document corpus, with a small chunk size
  const random = new Random(11);
  const n = 700_000;
  const d = 8;
  const data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = random.next() - 0.5;
  const corpus = new Matrix(data, n, d);
  const targets = [5, 123_456, 699_999, 350_000];
  const queries = Matrix.fromRows(targets.map((t) => Array.from(corpus.row(t))));
  const irSet: IRSet = {
    queries: new Map(targets.map((t) => [`q${t}`, ''])),
    corpus: new Map(Array.from({ length: n }, (_, j) => [String(j), ''])),
    relevantDocs: new Map(targets.map((t) => [`q${t}`, new Set([String(t)])])),
  };
  const chunk = 20_000;
  const result = await evaluateEmbeddings(queries, corpus, irSet, { engine: 'tf', corpusChunkSize: chunk });
  assert.equal(result.stats.corpusChunks, n / chunk);
  assert.ok(result.stats.largestScoreBuffer <= chunk * targets.length, `${result.stats.largestScoreBuffer}`);
  // each query is its own document, so it ranks first (the cosine of a vector with itself)
  assert.equal(result.metrics['cosine_accuracy@1'], 1);
  for (const t of targets) assert.equal(result.runs[0]!.rankings.get(`q${t}`)!.length, 100);
});

test('evaluator encodes queries once and the corpus in chunks, reports progress, and matches precomputed evaluation', async () => {
  const { irSet, queries, docs } = multiRelevantCase();
  const byText = new Map<string, number[]>();
  [...irSet.queries.values()].forEach((t, i) => byText.set(t, queries[i]!));
  [...irSet.corpus.values()].forEach((t, j) => byText.set(t, docs[j]!));
  const calls: number[] = [];
  const model = {
    dimension: 24,
    maxSeqLength: 128,
    async encode(texts: string[]) {
      calls.push(texts.length);
      return Matrix.fromRows(texts.map((t) => byText.get(t)!));
    },
  } as unknown as SentenceEmbedder;
  const progress: [number, number][] = [];
  const evaluator = new InformationRetrievalEvaluator(irSet, { dims: [24, 16, 8], corpusChunkSize: 64 });
  const detailed = await evaluator.evaluateDetailed(model, { onProgress: (done, total) => progress.push([done, total]) });
  const expected = await evaluateEmbeddings(Matrix.fromRows(queries), Matrix.fromRows(docs), irSet, { dims: [24, 16, 8] });
  assert.deepEqual(detailed.metrics, expected.metrics);
  const evaluated = detailed.evaluatedQueryIds.length;
  assert.deepEqual(calls, [evaluated, 64, 64, 22], 'queries once (without dropped ones), then corpus chunks');
  assert.deepEqual(progress.at(-1), [evaluated + 150, evaluated + 150]);
  assert.ok(progress.every(([done], i) => i === 0 || done > progress[i - 1]![0]));
  assert.deepEqual(Object.keys(detailed.metrics), evaluator.metricNames());
  assert.equal(evaluator.primaryMetric, 'dim_24_cosine_ndcg@10');

  const table = irMetricsTable(detailed);
  assert.deepEqual(table.array('dim'), [24, 16, 8]);
  assert.equal(table.get('ndcg@10', 2), detailed.metrics['dim_8_cosine_ndcg@10']);
});

test('unknown metric names are rejected with the list of valid ones', () => {
  const { irSet } = multiRelevantCase();
  const evaluator = new InformationRetrievalEvaluator(irSet, { dims: [24, 8], primaryMetric: 'eval_dim_8_cosine_map@100' });
  assert.equal(evaluator.primaryMetric, 'dim_8_cosine_map@100');
  assert.throws(
    () => new InformationRetrievalEvaluator(irSet, { dims: [24, 8], primaryMetric: 'dim_128_cosine_ndcg@10' }),
    (e: Error) => e instanceof EmbedlabError && /unknown metric "dim_128_cosine_ndcg@10"/.test(e.message) && e.message.includes('dim_8_cosine_ndcg@10'),
  );
  assert.throws(() => resolveMetricName('ndcg@10', evaluator.metricNames()), /valid metrics are: dim_24_cosine_accuracy@1/);
  assert.throws(() => new InformationRetrievalEvaluator(irSet, { ndcgAtK: [0] }), /ndcgAtK must be a list of positive integers/);
});

test('custom cut-offs and names shape the keys; dims above the width are rejected', async () => {
  const { irSet, queries, docs } = multiRelevantCase();
  const result: IRResult = await evaluateEmbeddings(Matrix.fromRows(queries), Matrix.fromRows(docs), irSet, {
    name: 'fin',
    accuracyAtK: [2],
    precisionRecallAtK: [4],
    mrrAtK: [5],
    ndcgAtK: [3, 7],
    mapAtK: [20],
  });
  assert.deepEqual(Object.keys(result.metrics), [
    'fin_cosine_accuracy@2',
    'fin_cosine_precision@4',
    'fin_cosine_recall@4',
    'fin_cosine_ndcg@3',
    'fin_cosine_ndcg@7',
    'fin_cosine_mrr@5',
    'fin_cosine_map@20',
  ]);
  await assert.rejects(
    evaluateEmbeddings(Matrix.fromRows(queries), Matrix.fromRows(docs), irSet, { dims: [32] }),
    /dim 32 is larger than the embedding width 24/,
  );
  await assert.rejects(
    evaluateEmbeddings(Matrix.fromRows(queries.slice(1)), Matrix.fromRows(docs), irSet),
    /query embeddings have 29 rows but there are 30 queries/,
  );
});

test('onnx engine: chunk sizes do not change results; the score buffer never exceeds queryChunk × corpusChunk', async () => {
  const { irSet, queries, docs } = multiRelevantCase();
  const q = Matrix.fromRows(queries);
  const c = Matrix.fromRows(docs);
  const whole = await evaluateEmbeddings(q, c, irSet, { engine: 'tf', dims: [24, 12] });
  const chunked = await evaluateEmbeddings(q, c, irSet, { engine: 'onnx', dims: [24, 12], corpusChunkSize: 9, queryChunkSize: 4 });
  assert.equal(chunked.engine, 'onnx');
  assert.deepEqual(chunked.metrics, whole.metrics);
  // same documents in the same order; scores equal up to float32 summation order (MLAS vs XNNPACK)
  for (const [query, hits] of whole.runs[1]!.rankings) {
    const got = chunked.runs[1]!.rankings.get(query)!;
    assert.deepEqual(got.map((h) => h.id), hits.map((h) => h.id), query);
    got.forEach((h, i) => assert.ok(Math.abs(h.score - hits[i]!.score) <= 1e-6, `${query} ${h.id}: ${h.score} vs ${hits[i]!.score}`));
  }
  assert.ok(chunked.stats.largestScoreBuffer <= 4 * 9, `largest score buffer ${chunked.stats.largestScoreBuffer}`);
});

test('sampled floors skip most heap updates and keep every top-k list exactly as offering each score does, also when a sample is unlucky', () => {
  const random = new Random(5);
  const nq = 6;
  const nc = 5000; // ≥ 4 · 8 · k: rows take a floor from every 8th score
  const k = 100;
  const dots = new Float32Array(nq * nc).map(() => random.normal());
  // row 1: its best scores sit exactly on the sampled positions, so the floor is too high (fewer than k reach it)
  for (let j = 0; j < nc; j += 8) dots[nc + j] = 50 + random.next();
  // row 2: a thousand exact ties, ordered by the tie rank
  for (let j = 0; j < 1000; j++) dots[2 * nc + 3 * j] = 7;
  const tieRank = Int32Array.from({ length: 2 * nc }, (_, i) => (i * 7919) % (2 * nc));
  const queryScale = Float64Array.from({ length: nq }, () => 0.5 + random.next());
  const chunkScale = Float64Array.from({ length: nc }, () => 0.5 + random.next());
  for (const scales of [undefined, { queryScale, chunkScale }]) {
    for (const offset of [0, nc]) {
      const fast = new TopKCollector(nq, k, tieRank);
      const plain = new TopKCollector(nq, k, tieRank);
      if (offset > 0) {
        // a second corpus chunk: the lists are already full from the first
        for (let q = 0; q < nq; q++) for (let j = 0; j < nc; j++) [fast, plain].forEach((c) => c.offer(q, Math.fround((j % 97) / 40), j));
      }
      offerRows(dots, nq, nc, 0, offset, fast, scales?.queryScale, scales?.chunkScale);
      for (let q = 0; q < nq; q++) {
        for (let j = 0; j < nc; j++) {
          const dot = dots[q * nc + j]!;
          plain.offer(q, Math.fround(scales ? dot * scales.queryScale[q]! * scales.chunkScale[j]! : dot), offset + j);
        }
      }
      for (let q = 0; q < nq; q++) assert.deepEqual(fast.sorted(q), plain.sorted(q), `row ${q}, offset ${offset}, ${scales ? 'cosine' : 'dot'}`);
    }
  }
});
