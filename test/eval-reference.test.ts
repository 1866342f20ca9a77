/**
 * InformationRetrievalEvaluator on cases the golden files do not cover,
 * against a line-by-line Python port of sentence-transformers'
 * compute_metrics (test/reference/ir_reference.py): several relevant documents
 * per query, relevant ids missing from the corpus, queries without (or with
 * empty) qrels, exact score ties ordered by corpus id in code point order
 * (non-ASCII and astral ids included), custom cut-offs, Matryoshka dims, a
 * corpus smaller than the largest cut-off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IRSet } from '../src/data/types';
import { InformationRetrievalEvaluator, evaluateEmbeddings, type InformationRetrievalOptions } from '../src/eval';
import type { SentenceEmbedder } from '../src/models/types';
import { Matrix } from '../src/util/matrix';
import { pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';

interface IRCase {
  name: string;
  query_ids: string[];
  corpus_ids: string[];
  query_embeddings: number[][];
  corpus_embeddings: number[][];
  relevant_docs: Record<string, string[]>;
  k: { accuracy_at_k: number[]; precision_recall_at_k: number[]; mrr_at_k: number[]; ndcg_at_k: number[]; map_at_k: number[] };
  dims: number[] | null;
  similarity: 'cosine' | 'dot';
  runs: { dim: number; metrics: Record<string, number>; evaluated_query_ids: string[]; top10: string[][]; smallest_score_gap: number; tied_adjacent_hits: number }[];
}
const fixture = readFixture<{ cases: IRCase[] }>('ir-unseen.json');

function setUp(c: IRCase): { irSet: IRSet; options: InformationRetrievalOptions } {
  const irSet: IRSet = {
    queries: new Map(c.query_ids.map((id) => [id, `query::${id}`])),
    corpus: new Map(c.corpus_ids.map((id) => [id, `doc::${id}`])),
    relevantDocs: new Map(Object.entries(c.relevant_docs).map(([q, docs]) => [q, new Set(docs)])),
  };
  const options: InformationRetrievalOptions = {
    accuracyAtK: c.k.accuracy_at_k,
    precisionRecallAtK: c.k.precision_recall_at_k,
    mrrAtK: c.k.mrr_at_k,
    ndcgAtK: c.k.ndcg_at_k,
    mapAtK: c.k.map_at_k,
    ...(c.dims && { dims: c.dims }),
    similarity: c.similarity,
  };
  return { irSet, options };
}

function assertMatches(c: IRCase, metrics: Record<string, number>, label: string): void {
  const expected = Object.assign({}, ...c.runs.map((r) => r.metrics)) as Record<string, number>;
  assert.deepEqual(Object.keys(metrics), Object.keys(expected), `${label}: same keys in the same order`);
  for (const [key, value] of Object.entries(expected)) {
    assert.ok(Math.abs(metrics[key]! - value) <= 1e-12, `${label} ${key}: ${metrics[key]} vs ${value}`);
  }
}

test('IR reference: the committed cases are what ir_reference.py computes', (t) => {
  const missing = pythonMissing(['torch', 'numpy']);
  if (missing) return t.skip(missing);
  const out = runReferenceScript('ir_reference.py');
  try {
    const fresh = JSON.parse(readFileSync(join(out, 'ir-unseen.json'), 'utf8')) as { cases: IRCase[] };
    fresh.cases.forEach((c, i) => {
      const committed = fixture.cases[i]!;
      assert.deepEqual(c.corpus_ids, committed.corpus_ids);
      assert.deepEqual(c.query_embeddings, committed.query_embeddings);
      assert.deepEqual(c.corpus_embeddings, committed.corpus_embeddings);
      assert.deepEqual(c.runs.map((r) => r.top10), committed.runs.map((r) => r.top10));
      assertMatches(c, Object.assign({}, ...committed.runs.map((r) => r.metrics)), `fresh ${c.name}`);
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

for (const engine of ['js', 'tf', 'onnx'] as const) {
  test(`IR reference: metrics, key order and top-10 rankings match upstream compute_metrics (${engine})`, async () => {
    for (const c of fixture.cases) {
      const { irSet, options } = setUp(c);
      // the cases exercise what they claim to
      assert.ok(c.runs.every((r) => r.tied_adjacent_hits > 0 && r.smallest_score_gap > 1e-6), `${c.name}: ties and clear gaps`);
      const result = await evaluateEmbeddings(Matrix.fromRows(c.query_embeddings), Matrix.fromRows(c.corpus_embeddings), irSet, {
        ...options,
        engine,
        corpusChunkSize: 17,
        queryChunkSize: 5,
      });
      assertMatches(c, result.metrics, `${engine} ${c.name}`);
      assert.deepEqual(result.evaluatedQueryIds, c.runs[0]!.evaluated_query_ids);
      assert.deepEqual(
        result.droppedQueryIds,
        c.query_ids.filter((q) => !c.runs[0]!.evaluated_query_ids.includes(q)),
      );
      c.runs.forEach((run, r) => {
        const rankings = result.runs[r]!.rankings;
        run.evaluated_query_ids.forEach((q, i) =>
          assert.deepEqual(rankings.get(q)!.slice(0, 10).map((h) => h.id), run.top10[i], `${engine} ${c.name} dim ${run.dim} ${q}`),
        );
      });
    }
  });
}

test('IR reference: the evaluator with a model gives the same metrics (encodes at full width, slices per dim)', async () => {
  for (const c of fixture.cases) {
    const { irSet, options } = setUp(c);
    const byText = new Map<string, number[]>();
    c.query_ids.forEach((id, i) => byText.set(`query::${id}`, c.query_embeddings[i]!));
    c.corpus_ids.forEach((id, i) => byText.set(`doc::${id}`, c.corpus_embeddings[i]!));
    const model = {
      dimension: c.query_embeddings[0]!.length,
      maxSeqLength: 128,
      async encode(texts: string[]) {
        return Matrix.fromRows(texts.map((t) => byText.get(t)!));
      },
    } as unknown as SentenceEmbedder;
    const evaluator = new InformationRetrievalEvaluator(irSet, { ...options, corpusChunkSize: 25 });
    const metrics = await evaluator.evaluate(model);
    assertMatches(c, metrics, `evaluator ${c.name}`);
    assert.deepEqual(Object.keys(metrics), evaluator.metricNames());
  }
});
