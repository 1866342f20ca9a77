import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as embedlab from '../src/index';
import * as advanced from '../src/advanced';
import { REPO_ROOT } from './notebooksHarness';

// Every way a user can get an input wrong must surface as an EmbedlabError: the
// CLI and the notebook widgets print its message alone, anything else as a
// stack trace. Each case below is input a user can write, through the public
// entry points (tfjs kernels excepted: they fail inside tfjs).

const MODEL_DIR = join(REPO_ROOT, '..', 'shared', 'models', 'all-MiniLM-L6-v2-config-and-tokenizer');
const dir = mkdtempSync(join(tmpdir(), 'embedlab-errors-'));
const file = (name: string, text: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rows = (n: number): embedlab.TrainingRow[] =>
  Array.from({ length: n }, (_, i) => ({ anchor: `question ${i}`, positive: `passage ${i}`, negatives: [] }));
const staticModel = () => embedlab.createStaticModel(embedlab.BUILTIN_TOKENIZER, { dim: 16, seed: 1 });
const irSet = () => embedlab.buildIRSet(rows(6), rows(6).slice(0, 2));

const cases: [string, () => unknown][] = [
  // data
  ['loadRecords: a missing file', () => embedlab.loadRecords(join(dir, 'missing.jsonl'))],
  ['loadRecords: a malformed JSON Lines file', () => embedlab.loadRecords(file('bad.jsonl', '{"anchor": "a"\n'))],
  ['loadRecords: an unknown format', () => embedlab.loadRecords(file('data.xyz', 'a,b\n'))],
  ['readDataFile: a CSV without a required column', () => advanced.readDataFile(file('x.csv', 'a,b\n1,2\n'), { requiredColumns: ['anchor'] })],
  ['toTrainingRows: undetectable columns', () => embedlab.toTrainingRows([{ foo: 'a', bar: 'b' }])],
  ['toTrainingRows: a mapping to a missing column', () => embedlab.toTrainingRows([{ q: 'a', c: 'b' }], { columns: { anchor: 'q', positive: 'nope' } })],
  ['toTrainingRows: empty text with onEmpty error', () => embedlab.toTrainingRows([{ anchor: '', positive: 'b' }], { onEmpty: 'error' })],
  ['trainTestSplit: a test size of 0', () => embedlab.trainTestSplit(rows(10), { testSize: 0 })],
  ['trainTestSplit: a test size larger than the data', () => embedlab.trainTestSplit(rows(10), { testSize: 20 })],
  ['readQrels: a missing file', () => embedlab.readQrels(join(dir, 'missing.tsv'))],
  ['readQrels: a malformed line', () => embedlab.readQrels(file('qrels.tsv', 'query-id\tcorpus-id\tscore\nq1\n'))],
  ['readNpy: not an .npy file', () => embedlab.readNpy(file('bad.npy', 'not numpy'))],
  ['readEmbeddings: a missing file', () => embedlab.readEmbeddings(join(dir, 'missing.npy'))],
  ['Matrix: data of the wrong length', () => new embedlab.Matrix(new Float32Array(5), 2, 3)],
  ['Matrix.fromRows: ragged rows', () => embedlab.Matrix.fromRows([[1, 2], [3]])],
  ['Matrix.truncate: a dim out of range', () => embedlab.Matrix.fromRows([[1, 2]]).truncate(3)],
  // hub, tokenizer, models
  ['resolveModel: a malformed repo id', () => embedlab.resolveModel('not a/valid/id', { offline: true })],
  ['resolveModel: offline and not cached', () => embedlab.resolveModel('org/never-downloaded', { offline: true, cacheDir: dir })],
  ['loadTokenizer: a folder without tokenizer files', () => embedlab.loadTokenizer(dir)],
  ['loadTokenizer: a maxLength with no room for special tokens', () => embedlab.loadTokenizer(MODEL_DIR, { maxLength: 1 })],
  ['loadModel: a missing folder', () => embedlab.loadModel(join(dir, 'no-model'), { offline: true })],
  ['createStaticModel: a missing tokenizer folder', () => embedlab.createStaticModel(join(dir, 'nothing'), { dim: 8, seed: 1 })],
  ['readSafetensors: not a safetensors file', () => advanced.readSafetensors(file('bad.safetensors', 'garbage!garbage!'))],
  ['writeSafetensors: data that does not match the shape', () =>
    advanced.writeSafetensors(join(dir, 'w.safetensors'), new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]))],
  ['encode: truncateDim larger than the model', async () => {
    const model = staticModel();
    try {
      return await model.encode(['a text'], { truncateDim: 64 });
    } finally {
      model.dispose();
    }
  }],
  // losses
  ['mnrl: a non-finite scale', () => embedlab.mnrl({ scale: Number.NaN })],
  ['cachedMnrl: a mini-batch of 0', () => embedlab.cachedMnrl({ miniBatchSize: 0 })],
  ['matryoshka: no dims', () => embedlab.matryoshka(embedlab.mnrl(), { dims: [] })],
  ['matryoshka: a weight per dim missing', () => embedlab.matryoshka(embedlab.mnrl(), { dims: [8, 4], weights: [1] })],
  ['distillKL: a temperature of 0', () => embedlab.distillKL({ temperature: 0 })],
  // training
  ['finetune: a negative learning rate', () => embedlab.finetune(staticModel(), rows(8), { lr: -1 })],
  ['finetune: a batch larger than the data', () => embedlab.finetune(staticModel(), rows(4), { batchSize: 8 })],
  ['finetune: an unknown scheduler', () => embedlab.finetune(staticModel(), rows(8), { scheduler: 'triangle' as embedlab.SchedulerName })],
  ['finetune: rows without a positive', () => embedlab.finetune(staticModel(), [{ anchor: 'a', positive: '', negatives: [] }, ...rows(3)])],
  ['finetune: an unknown metricForBestModel', () =>
    embedlab.finetune(staticModel(), rows(8), { evaluator: new embedlab.InformationRetrievalEvaluator(irSet()), metricForBestModel: 'ndcg@11' })],
  ['finetune: resume without a checkpoint', () => embedlab.finetune(staticModel(), rows(8), { outputDir: join(dir, 'empty-run'), resume: true })],
  ['readTrainerState: not a checkpoint', () => advanced.readTrainerState(dir)],
  ['AdamW: a beta of 1', () => new advanced.AdamW(new Map(), { beta1: 1 })],
  // evaluation and mining
  ['InformationRetrievalEvaluator: a dim of 0', () => new embedlab.InformationRetrievalEvaluator(irSet(), { dims: [0] })],
  ['InformationRetrievalEvaluator: a dim wider than the model', async () => {
    const model = staticModel();
    try {
      return await new embedlab.InformationRetrievalEvaluator(irSet(), { dims: [64] }).evaluate(model);
    } finally {
      model.dispose();
    }
  }],
  ['evaluateEmbeddings: fewer query rows than queries', () =>
    embedlab.evaluateEmbeddings(embedlab.Matrix.fromRows([[1, 0]]), embedlab.Matrix.fromRows([[1, 0]]), irSet())],
  ['computeRankingMetrics: rankings and relevant sets of different lengths', () => advanced.computeRankingMetrics([['a']], [], advanced.resolveMetricConfig())],
  ['parseSamplingRange: not a range', () => advanced.parseSamplingRange('ten-twenty')],
  ['readCandidatePool: a missing file', () => embedlab.readCandidatePool(join(dir, 'missing.jsonl'))],
  ['mineHardNegatives: an empty corpus', async () => {
    const model = staticModel();
    try {
      return await embedlab.mineHardNegatives([{ query: 'q', positives: [] }], { model });
    } finally {
      model.dispose();
    }
  }],
  // widgets and workflow
  ['comparisonTable: metrics without the asked metric', () => embedlab.comparisonTable({ 'dim_8_cosine_mrr@10': 0.5 }, { 'dim_8_cosine_mrr@10': 0.6 })],
  ['sweepChart: no runs', () => embedlab.sweepChart([])],
  ['runMatryoshkaComparison: no output folder', () => embedlab.runMatryoshkaComparison({})],
  ['initBackend: an unknown backend', () => embedlab.initBackend('tpu' as embedlab.BackendChoice)],
];

