import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import type { TrainingRow } from '../src/data/types';
import type { Evaluator } from '../src/eval/types';
import { cosent, distillKL, matryoshka, mnrl, type Loss } from '../src/losses';
import { finetune } from '../src/train/finetune';
import { restoreCheckpoint } from '../src/train/checkpoints';
import { AdamW } from '../src/train/optimizer';
import { batchGradients, makeBatch } from '../src/train/step';
import { planEpoch } from '../src/train/sampler';
import { EmbedlabError } from '../src/util/errors';
import { ToyEmbedder, toyRows } from './finetuneFixtures';

const tmp = () => mkdtempSync(join(tmpdir(), 'embedlab-ft-'));

/** Metrics from a fixed sequence, one value per call: makes best-model selection checkable. */
class ScriptedEvaluator implements Evaluator {
  readonly primaryMetric = 'dim_16_cosine_ndcg@10';
  calls = 0;
  constructor(private readonly values: number[]) {}
  metricNames(): string[] {
    return ['dim_16_cosine_ndcg@10', 'dim_16_cosine_mrr@10', 'dim_8_cosine_ndcg@10'];
  }
  async evaluate(): Promise<Record<string, number>> {
    const v = this.values[Math.min(this.calls++, this.values.length - 1)]!;
    return { 'dim_16_cosine_ndcg@10': v, 'dim_16_cosine_mrr@10': v / 2, 'dim_8_cosine_ndcg@10': v / 3 };
  }
}

/** In-batch retrieval accuracy on held-out style pairs: does the model rank the right positive first? */
async function pairAccuracy(model: ToyEmbedder, rows: TrainingRow[]): Promise<number> {
  const a = await model.encode(rows.map((r) => r.anchor));
  const p = await model.encode(rows.map((r) => r.positive));
  let hits = 0;
  for (let i = 0; i < rows.length; i++) {
    let best = -1;
    let arg = -1;
    for (let j = 0; j < rows.length; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.row(i)[k]! * p.row(j)[k]!;
      if (s > best) [best, arg] = [s, j];
    }
    if (arg === i) hits++;
  }
  return hits / rows.length;
}

test('finetune: learns, reports progress, same seed → same losses, tensor count flat across steps', async () => {
  await initBackend();
  const rows = toyRows(96, 1);
  const run = async (seed: number) => {
    const model = new ToyEmbedder({ seed: 5 });
    const counts: number[] = [];
    const progress: number[] = [];
    const result = await finetune(model, rows, {
      loss: matryoshka(mnrl(), { dims: [16, 8, 4] }),
      epochs: 3,
      batchSize: 16,
      lr: 5e-2,
      scheduler: 'cosine',
      warmupRatio: 0.1,
      seed,
      onProgress: (info) => {
        counts.push(tf.memory().numTensors);
        progress.push(info.step);
        assert.equal(info.totalSteps, 18);
        assert.ok(info.etaSeconds >= 0 && info.examplesPerSec > 0 && Number.isFinite(info.loss));
      },
    });
    return { model, result, counts, progress };
  };
  const first = await run(7);
  const accuracyBefore = await pairAccuracy(new ToyEmbedder({ seed: 5 }), rows);
  const accuracyAfter = await pairAccuracy(first.model, rows);
  assert.deepEqual(first.progress, Array.from({ length: 18 }, (_, i) => i + 1));
  const losses = first.result.history.steps.map((s) => s.loss);
  assert.equal(losses.length, 18);
  assert.ok(losses.slice(-3).reduce((a, b) => a + b) < losses.slice(0, 3).reduce((a, b) => a + b) * 0.7, `loss falls: ${losses.map((l) => l.toFixed(2))}`);
  assert.ok(accuracyAfter > accuracyBefore + 0.2, `retrieval accuracy ${accuracyBefore} → ${accuracyAfter}`);
  assert.equal(first.result.history.steps[0]!.lr, 0, 'HF warm-up: the first update has lr 0');
  assert.ok(Math.abs(first.result.history.steps[2]!.epoch - 0.5) < 1e-12, 'fractional epochs');
  assert.ok(first.counts.every((c) => c === first.counts[0]), `tensor count flat: ${first.counts}`);

  const second = await run(7);
  assert.deepEqual(second.result.history.steps.map((s) => s.loss), losses, 'same seed, same loss sequence');
  assert.deepEqual(second.model.snapshot(), first.model.snapshot(), 'same seed, same weights');
  const other = await run(8);
  assert.notDeepEqual(other.result.history.steps.map((s) => s.loss), losses, 'another seed, other batches');
  for (const r of [first, second, other]) r.model.dispose();
});

