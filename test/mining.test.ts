import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main';
import { readEmbeddings } from '../src/data';
import { mineHardNegatives, miningCorpus, parseSamplingRange, readCandidatePool, type MiningQuery } from '../src/mining';
import { createStaticModel } from '../src/models';
import { EmbedlabError } from '../src/util/errors';
import { Matrix } from '../src/util/matrix';
import { Random } from '../src/util/random';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');

function randomMatrix(random: Random, rows: number, cols: number): Matrix {
  return new Matrix(Float32Array.from({ length: rows * cols }, () => random.normal()), rows, cols);
}

/** Brute-force cosine ranking (float64), ties by corpus position. */
function bruteRanking(q: Float32Array, corpus: Matrix): number[] {
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));
  const scores = Array.from({ length: corpus.rows }, (_, j) => {
    const d = corpus.row(j);
    return q.reduce((a, x, k) => a + x * d[k]!, 0) / (norm(q) * norm(d));
  });
  return scores.map((s, j) => ({ s, j })).sort((a, b) => b.s - a.s || a.j - b.j).map((x) => x.j);
}

test('mining samples from ranking[start:end] (0-based like hn_mine), never positives or the query, seeded', async () => {
  const random = new Random(3);
  const corpus = Array.from({ length: 120 }, (_, j) => `doc ${j}`);
  const corpusEmbeddings = randomMatrix(random, 120, 12);
  const queryEmbeddings = randomMatrix(random, 6, 12);
  const queries: MiningQuery[] = Array.from({ length: 6 }, (_, i) => {
    const ranking = bruteRanking(queryEmbeddings.row(i), corpusEmbeddings);
    // positives: one inside the sampling range, one outside; and the query text is itself a corpus text
    return { query: corpus[ranking[4]!]!, positives: [corpus[ranking[3]!]!, corpus[ranking[50]!]!] };
  });
  const source = { queryEmbeddings, corpusEmbeddings, corpus };
  const options = { rangeForSampling: '2-20', negativeNumber: 6, seed: 9 };
  const mined = await mineHardNegatives(queries, source, options);
  const again = await mineHardNegatives(queries, source, options);
  const other = await mineHardNegatives(queries, source, { ...options, seed: 10 });
  assert.deepEqual(mined, again);
  assert.notDeepEqual(mined.map((m) => m.negatives), other.map((m) => m.negatives));

  mined.forEach((m, i) => {
    const ranking = bruteRanking(queryEmbeddings.row(i), corpusEmbeddings);
    const allowed = ranking.slice(2, 20).map((j) => corpus[j]!).filter((t) => !queries[i]!.positives.includes(t) && t !== queries[i]!.query);
    assert.equal(allowed.length, 16, 'ranks 3..20 minus one positive and the query');
    assert.equal(m.negatives.length, 6);
    for (const [n, text] of m.negatives.entries()) {
      assert.ok(allowed.includes(text), `${text} comes from ranks 3..20`);
      assert.equal(m.ranks[n], ranking.indexOf(corpus.indexOf(text)) + 1, 'reported rank is the true rank');
    }
    assert.deepEqual([...m.ranks].sort((a, b) => a - b), m.ranks, 'kept in rank order');
  });
  // asking for more than the range holds returns all of it (no fill), exactly the allowed slice
  const all = await mineHardNegatives(queries, source, { rangeForSampling: [2, 20], negativeNumber: 50, fillRandom: false });
  all.forEach((m, i) => {
    const ranking = bruteRanking(queryEmbeddings.row(i), corpusEmbeddings);
    const allowed = ranking.slice(2, 20).map((j) => corpus[j]!).filter((t) => !queries[i]!.positives.includes(t) && t !== queries[i]!.query);
    assert.deepEqual(m.negatives, allowed);
  });
});

test('mining fills short ranges with random non-positive texts; exact duplicates of a positive are never negatives', async () => {
  const random = new Random(5);
  const corpusEmbeddings = randomMatrix(random, 30, 8);
  // the pool holds the positive's text twice (as a pool might); both copies are excluded by text
  const corpus = Array.from({ length: 30 }, (_, j) => (j === 7 || j === 19 ? 'the positive' : `doc ${j}`));
  const queryEmbeddings = new Matrix(Float32Array.from(corpusEmbeddings.row(7)), 1, 8);
  const [m] = await mineHardNegatives([{ query: 'q', positives: ['the positive'] }], { queryEmbeddings, corpusEmbeddings, corpus }, {
    rangeForSampling: '0-4',
    negativeNumber: 10,
  });
  assert.equal(m!.negatives.length, 10);
  assert.ok(!m!.negatives.includes('the positive'));
  assert.equal(new Set(m!.negatives).size, 10, 'no text twice');
  const fromRange = m!.ranks.filter((r) => r > 0);
  assert.ok(fromRange.length >= 2 && fromRange.every((r) => r <= 4));
  assert.equal(m!.ranks.filter((r) => r === 0).length, 10 - fromRange.length);

  assert.deepEqual(miningCorpus([{ query: 'q', positives: ['a', 'b'], negatives: ['b', 'c'] }, { query: 'r', positives: ['a'] }]), ['a', 'b', 'c']);
  assert.throws(() => parseSamplingRange('200-2'), (e: Error) => e instanceof EmbedlabError && /like "2-200"/.test(e.message));
  assert.deepEqual(parseSamplingRange('2-200'), [2, 200]);
});

