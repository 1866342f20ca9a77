import { test } from 'node:test';
import { OUTPUT_MARKER } from '../src/util/outputs';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  addIds,
  buildIRSet,
  dedupeRows,
  fromDanfo,
  loadBeir,
  loadRecords,
  loadTable,
  parseCsv,
  parseJsonLines,
  parseJsonRecords,
  readCsv,
  readQrels,
  irSetToTrainingRows,
  irSetFromObjects,
  saveTrainTest,
  saveTrainingRows,
  setDanfoLoader,
  toDanfo,
  toTrainingRows,
  trainTestSplit,
  writeEmbeddings,
  type TrainingRow,
} from '../src/data';
import { EmbedlabError } from '../src/util/errors';
import { Matrix } from '../src/util/matrix';

const FINANCIAL = join(__dirname, '../../../shared/datasets/financial-qa-10k');
const CSV_PATH = join(FINANCIAL, 'Financial-QA-10k.csv');
const JSONL_PATH = join(FINANCIAL, 'financial-rag-embedding-dataset.jsonl');

const tmp = () => mkdtempSync(join(tmpdir(), 'embedlab-data-'));
const isUserError = (pattern: RegExp) => (e: unknown) => e instanceof EmbedlabError && pattern.test(e.message);

test('financial data: CSV and JSONL give the same 7,000 records and the same 6,998 rows; the 2 empty rows are reported', async () => {
  const csv = await loadRecords(CSV_PATH);
  const jsonl = await loadRecords(JSONL_PATH);
  assert.equal(csv.records.length, 7000);
  assert.equal(jsonl.records.length, 7000);
  assert.deepEqual(Object.keys(csv.records[0]!), ['question', 'answer', 'context', 'ticker', 'filing']);
  assert.deepEqual(Object.keys(jsonl.records[0]!), ['question', 'context']);

  const warnings: string[] = [];
  const fromCsv = toTrainingRows(csv.records, { source: 'Financial-QA-10k.csv', onWarning: (m) => warnings.push(m) });
  const fromJsonl = toTrainingRows(jsonl.records, { source: 'financial.jsonl', onWarning: (m) => warnings.push(m) });
  assert.equal(fromCsv.format, 'question-context');
  assert.equal(fromCsv.rows.length, 6998);
  assert.deepEqual(fromCsv.rows, fromJsonl.rows);
  // independent check: the records with an empty question or context
  const emptyRows = jsonl.records
    .map((r, i) => (String(r['question']).trim() === '' || String(r['context']).trim() === '' ? i + 1 : 0))
    .filter((i) => i > 0);
  assert.deepEqual(emptyRows, [1734, 2732]);
  assert.deepEqual(fromCsv.empty, [
    { row: 1734, fields: ['question'] },
    { row: 2732, fields: ['question', 'context'] },
  ]);
  assert.deepEqual(fromJsonl.empty, fromCsv.empty);
  // per file: the empty rows, and the pairs that repeat an earlier one
  const repeats = fromCsv.rows.length - new Set(fromCsv.rows.map((r) => JSON.stringify([r.anchor, r.positive]))).size;
  assert.equal(repeats, 9);
  assert.equal(warnings.length, 4);
  assert.match(warnings[0]!, /Financial-QA-10k\.csv: skipped 2 rows with empty or missing text: row 1734 \(question\), row 2732 \(question, context\)/);
  assert.match(warnings[1]!, new RegExp(`^Financial-QA-10k\\.csv: ${repeats} pairs repeat an earlier one \\(same anchor and positive; e\\.g\\. pair \\d+ repeats pair \\d+\\)`));
  assert.match(warnings[3]!, new RegExp(`^financial\\.jsonl: ${repeats} pairs repeat an earlier one`));

  assert.throws(
    () => toTrainingRows(jsonl.records, { source: 'financial.jsonl', onEmpty: 'error' }),
    isUserError(/financial\.jsonl: 2 rows with empty or missing text: row 1734/),
  );
});