test('finetune: killed mid-run (AbortSignal) and resumed ends with exactly the weights of an uninterrupted run', async () => {
  await initBackend();
  const rows = toyRows(60, 2);
  const options = {
    loss: matryoshka(mnrl(), { dims: [16, 8, 4], nDimsPerStep: 2 }),
    epochs: 2,
    batchSize: 8,
    gradAccumSteps: 2,
    lr: 2e-2,
    scheduler: 'linear' as const,
    warmupSteps: 2,
    weightDecay: 0.01,
    seed: 11,
  };
  const fullDir = tmp();
  const full = new ToyEmbedder({ seed: 9 });
  const fullRun = await finetune(full, rows, { ...options, outputDir: fullDir });
  assert.equal(fullRun.totalSteps, 8, '8 batches per epoch, 2 per update, 2 epochs');

  const dir = tmp();
  const controller = new AbortController();
  const interrupted = new ToyEmbedder({ seed: 9 });
  const stopped = await finetune(interrupted, rows, {
    ...options,
    outputDir: dir,
    signal: controller.signal,
    onProgress: (info) => {
      if (info.step === 3) controller.abort();
    },
  });
  assert.equal(stopped.stopped, 'signal');
  assert.equal(stopped.globalStep, 3);
  assert.equal(stopped.lastCheckpoint, join(dir, 'checkpoint-3'));
  assert.ok(existsSync(join(dir, 'checkpoint-3', 'optimizer.safetensors')));
  assert.ok(!existsSync(join(dir, 'model.safetensors')), 'no final model after a stop');
  interrupted.dispose();

  // a fresh process would build the model anew: different initial weights, all restored from the checkpoint
  const resumedModel = new ToyEmbedder({ seed: 1234 });
  const resumed = await finetune(resumedModel, rows, { ...options, outputDir: dir, resume: true });
  assert.equal(resumed.globalStep, 8);
  assert.deepEqual(resumedModel.snapshot(), full.snapshot(), 'same final weights as the uninterrupted run');
  assert.deepEqual(resumed.history.steps.map((s) => s.loss), fullRun.history.steps.map((s) => s.loss));
  assert.ok(existsSync(join(dir, 'model.safetensors')), 'the final model is saved in outputDir');
  const state = JSON.parse(readFileSync(join(dir, 'checkpoint-8', 'trainer_state.json'), 'utf8'));
  assert.equal(state.globalStep, 8);
  assert.equal(state.epoch, 2);
  full.dispose();
  resumedModel.dispose();
});

test('finetune: best model by metric, loadBestModelAtEnd, saveTotalLimit keeps the best, evaluation schedule', async () => {
  await initBackend();
  const rows = toyRows(48, 3);
  const dir = tmp();
  const model = new ToyEmbedder({ seed: 4 });
  const evaluator = new ScriptedEvaluator([0.1, 0.2, 0.9, 0.4, 0.5, 0.3, 0.35]);
  const evals: number[] = [];
  const result = await finetune(model, rows, {
    epochs: 3,
    batchSize: 8, // 6 steps per epoch
    lr: 1e-2,
    evaluator,
    evaluateBeforeTraining: true,
    evalSteps: 4,
    metricForBestModel: 'dim_16_cosine_ndcg@10',
    outputDir: dir,
    saveTotalLimit: 1,
    onEvaluate: (e) => evals.push(e.step),
  });
  // baseline, steps 4 and 8 (evalSteps), 6, 12, 18 (epoch ends), 16 (evalSteps)
  assert.deepEqual(evals, [0, 4, 6, 8, 12, 16, 18]);
  assert.equal(result.bestMetric, 0.9, 'the baseline never counts as best (no checkpoint holds it)');
  assert.equal(result.bestStep, 6);
  assert.equal(result.bestCheckpoint, join(dir, 'checkpoint-6'));
  const left = readdirSync(dir).filter((n) => n.startsWith('checkpoint-')).sort();
  assert.deepEqual(left, ['checkpoint-18', 'checkpoint-6'], 'limit 1 keeps the best and the newest');
  // the model now holds the best checkpoint's weights
  const best = new ToyEmbedder({ seed: 77 });

  restoreCheckpoint(join(dir, 'checkpoint-6'), best);
  assert.deepEqual(model.snapshot(), best.snapshot());
  best.dispose();
  model.dispose();
});