test('candidate pool files: {"text"} per line; a bad line names file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-pool-'));
  writeFileSync(join(dir, 'pool.jsonl'), '{"text":"a"}\n\n{"text":"b"}\n');
  assert.deepEqual(readCandidatePool(join(dir, 'pool.jsonl')), ['a', 'b']);
  writeFileSync(join(dir, 'bad.jsonl'), '{"text":"a"}\n\n{"body":"b"}\n');
  assert.throws(() => readCandidatePool(join(dir, 'bad.jsonl')), /bad\.jsonl line 3: expected \{"text": "\.\.\."\}/);
});

test('mine-negatives CLI: FlagEmbedding input keeps its fields; st input gives st output; NeMo-layout embeddings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-mine-'));
  const model = createStaticModel(TOKENIZER, { dim: 16, seed: 1 });
  await model.save(join(dir, 'model'));
  model.dispose();
  const topics = ['revenue', 'audit', 'cash', 'debt', 'tax', 'lease', 'inventory', 'goodwill', 'dividend', 'pension'];
  const flag = topics.map((t, i) => ({
    query: `what about ${t}`,
    pos: [`${t} report section ${i}`],
    neg: [`old negative ${i}`],
    neg_scores: [0.1],
    prompt: 'Represent this: ',
  }));
  writeFileSync(join(dir, 'train.jsonl'), flag.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(dir, 'pool.jsonl'), topics.flatMap((t) => [`${t} filing note`, `${t} risk factor`, `${t} report section 0`]).map((text) => JSON.stringify({ text })).join('\n'));
  const args = (out: string) => [
    'mine-negatives', '--model', join(dir, 'model'), '--input', join(dir, 'train.jsonl'), '--output', out,
    '--range', '1-12', '--negative-number', '4', '--candidate-pool', join(dir, 'pool.jsonl'), '--seed', '7',
  ];
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await main([...args(join(dir, 'a.jsonl')), '--save-embeddings', join(dir, 'emb')]), 0);
    assert.equal(await main(args(join(dir, 'b.jsonl'))), 0);
  } finally {
    console.log = log;
  }
  const a = readFileSync(join(dir, 'a.jsonl'), 'utf8');
  assert.equal(a, readFileSync(join(dir, 'b.jsonl'), 'utf8'), 'same seed, same output');
  const pool = new Set(readCandidatePool(join(dir, 'pool.jsonl')));
  a.trim().split('\n').forEach((line, i) => {
    const r = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(r), ['query', 'pos', 'neg', 'prompt'], 'input layout kept, neg_scores dropped');
    assert.equal(r['prompt'], 'Represent this: ');
    const neg = r['neg'] as string[];
    assert.equal(neg.length, 4);
    for (const n of neg) {
      assert.ok(pool.has(n), 'negatives come from the candidate pool');
      assert.ok(!(r['pos'] as string[]).includes(n));
    }
    assert.deepEqual(r['pos'], flag[i]!.pos);
  });
  const q = readEmbeddings(join(dir, 'emb', 'queries.npy'));
  const d = readEmbeddings(join(dir, 'emb', 'docs.npy'));
  assert.equal(q.embeddings.rows, 10);
  assert.equal(d.embeddings.rows, pool.size);
  assert.deepEqual(q.ids, topics.map((_, i) => String(i)));

  // sentence-transformers input → anchor/positive/negative_1..n output, corpus from the data itself
  const st = topics.map((t, i) => ({ anchor: `q ${t}`, positive: `${t} passage ${i}`, id: `r${i}` }));
  writeFileSync(join(dir, 'st.jsonl'), st.map((r) => JSON.stringify(r)).join('\n'));
  console.log = () => {};
  try {
    const code = await main(['mine-negatives', '--model', join(dir, 'model'), '--input', join(dir, 'st.jsonl'), '--output', join(dir, 'st-out.jsonl'), '--negative-number', '3', '--range', '0-5']);
    assert.equal(code, 0);
  } finally {
    console.log = log;
  }
  const out = readFileSync(join(dir, 'st-out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  out.forEach((r, i) => {
    assert.deepEqual(Object.keys(r), ['anchor', 'positive', 'negative_1', 'negative_2', 'negative_3', 'id']);
    assert.equal(r['id'], `r${i}`);
    for (const k of ['negative_1', 'negative_2', 'negative_3']) {
      assert.notEqual(r[k], r['positive']);
      assert.ok(st.some((s) => s.positive === r[k]));
    }
  });
});