test('financial IR set: 6,757 distinct contexts in all 7,000 rows, 6,755 after skipping the empty rows; relevance follows the merge', async () => {
  const { records } = await loadRecords(JSONL_PATH);
  const distinct = (rows: { context?: unknown }[]) => new Set(rows.map((r) => r.context)).size;
  const kept = toTrainingRows(records, { onEmpty: 'keep', onWarning: () => {} }).rows;
  assert.equal(kept.length, 7000);
  const skipped = toTrainingRows(records, { onWarning: () => {} }).rows;

  for (const [rows, expected] of [
    [kept, 6757],
    [skipped, 6755],
  ] as const) {
    const { train, test: testRows } = trainTestSplit(addIds(rows), { testSize: 0.1, seed: 42 });
    assert.equal(testRows.length, Math.ceil(rows.length * 0.1));
    const irSet = buildIRSet(train, testRows);
    assert.equal(irSet.corpus.size, expected);
    assert.equal(new Set(rows.map((r) => r.positive)).size, expected);
    assert.equal(irSet.queries.size, testRows.length);
    // every query's relevant document has exactly its positive's text
    for (const row of testRows) {
      const [doc] = irSet.relevantDocs.get(row.id!)!;
      assert.equal(irSet.corpus.get(doc!), row.positive);
    }
  }
  assert.equal(distinct(records as { context?: unknown }[]), 6757);
  // 9 question/context pairs repeat exactly; de-duplication drops them and keeps the first of each
  const { rows: unique, dropped } = dedupeRows(skipped);
  assert.equal(unique.length, 6989);
  const pairKey = (r: TrainingRow) => `${r.anchor}\u0000${r.positive}`;
  for (const i of dropped) assert.ok(skipped.slice(0, i).some((r) => pairKey(r) === pairKey(skipped[i]!)));
});

test('buildIRSet: identical texts merged to the first id; without merging every row is a document', () => {
  const rows: TrainingRow[] = [
    { anchor: 'a0', positive: 'same', negatives: [], id: '10' },
    { anchor: 'a1', positive: 'other', negatives: [], id: '11' },
    { anchor: 'a2', positive: 'same', negatives: [], id: '12' },
  ];
  const irSet = buildIRSet(rows.slice(0, 2), rows.slice(2));
  assert.deepEqual([...irSet.corpus.keys()], ['10', '11']);
  assert.deepEqual([...irSet.relevantDocs.get('12')!], ['10']);
  assert.deepEqual([...irSet.queries], [['12', 'a2']]);
  const unmerged = buildIRSet(rows.slice(0, 2), rows.slice(2), { mergeDuplicates: false });
  assert.equal(unmerged.corpus.size, 3);
  assert.deepEqual([...unmerged.relevantDocs.get('12')!], ['12']);
  assert.throws(() => buildIRSet(rows, [{ ...rows[0]! }]), isUserError(/repeats id "10"/));
  const fromObjects = irSetFromObjects({ queries: { '12': 'a2' }, corpus: { '10': 'same', '11': 'other' }, relevantDocs: { '12': ['10'] } });
  assert.deepEqual(fromObjects, irSet);
});

test('JSON Lines: a malformed line is an error naming the file and line', async () => {
  const dir = tmp();
  const path = join(dir, 'bad.jsonl');
  writeFileSync(path, '{"anchor":"a","positive":"b"}\n\n{"anchor":"c","positive":"d"}\n{"anchor": "e", positive: "f"}\n');
  assert.throws(() => parseJsonLines(readFileSync(path, 'utf8'), path), isUserError(new RegExp(`bad\\.jsonl line 4: not valid JSON`)));
  assert.throws(() => parseJsonLines('{"a":1}\n[1,2]\n', 'x.jsonl'), isUserError(/x\.jsonl line 2: expected a JSON object/));
  await assert.rejects(loadRecords(join(dir, 'missing.jsonl')), isUserError(/data file .*missing\.jsonl does not exist/));
  return assert.rejects(loadRecords(path), isUserError(/bad\.jsonl line 4/));
});