test('finetune: without outputDir the best weights are kept in memory and restored', async () => {
  await initBackend();
  const rows = toyRows(32, 6);
  const model = new ToyEmbedder({ seed: 4 });
  let atBest: Record<string, number[]> | undefined;
  const result = await finetune(model, rows, {
    epochs: 3,
    batchSize: 8,
    lr: 1e-2,
    evaluator: new ScriptedEvaluator([0.3, 0.8, 0.2]),
    onEvaluate: (e) => {
      if (e.step === 8) atBest = model.snapshot();
    },
  });
  assert.equal(result.bestStep, 8);
  assert.equal(result.bestCheckpoint, undefined);
  assert.deepEqual(model.snapshot(), atBest);
  model.dispose();
});

test('finetune: bad input fails before any work with a clear EmbedlabError', async () => {
  await initBackend();
  const model = new ToyEmbedder();
  const rows = toyRows(10);
  const initial = model.snapshot();
  const fails = async (rowsIn: TrainingRow[], options: Parameters<typeof finetune>[2], pattern: RegExp) => {
    await assert.rejects(finetune(model, rowsIn, options), (e: Error) => e instanceof EmbedlabError && pattern.test(e.message));
  };
  await fails([], {}, /training data is empty/);
  await fails([...rows, { anchor: 'a', positive: '', negatives: [] }], { batchSize: 4 }, /row 10, field "positive" is empty/);
  await fails(rows, { batchSize: 11 }, /batchSize 11 is larger than the 10 training rows/);
  await fails(rows, { lr: Number.NaN, batchSize: 4 }, /lr \(learning rate\) must be a finite positive number, got NaN/);
  await fails(rows, { lr: Infinity, batchSize: 4 }, /finite positive/);
  const dupes = Array.from({ length: 6 }, (_, i) => ({ anchor: `q${i}`, positive: 'the same passage', negatives: [] }));
  await fails(dupes, { batchSize: 4 }, /every batch would hold a single row/);
  await fails(rows, { batchSize: 4, evaluator: new ScriptedEvaluator([1]), metricForBestModel: 'ndcg@10' }, /"ndcg@10" is not a metric of this evaluator.*Valid names: dim_16_cosine_ndcg@10, dim_16_cosine_mrr@10, dim_8_cosine_ndcg@10/);
  await fails(rows, { batchSize: 4, metricForBestModel: 'x' }, /needs an evaluator/);
  await fails(rows, { batchSize: 4, scheduler: 'exp' as never }, /unknown scheduler/);
  await fails(rows, { batchSize: 4, epochs: 0 }, /epochs must be a positive integer/);
  await fails(rows, { batchSize: 4, resume: true }, /set outputDir/);
  await fails(rows, { batchSize: 4, outputDir: tmp(), resume: true }, /nothing to resume/);
  assert.deepEqual(model.snapshot(), initial, 'the model is untouched');

  // duplicates that can be separated are fine: batches simply avoid them
  const someDupes = toyRows(12).map((r, i) => (i % 4 === 0 ? { ...r, positive: 'shared passage' } : r));
  const ok = await finetune(model, someDupes, { batchSize: 4, epochs: 1, lr: 1e-3 });
  assert.ok(ok.globalStep >= 3);
  model.dispose();
});

test('finetune: a checkpoint from another model is refused and nothing is overwritten; existing checkpoints need resume', async () => {
  await initBackend();
  const rows = toyRows(16);
  const dir = tmp();
  const small = new ToyEmbedder({ dimension: 16 });
  await finetune(small, rows, { batchSize: 8, epochs: 1, lr: 1e-3, outputDir: dir });
  const listing = () => readdirSync(dir, { recursive: true }).map(String).sort().map((p) => `${p}:${statSync(join(dir, p)).mtimeMs}`);
  const before = listing();
  const other = new ToyEmbedder({ dimension: 12 });
  const initial = other.snapshot();
  await assert.rejects(
    finetune(other, rows, { batchSize: 8, epochs: 2, lr: 1e-3, outputDir: dir, resume: true }),
    /checkpoint-2 was written for a different model: weight "dense.weight" is \[16,32\] there, \[12,32\] in the model/,
  );
  await assert.rejects(finetune(small, rows, { batchSize: 8, epochs: 1, outputDir: dir }), /already holds checkpoints \(checkpoint-2\); pass resume: true/);
  await assert.rejects(
    finetune(small, rows, { batchSize: 4, epochs: 1, outputDir: dir, resume: true }),
    /cannot resume from .*checkpoint-2: batchSize was 8, now 4/,
  );
  assert.deepEqual(listing(), before, 'nothing in the output folder changed');
  assert.deepEqual(other.snapshot(), initial);
  small.dispose();
  other.dispose();
});

