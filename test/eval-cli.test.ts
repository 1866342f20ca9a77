import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main';
import { readEmbeddings, writeEmbeddings } from '../src/data';
import type { IRSet } from '../src/data/types';
import { evaluateEmbeddings } from '../src/eval';
import { createStaticModel } from '../src/models';
import { Matrix } from '../src/util/matrix';
import { readGoldenCase } from './goldenIrCase';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');

/** Runs the CLI, capturing stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Golden case_a written as BEIR files plus NeMo-layout embeddings. */
async function caseAFiles(extraQrels = '') {
  const golden = readGoldenCase('case_a.json');
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-eval-cli-'));
  await writeEmbeddings(join(dir, 'queries'), golden.query_ids, Matrix.fromRows(golden.query_embeddings));
  await writeEmbeddings(join(dir, 'corpus.npy'), golden.doc_ids, Matrix.fromRows(golden.doc_embeddings));
  writeFileSync(join(dir, 'queries.jsonl'), golden.query_ids.map((id) => JSON.stringify({ _id: id, text: `query::${id}` })).join('\n') + '\n');
  writeFileSync(join(dir, 'corpus.jsonl'), golden.doc_ids.map((id) => JSON.stringify({ _id: id, title: '', text: `doc::${id}` })).join('\n') + '\n');
  const qrels = Object.entries(golden.relevant_docs).flatMap(([q, docs]) => docs.map((d) => `${q}\t${d}\t1`));
  writeFileSync(join(dir, 'qrels.tsv'), ['query-id\tcorpus-id\tscore', ...qrels].join('\n') + '\n' + extraQrels);
  return { golden, dir };
}

test('evaluate CLI from precomputed .npy + .ids equals the golden metrics and writes them atomically', async () => {
  const { golden, dir } = await caseAFiles();
  const output = join(dir, 'out', 'metrics.json');
  const { code, out } = await cli([
    'evaluate',
    '--query-embeddings', join(dir, 'queries.npy'),
    '--corpus-embeddings', join(dir, 'corpus.npy'),
    '--queries', join(dir, 'queries.jsonl'),
    '--corpus', join(dir, 'corpus.jsonl'),
    '--qrels', join(dir, 'qrels.tsv'),
    '--dims', '64,32,16,8',
    '--output', output,
  ]);
  assert.equal(code, 0);
  const metrics = JSON.parse(readFileSync(output, 'utf8')) as Record<string, number>;
  const expected = Object.assign({}, ...golden.runs.map((r) => r.metrics)) as Record<string, number>;
  assert.deepEqual(Object.keys(metrics), Object.keys(expected));
  for (const [key, value] of Object.entries(expected)) assert.ok(Math.abs(metrics[key]! - value) <= 1e-12, key);
  assert.deepEqual(readdirSync(join(dir, 'out')), ['metrics.json']);
  assert.match(out, /40 queries × 300 documents, cosine/);
  assert.match(out, /^\s+64\s+0\.9500/m);
});

test('evaluate CLI: qrels naming unknown ids are counted and reported; unknown documents still count in |R|', async () => {
  const { dir } = await caseAFiles('q0\tnot-a-doc\t1\nq999\t5\t1\nq998\t6\t1\n');
  const output = join(dir, 'metrics.json');
  const { code, err } = await cli([
    'evaluate',
    '--query-embeddings', join(dir, 'queries.npy'),
    '--corpus-embeddings', join(dir, 'corpus.npy'),
    '--qrels', join(dir, 'qrels.tsv'),
    '--output', output,
  ]);
  assert.equal(code, 0);
  assert.match(err, /2 judgement\(s\) name queries not in the queries file \(dropped\), 1 name documents not in the corpus/);
  const metrics = JSON.parse(readFileSync(output, 'utf8')) as Record<string, number>;
  // q0 now has |R| = 2 with one unreachable document: its recall@10 is 1/2
  const { ids, embeddings } = readEmbeddings(join(dir, 'queries.npy'));
  const corpus = readEmbeddings(join(dir, 'corpus.npy'));
  const irSet: IRSet = {
    queries: new Map(ids.map((id) => [id, ''])),
    corpus: new Map(corpus.ids.map((id) => [id, ''])),
    relevantDocs: new Map(ids.map((id) => [id, new Set([id.slice(1)])])),
  };
  irSet.relevantDocs.get('q0')!.add('not-a-doc');
  const expected = await evaluateEmbeddings(embeddings, corpus.embeddings, irSet);
  assert.deepEqual(metrics, expected.metrics);
  assert.ok(metrics['cosine_recall@10']! < 1);
});