test('JSON: array of records, object of columns, and JSON Lines under a .json name', () => {
  const expected = [
    { q: 'a', d: 'x' },
    { q: 'b', d: 'y' },
  ];
  assert.deepEqual(parseJsonRecords('[{"q":"a","d":"x"},{"q":"b","d":"y"}]', 'a.json'), expected);
  assert.deepEqual(parseJsonRecords('{"q":["a","b"],"d":["x","y"]}', 'c.json'), expected);
  assert.deepEqual(parseJsonRecords('{"q":"a","d":"x"}\n{"q":"b","d":"y"}\n', 'l.json'), expected);
  assert.throws(() => parseJsonRecords('{"q":["a","b"],"d":["x"]}', 'c.json'), isUserError(/column "d" has 1 values but "q" has 2/));
});

test('CSV: quoting, embedded newlines, doubled quotes, BOM and CRLF; a missing column is a clear error', () => {
  const text = '\uFEFFquestion,context,score\r\n"What, exactly?","Line one\r\nline two",0.5\r\n"He said ""hi""",plain,1\r\n';
  const rows = parseCsv(text, { source: 'q.csv' });
  assert.deepEqual(rows, [
    { question: 'What, exactly?', context: 'Line one\r\nline two', score: '0.5' },
    { question: 'He said "hi"', context: 'plain', score: '1' },
  ]);
  assert.throws(
    () => parseCsv(text, { source: 'q.csv', requiredColumns: ['question', 'answer'] }),
    isUserError(/q\.csv: missing column "answer"; columns found: question, context, score/),
  );
  assert.throws(() => parseCsv('a,b\n"open,1\n', { source: 'broken.csv' }), isUserError(/broken\.csv line \d+: cannot parse CSV/));
  assert.throws(
    () => toTrainingRows(rows, { source: 'q.csv', columns: { anchor: 'question', positive: 'passage' } }),
    isUserError(/q\.csv: column "passage" from the column mapping is not in the data; columns found: question, context, score/),
  );
  const dir = tmp();
  writeFileSync(join(dir, 'x.tsv'), 'anchor\tpositive\nq\tp\n');
  assert.deepEqual(readCsv(join(dir, 'x.tsv'), { delimiter: '\t' }), [{ anchor: 'q', positive: 'p' }]);
});

test('Parquet files load through hyparquet, also from a folder chosen by split', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'data'));
  const write = (name: string, questions: string[]) =>
    writeFileSync(
      join(dir, 'data', name),
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'question', data: questions },
            { name: 'context', data: questions.map((q) => `ctx ${q}`) },
            { name: 'n', data: questions.map((_, i) => i) },
          ],
        }),
      ),
    );
  write('train-00000-of-00001.parquet', ['a', 'b', 'c']);
  write('test-00000-of-00001.parquet', ['z']);
  const train = await loadRecords(dir);
  assert.deepEqual(train.records, [
    { question: 'a', context: 'ctx a', n: 0 },
    { question: 'b', context: 'ctx b', n: 1 },
    { question: 'c', context: 'ctx c', n: 2 },
  ]);
  const testSplit = await loadRecords(dir, { split: 'test' });
  assert.deepEqual(testSplit.records.map((r) => r['question']), ['z']);
  await assert.rejects(loadRecords(dir, { split: 'validation' }), isUserError(/no "validation" split/));
  const table = await loadTable(dir);
  assert.deepEqual(table.columnNames(), ['question', 'context', 'n']);
  assert.deepEqual(table.array('context'), ['ctx a', 'ctx b', 'ctx c']);
});

test('writeEmbeddings refuses an id count or an id that the .ids file cannot hold, naming the file', async () => {
  const dir = tmp();
  const two = Matrix.fromRows([[1, 0], [0, 1]]);
  await assert.rejects(writeEmbeddings(join(dir, 'q'), ['a'], two), isUserError(/q\.npy: 1 ids for 2 embedding rows/));
  await assert.rejects(writeEmbeddings(join(dir, 'q'), ['a', 'b\nc'], two), isUserError(/q\.ids row 2: id "b\\nc" contains a line break/));
  assert.deepEqual(readdirSync(dir), []);
});

test('a split name is matched as a literal word of a path part', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'train.v2-0.jsonl'), '{"n":1}\n');
  writeFileSync(join(dir, 'trainxv2-0.jsonl'), '{"n":2}\n');
  writeFileSync(join(dir, 'pretrain.jsonl'), '{"n":3}\n');
  assert.deepEqual((await loadRecords(dir, { split: 'train.v2' })).records, [{ n: 1 }]);
  assert.deepEqual((await loadRecords(dir, { split: 'train' })).records, [{ n: 1 }]);
  await assert.rejects(loadRecords(dir, { split: 'tr(' }), isUserError(/no "tr\(" split/));
});