for (const [name, run] of cases) {
  test(`errors: ${name} → EmbedlabError`, async () => {
    let thrown: unknown;
    try {
      await run();
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown !== undefined, 'the bad input was accepted');
    assert.ok(
      thrown instanceof embedlab.EmbedlabError,
      `threw ${(thrown as Error)?.constructor?.name}: ${(thrown as Error)?.message ?? String(thrown)}`,
    );
    assert.ok((thrown as Error).message.length > 10, 'the message says what is wrong');
  });
}

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const cliCases: [string, string[]][] = [
  ['an unknown command', ['frobnicate']],
  ['encode with a missing model', ['encode', '--model', join(dir, 'no-model'), '--input', file('texts.txt', 'a\n'), '--output', join(dir, 'o.npy')]],
  ['encode with a missing input', ['encode', '--model', MODEL_DIR, '--input', join(dir, 'missing.txt'), '--output', join(dir, 'o.npy')]],
  ['evaluate with a missing qrels file', ['evaluate', '--model', MODEL_DIR, '--queries', join(dir, 'q.jsonl'), '--corpus', join(dir, 'c.jsonl'), '--qrels', join(dir, 'qrels.tsv')]],
  ['finetune with a missing training file', ['finetune', '--model', MODEL_DIR, '--train', join(dir, 'missing.jsonl'), '--output', join(dir, 'ft')]],
  ['mine-negatives with a bad range', ['mine-negatives', '--model', MODEL_DIR, '--input', file('mine.jsonl', '{"query":"q","pos":["p"]}\n'), '--output', join(dir, 'm.jsonl'), '--range', 'x']],
  ['demo with a missing dataset', ['demo', '--dataset', join(dir, 'missing.jsonl')]],
];

for (const [name, args] of cliCases) {
  test(`errors: the CLI, ${name} → exit code 2 and a message without a stack trace`, () => {
    const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1', HF_HUB_CACHE: dir } });
    assert.equal(run.status, 2, `exit ${run.status}: ${run.stderr}`);
    assert.ok(run.stderr.trim().length > 0, 'says what is wrong');
    assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
  });
}