test('finetune: a NaN loss stops training with a clear message', async () => {
  await initBackend();
  const inner = mnrl();
  let calls = 0;
  const poisoned: Loss = {
    name: 'Poisoned',
    requires: inner.requires,
    compute: (e) => (++calls === 3 ? tf.tidy(() => tf.mul(inner.compute(e), Number.NaN) as tf.Scalar) : inner.compute(e)),
    config: () => ({}),
  };
  const model = new ToyEmbedder();
  const before = tf.memory().numTensors;
  await assert.rejects(
    finetune(model, toyRows(32), { loss: poisoned, batchSize: 8, epochs: 1, lr: 1e-3 }),
    (e: Error) => e instanceof EmbedlabError && /training stopped: the loss is NaN at step 3 \(epoch 1, batch 3\).*lower learning rate/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before, 'no tensors leak when training stops');
  model.dispose();
});

test('finetune: gradient accumulation averages the batches\' gradients into one update (each batch keeps its own negatives)', async () => {
  await initBackend();
  const rows = toyRows(8, 12);
  const trained = new ToyEmbedder({ seed: 21 });
  const result = await finetune(trained, rows, {
    epochs: 1, batchSize: 4, gradAccumSteps: 2, lr: 0.05, scheduler: 'constant', maxGradNorm: 0, seed: 3,
  });
  assert.equal(result.globalStep, 1);
  // by hand: the same two batches, each loss over its own 4 rows, gradients averaged, one AdamW step
  const manual = new ToyEmbedder({ seed: 21 });
  const batches = planEpoch(rows.length, (i) => [rows[i]!.anchor, rows[i]!.positive], { batchSize: 4, seed: 3, epoch: 0, sampler: 'no-duplicates' });
  assert.equal(batches.length, 2);
  const loss = mnrl();
  const parts: Awaited<ReturnType<typeof batchGradients>>[] = [];
  for (const indices of batches) parts.push(await batchGradients(manual, loss, makeBatch(rows, indices, 0, loss.requires)));
  const summed = new Map([...parts[0]!.grads].map(([n, g]) => [n, tf.div(tf.add(g, parts[1]!.grads.get(n)!), 2)]));
  const opt = new AdamW(manual.namedWeights());
  opt.step(summed, 0.05);
  assert.ok(Math.abs(result.history.steps[0]!.loss - (parts[0]!.loss + parts[1]!.loss) / 2) < 1e-6);
  const a = trained.snapshot();
  const b = manual.snapshot();
  for (const name of Object.keys(a)) a[name]!.forEach((x, i) => assert.ok(Math.abs(x - b[name]![i]!) < 1e-6, `${name}[${i}]`));
  tf.dispose([...summed.values(), ...parts.flatMap((p) => [...p.grads.values()])]);
  opt.dispose();
  trained.dispose();
  manual.dispose();
});

test('finetune: CoSENT reads row scores, distillation reads teacher scores, and both train', async () => {
  await initBackend();
  const base = toyRows(32, 13);
  // scored pairs: matching topic → high score, a shuffled partner → low score
  const scored: TrainingRow[] = base.flatMap((r, i) => [
    { ...r, score: 0.9 },
    { anchor: r.anchor, positive: base[(i + 7) % base.length]!.positive, negatives: [], score: 0.1 },
  ]);
  const cosentModel = new ToyEmbedder({ seed: 8 });
  const cosentRun = await finetune(cosentModel, scored, { loss: cosent(), epochs: 4, batchSize: 16, lr: 2e-2, seed: 1 });
  const cl = cosentRun.history.steps.map((s) => s.loss);
  assert.ok(cl.slice(-4).reduce((a, b) => a + b) < cl.slice(0, 4).reduce((a, b) => a + b) * 0.8, `CoSENT loss falls: ${cl.map((x) => x.toFixed(2))}`);

  const withTeacher: TrainingRow[] = base.map((r, i) => ({ ...r, negatives: [base[(i + 3) % base.length]!.positive], teacherScores: [0.95, 0.2] }));
  const distillModel = new ToyEmbedder({ seed: 8 });
  const distillRun = await finetune(distillModel, withTeacher, { loss: distillKL({ temperature: 0.05 }), epochs: 4, batchSize: 8, lr: 2e-2, seed: 1 });
  const dl = distillRun.history.steps.map((s) => s.loss);
  assert.ok(dl.slice(-4).reduce((a, b) => a + b) < dl.slice(0, 4).reduce((a, b) => a + b) * 0.8, `distill loss falls: ${dl.map((x) => x.toFixed(2))}`);
  await assert.rejects(finetune(distillModel, base, { loss: distillKL(), batchSize: 8 }), /training data has no teacher scores: distillation trains on FlagEmbedding-style rows with pos_scores \/ neg_scores/);
  cosentModel.dispose();
  distillModel.dispose();
});