test('a Hugging Face dataset id resolves through the hub cache (offline)', async () => {
  const cacheDir = tmp();
  const repo = join(cacheDir, 'datasets--philschmid--finanical-rag-embedding-dataset');
  const commit = 'a'.repeat(40);
  mkdirSync(join(repo, 'refs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', commit), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), commit);
  writeFileSync(join(repo, 'snapshots', commit, 'train.jsonl'), '{"question":"q1","context":"c1"}\n{"question":"q2","context":"c2"}\n');
  const { records, files } = await loadRecords('philschmid/finanical-rag-embedding-dataset', { hub: { cacheDir, offline: true } });
  assert.equal(records.length, 2);
  assert.match(files[0]!, /snapshots\/a{40}\/train\.jsonl$/);
  assert.deepEqual(toTrainingRows(records).rows[1], { anchor: 'q2', positive: 'c2', negatives: [] });
});

test('formats: sentence-transformers, NeMo, FlagEmbedding, scored pairs, explicit mapping', () => {
  const st = toTrainingRows([{ anchor: 'a', positive: 'p', negative_10: 'n10', negative_2: 'n2', negative_1: 'n1', id: 7 }]);
  assert.equal(st.format, 'sentence-transformers');
  assert.deepEqual(st.rows, [{ anchor: 'a', positive: 'p', negatives: ['n1', 'n2', 'n10'], id: '7' }]);
  assert.deepEqual(toTrainingRows([{ anchor: 'a', positive: 'p', negative: 'n' }]).rows[0]!.negatives, ['n']);

  const nemo = toTrainingRows([
    { question: 'q', pos_doc: 'p', neg_doc: ['n1', 'n2'] },
    { query: 'q2', pos_doc: ['p2'], neg_doc: 'n3', query_id: 'q103151', doc_id: 'd14755' },
  ].slice(0, 1));
  assert.equal(nemo.format, 'nemo');
  assert.deepEqual(nemo.rows, [{ anchor: 'q', positive: 'p', negatives: ['n1', 'n2'] }]);
  const gpt = toTrainingRows([{ query: 'q2', pos_doc: 'p2', neg_doc: 'n3', query_id: 'q103151', doc_id: 'd14755' }]);
  assert.deepEqual(gpt.rows, [{ anchor: 'q2', positive: 'p2', negatives: ['n3'], id: 'q103151' }]);

  const flag = toTrainingRows([
    { query: 'q', pos: ['p1', 'p2'], neg: ['n1', 'n2'], pos_scores: [0.9, 0.8], neg_scores: [0.1, 0.2], prompt: 'Represent: ', type: 'normal' },
  ]);
  assert.equal(flag.format, 'flag-embedding');
  assert.deepEqual(flag.rows, [
    { anchor: 'Represent: q', positive: 'p1', negatives: ['n1', 'n2'], teacherScores: [0.9, 0.1, 0.2] },
    { anchor: 'Represent: q', positive: 'p2', negatives: ['n1', 'n2'], teacherScores: [0.8, 0.1, 0.2] },
  ]);
  const first = toTrainingRows([{ query: 'q', pos: ['p1', 'p2'], neg: [] }], { multiplePositives: 'first' });
  assert.deepEqual(first.rows, [{ anchor: 'q', positive: 'p1', negatives: [] }]);

  const pairs = toTrainingRows(parseCsv('sentence1,sentence2,score\na,b,0.25\n', { source: 's.csv' }));
  assert.equal(pairs.format, 'scored-pairs');
  assert.deepEqual(pairs.rows, [{ anchor: 'a', positive: 'b', negatives: [], score: 0.25 }]);
  assert.throws(
    () => toTrainingRows([{ sentence1: 'a', sentence2: 'b', label: 'high' }], { source: 'p.json' }),
    isUserError(/p\.json row 1, field "label": expected a number, got "high"/),
  );

  const mapped = toTrainingRows([{ title: 't', body: 'b', hard: ['h1', 'h2'] }], {
    columns: { anchor: 'title', positive: 'body', negatives: 'hard' },
  });
  assert.deepEqual(mapped.rows, [{ anchor: 't', positive: 'b', negatives: ['h1', 'h2'] }]);
  const columnsOfNegatives = toTrainingRows([{ title: 't', body: 'b', n1: 'x', n2: 'y' }], {
    columns: { anchor: 'title', positive: 'body', negatives: ['n2', 'n1'] },
  });
  assert.deepEqual(columnsOfNegatives.rows, [{ anchor: 't', positive: 'b', negatives: ['y', 'x'] }]);
  assert.throws(
    () => toTrainingRows([{ title: 't', body: 'b', n1: 'x' }], { source: 'm.jsonl', columns: { anchor: 'title', positive: 'body', negatives: ['n1', 'n3'] } }),
    isUserError(/m\.jsonl: column "n3" from the column mapping is not in the data/),
  );
});