function npyWith(descr: string, shape: string, bytes: number): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header = header.padEnd(128 - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(128 + bytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  return out;
}

test('evaluate CLI: wrong dtype, wrong shape, ids count mismatch and missing ids files are clear errors', async () => {
  const { dir } = await caseAFiles();
  const base = ['evaluate', '--corpus-embeddings', join(dir, 'corpus.npy'), '--qrels', join(dir, 'qrels.tsv')];
  const run = (q: string) => cli([...base, '--query-embeddings', q]);

  writeFileSync(join(dir, 'int.npy'), npyWith('<i4', '(40, 64)', 40 * 64 * 4));
  writeFileSync(join(dir, 'int.ids'), readFileSync(join(dir, 'queries.ids')));
  let r = await run(join(dir, 'int.npy'));
  assert.equal(r.code, 2);
  assert.match(r.err, /int\.npy: .*dtype <i4 is not supported; expected float32/);

  writeFileSync(join(dir, 'flat.npy'), npyWith('<f4', '(2560,)', 2560 * 4));
  writeFileSync(join(dir, 'flat.ids'), 'a\n');
  r = await run(join(dir, 'flat.npy'));
  assert.equal(r.code, 2);
  assert.match(r.err, /flat\.npy: .*not a 2-D matrix shape/);

  await writeEmbeddings(join(dir, 'short'), ['q0', 'q1'], Matrix.fromRows([[1, 0], [0, 1]]));
  writeFileSync(join(dir, 'short.ids'), 'q0\nq1\nq2\n');
  r = await run(join(dir, 'short.npy'));
  assert.equal(r.code, 2);
  assert.match(r.err, /short\.ids has 3 ids but .*short\.npy has 2 rows/);

  await writeEmbeddings(join(dir, 'narrow'), ['q0', 'q1'], Matrix.fromRows([[1, 0], [0, 1]]));
  r = await run(join(dir, 'narrow.npy'));
  assert.match(r.err, /narrow\.npy has width 2 but .*corpus\.npy has width 64/);

  writeFileSync(join(dir, 'lonely.npy'), readFileSync(join(dir, 'narrow.npy')));
  r = await run(join(dir, 'lonely.npy'));
  assert.match(r.err, /lonely\.npy has no ids file beside it: expected .*lonely\.ids/);

  r = await cli([...base, '--query-embeddings', join(dir, 'queries.npy'), '--queries', join(dir, 'corpus.jsonl')]);
  assert.match(r.err, /40 id\(s\) of .*queries\.npy are not in .*corpus\.jsonl/);

  r = await cli([...base, '--query-embeddings', join(dir, 'queries.npy'), '--dims', '64,abc']);
  assert.match(r.err, /--dims: "abc" is not a positive integer/);
});

test('evaluate CLI with --model encodes queries and corpus and matches evaluating its embeddings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-eval-model-'));
  const model = createStaticModel(TOKENIZER, { dim: 16, seed: 5 });
  const modelDir = join(dir, 'model');
  await model.save(modelDir);
  const queries = ['what is revenue', 'who audits the company', 'cash flow from operations'];
  const docs = ['revenue is income from sales', 'the auditor is an accounting firm', 'operating cash flow', 'unrelated text about weather'];
  writeFileSync(join(dir, 'queries.jsonl'), queries.map((t, i) => JSON.stringify({ _id: `q${i}`, text: t })).join('\n'));
  writeFileSync(join(dir, 'corpus.jsonl'), docs.map((t, i) => JSON.stringify({ _id: `d${i}`, text: t })).join('\n'));
  writeFileSync(join(dir, 'qrels.json'), JSON.stringify({ q0: ['d0'], q1: { d1: 1, d3: 0 }, q2: ['d2'] }));
  const output = join(dir, 'metrics.json');
  const { code } = await cli([
    'evaluate', '--model', modelDir,
    '--queries', join(dir, 'queries.jsonl'), '--corpus', join(dir, 'corpus.jsonl'), '--qrels', join(dir, 'qrels.json'),
    '--dims', '16,8', '--output', output,
  ]);
  assert.equal(code, 0);
  const irSet: IRSet = {
    queries: new Map(queries.map((t, i) => [`q${i}`, t])),
    corpus: new Map(docs.map((t, i) => [`d${i}`, t])),
    relevantDocs: new Map([['q0', new Set(['d0'])], ['q1', new Set(['d1'])], ['q2', new Set(['d2'])]]),
  };
  const expected = await evaluateEmbeddings(await model.encode(queries), await model.encode(docs), irSet, { dims: [16, 8] });
  model.dispose();
  assert.deepEqual(JSON.parse(readFileSync(output, 'utf8')), expected.metrics);
});
