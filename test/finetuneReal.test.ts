import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { readJsonLines } from '../src/data/jsonLines';
import { toTrainingRows } from '../src/data/rowFormats';
import { addIds, buildIRSet } from '../src/data/irSet';
import { trainTestSplit } from '../src/data/split';
import { InformationRetrievalEvaluator } from '../src/eval';
import { matryoshka, mnrl } from '../src/losses';
import { createStaticModel } from '../src/models';
import { finetune } from '../src/train/finetune';

const shared = join(__dirname, '../../../shared');
const DATA = join(shared, 'datasets/financial-qa-10k/financial-rag-embedding-dataset.jsonl');
const TOKENIZER = join(shared, 'models/all-MiniLM-L6-v2-config-and-tokenizer');
const DIMS = [256, 128, 64, 32];

test('real fine-tune: Matryoshka(MNRL) on financial-qa-10k raises test NDCG@10 at every dim (StaticEmbedding, random init)', async () => {
  const backend = await initBackend();
  const { rows } = toTrainingRows(readJsonLines(DATA), { source: DATA, onWarning: () => {} });
  const { train, test: held } = trainTestSplit(addIds(rows), { testSize: 0.1, seed: 42 });
  const evaluator = new InformationRetrievalEvaluator(buildIRSet(train, held), { dims: DIMS, batchSize: 256 });
  const tensorsBefore = tf.memory().numTensors;
  const model = createStaticModel(TOKENIZER, { dim: 256, seed: 42 });
  const started = performance.now();
  const run = await finetune(model, train, {
    loss: matryoshka(mnrl(), { dims: DIMS }),
    epochs: 1,
    batchSize: 64,
    lr: 0.2,
    scheduler: 'cosine',
    warmupRatio: 0.1,
    evaluator,
    evaluateBeforeTraining: true,
    metricForBestModel: 'dim_64_cosine_ndcg@10',
    seed: 42,
  });
  const seconds = (performance.now() - started) / 1000;
  const baseline = run.history.evals[0]!.metrics;
  const final = run.history.evals[run.history.evals.length - 1]!.metrics;
  const table = DIMS.map((d) => `dim ${d}: ${baseline[`dim_${d}_cosine_ndcg@10`]!.toFixed(3)} → ${final[`dim_${d}_cosine_ndcg@10`]!.toFixed(3)}`);
  console.log(`[${backend.choice}] ${train.length} train rows, ${run.globalStep} steps, ${seconds.toFixed(1)} s\n${table.join('\n')}`);
  // Measured on wasm (seed 42, 1 epoch, 99 steps): 0.429 → 0.660, 0.364 → 0.649, 0.263 → 0.607, 0.151 → 0.493.
  // Floors leave ~0.07 of margin; a broken loss, optimizer or sampler stays near the random-init baseline.
  const floors: Record<number, number> = { 256: 0.58, 128: 0.57, 64: 0.53, 32: 0.42 };
  for (const d of DIMS) {
    const before = baseline[`dim_${d}_cosine_ndcg@10`]!;
    const after = final[`dim_${d}_cosine_ndcg@10`]!;
    assert.ok(after >= floors[d]!, `dim ${d}: NDCG@10 ${after.toFixed(3)} below the floor ${floors[d]}`);
    assert.ok(after - before >= 0.15, `dim ${d}: NDCG@10 ${before.toFixed(3)} → ${after.toFixed(3)} gains less than 0.15`);
  }
  assert.equal(run.history.steps.length, run.globalStep);
  assert.equal(run.bestStep, run.globalStep);
  assert.equal(run.bestMetric, final['dim_64_cosine_ndcg@10']);
  assert.ok(run.history.steps.every((s) => Number.isFinite(s.loss)));
  const firstLosses = run.history.steps.slice(0, 10).reduce((a, s) => a + s.loss, 0);
  const lastLosses = run.history.steps.slice(-10).reduce((a, s) => a + s.loss, 0);
  assert.ok(lastLosses < firstLosses * 0.7, `the loss falls (${firstLosses / 10} → ${lastLosses / 10})`);
  model.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore, 'training leaves no tensors behind');
});