test('unknown shape: the error lists the columns found and the accepted ones; empty list items are reported', () => {
  assert.throws(
    () => toTrainingRows([{ title: 't', body: 'b' }], { source: 'odd.jsonl' }),
    isUserError(/odd\.jsonl: cannot tell the dataset format.*Columns found: title, body\. Accepted: query \+ pos.*anchor \+ positive/),
  );
  assert.throws(() => toTrainingRows([{ _id: '1', text: 'x' }]), isUserError(/BEIR corpus or queries file: use loadBeir/));
  const warnings: string[] = [];
  const result = toTrainingRows(
    [
      { query: 'q', pos: [], neg: ['n'] },
      { query: 'q', pos: ['p'], neg: ['n', ' '] },
      { query: 'q', pos: ['p'], neg: ['n'] },
    ],
    { onWarning: (m) => warnings.push(m) },
  );
  assert.deepEqual(result.empty, [
    { row: 1, fields: ['pos'] },
    { row: 2, fields: ['neg[1]'] },
  ]);
  assert.equal(result.rows.length, 1);
  assert.match(warnings[0]!, /skipped 2 rows with empty or missing text: row 1 \(pos\), row 2 \(neg\[1\]\)/);
});

test('trainTestSplit: seeded, disjoint, complete; dedupeRows keeps the first of each', () => {
  const rows = Array.from({ length: 95 }, (_, i) => i);
  const a = trainTestSplit(rows, { testSize: 0.1, seed: 3 });
  const b = trainTestSplit(rows, { testSize: 0.1, seed: 3 });
  const c = trainTestSplit(rows, { testSize: 0.1, seed: 4 });
  assert.equal(a.test.length, 10);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.deepEqual([...a.train, ...a.test].sort((x, y) => x - y), rows);
  assert.deepEqual(trainTestSplit(rows, { testSize: 5, shuffle: false }).test, [90, 91, 92, 93, 94]);
  assert.throws(() => trainTestSplit(rows, { testSize: 1.5 }), isUserError(/testSize must be/));

  const r = (anchor: string, positive: string): TrainingRow => ({ anchor, positive, negatives: [] });
  const { rows: unique, dropped } = dedupeRows([r('a', 'x'), r('b', 'x'), r('a', 'x'), r('a', 'y')]);
  assert.deepEqual(unique, [r('a', 'x'), r('b', 'x'), r('a', 'y')]);
  assert.deepEqual(dropped, [2]);
  assert.deepEqual(dedupeRows([r('a', 'x'), r('b', 'x')], { by: 'positive' }).dropped, [1]);
});

test('saving train/test like the reference workflow: atomic JSON Lines that load back to the same rows', async () => {
  const dir = tmp();
  const rows: TrainingRow[] = [
    { anchor: 'q1', positive: 'p1', negatives: ['n1', 'n2'], id: '0' },
    { anchor: 'q2', positive: 'p2 "quoted"\nline', negatives: ['n3', 'n4'], id: '1' },
    { anchor: 'q3', positive: 'p3', negatives: ['n5', 'n6'], id: '2' },
  ];
  const paths = await saveTrainTest(dir, { train: rows.slice(0, 2), test: rows.slice(2) });
  assert.deepEqual(readdirSync(dir).filter((n) => n !== OUTPUT_MARKER).sort(), ['test_dataset.json', 'train_dataset.json'], 'no temp files left');
  const firstLine = readFileSync(paths.train, 'utf8').split('\n')[0];
  assert.equal(firstLine, '{"anchor":"q1","positive":"p1","negative_1":"n1","negative_2":"n2","id":"0"}');
  const back = toTrainingRows((await loadRecords(paths.train)).records).rows;
  assert.deepEqual(back, rows.slice(0, 2));
  const asArray = join(dir, 'flag.json');
  await saveTrainingRows(asArray, [{ ...rows[0]!, teacherScores: [0.9, 0.2, 0.1] }], { format: 'json', layout: 'flag-embedding' });
  assert.deepEqual(toTrainingRows((await loadRecords(asArray)).records).rows, [{ ...rows[0]!, teacherScores: [0.9, 0.2, 0.1] }]);
});

test('BEIR: corpus/queries/qrels into an IR set; unknown ids in qrels are counted and reported', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'qrels'));
  writeFileSync(join(dir, 'corpus.jsonl'), '{"_id":"d1","title":"T1","text":"text one"}\n{"_id":"d2","title":"","text":"text two"}\n');
  writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"first?"}\n{"_id":"q2","text":"second?"}\n');
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td9\t1\nq2\td2\t2\nq2\td1\t0\nq7\td1\t1\n');
  const warnings: string[] = [];
  const { irSet, report } = await loadBeir(dir, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual([...irSet.corpus], [
    ['d1', 'T1 text one'],
    ['d2', 'text two'],
  ]);
  assert.deepEqual([...irSet.relevantDocs.get('q1')!], ['d1', 'd9']);
  assert.deepEqual([...irSet.relevantDocs.get('q2')!], ['d2']);
  assert.equal(irSet.relevantDocs.has('q7'), false);
  assert.deepEqual(report, { unknownQueries: 1, unknownDocuments: 1, nonPositive: 1, examples: ['document "d9"', 'query "q7"'] });
  assert.match(warnings[0]!, /1 judgement\(s\) name queries not in the queries file.*1 name documents not in the corpus/);
  assert.deepEqual(irSetToTrainingRows(irSet), [
    { anchor: 'first?', positive: 'T1 text one', negatives: [], id: 'q1' },
    { anchor: 'second?', positive: 'text two', negatives: [], id: 'q2' },
  ]);
  const json = join(dir, 'qrels.json');
  writeFileSync(json, JSON.stringify({ q1: { d1: 1 }, q2: ['d2', 'd1'] }));
  assert.deepEqual([...readQrels(json).get('q2')!.keys()], ['d2', 'd1']);
  writeFileSync(join(dir, 'broken.json'), '{"q1": {"d1": 1},}');
  assert.throws(() => readQrels(join(dir, 'broken.json')), isUserError(/broken\.json is not valid JSON/));
  writeFileSync(join(dir, 'bad.tsv'), 'q1\td1\tyes\n');
  assert.throws(() => readQrels(join(dir, 'bad.tsv')), isUserError(/bad\.tsv line 1: relevance score "yes" is not a number/));
});

test('danfo interop: a clear error without danfojs-node; column-wise conversion both ways', async () => {
  const table = await loadTable(JSONL_PATH);
  assert.throws(() => toDanfo(table), isUserError(/needs the optional package "danfojs-node": npm install danfojs-node/));
  // a stand-in with danfo's DataFrame surface checks the conversion itself
  class FakeFrame {
    constructor(readonly data: Record<string, unknown[]>) {}
    get columns() {
      return Object.keys(this.data);
    }
    column(name: string) {
      return { values: this.data[name]! };
    }
  }
  setDanfoLoader(() => ({ DataFrame: FakeFrame }));
  try {
    const small = table.slice(0, 3);
    const frame = toDanfo(small) as unknown as FakeFrame;
    assert.deepEqual(frame.columns, ['question', 'context']);
    const back = fromDanfo(frame);
    assert.deepEqual(back.objects(), small.objects());
  } finally {
    setDanfoLoader();
  }
  assert.throws(() => fromDanfo({} as never), isUserError(/danfojs-node/));
});
