import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { AdamW, defaultNoDecay } from '../src/train/optimizer';
import { clipGradNorm } from '../src/train/step';
import { learningRateAt, resolveWarmupSteps, parseScheduler } from '../src/train/schedule';
import { planEpoch } from '../src/train/sampler';
import { checkRows } from '../src/train/plan';
import { mnrl, cosent, distillKL } from '../src/losses';
import { Random } from '../src/util/random';
import type { TrainingRow } from '../src/data/types';

test('AdamW matches torch.optim.AdamW step for step (decoupled decay, bias correction, no decay on bias/LayerNorm)', async () => {
  await initBackend();
  const shapes: [string, number[]][] = [['dense.weight', [2, 3]], ['dense.bias', [3]], ['LayerNorm.weight', [3]]];
  const weights = new Map<string, tf.Variable>();
  let offset = 0;
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    weights.set(name, tf.variable(tf.tensor(Array.from({ length: n }, (_, i) => 0.1 * (offset + i + 1) - 0.5), shape)));
    offset += n;
  }
  const before = tf.memory().numTensors;
  const opt = new AdamW(weights, { weightDecay: 0.1 });
  for (let t = 1; t <= 5; t++) {
    const grads = new Map<string, tf.Tensor>();
    let o = 0;
    for (const [name, shape] of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      grads.set(name, tf.tensor(Array.from({ length: n }, (_, i) => Math.sin(1.3 * t + 0.7 * (o + i))), shape));
      o += n;
    }
    opt.step(grads, (0.01 * t) / 5);
    tf.dispose([...grads.values()]);
  }
  // torch 1.13 torch.optim.AdamW, same initial values, gradients and lr sequence; param groups
  // with weight_decay 0.1 for dense.weight and 0.0 for dense.bias / LayerNorm.weight.
  const torchResult: Record<string, number[]> = {
    'dense.weight': [-0.40462228655815125, -0.30012568831443787, -0.19479113817214966, -0.0891791582107544, 0.007785305380821228, 0.10323891788721085],
    'dense.bias': [0.19803616404533386, 0.2936830222606659, 0.39049795269966125],
    'LayerNorm.weight': [0.494264155626297, 0.5991034507751465, 0.7047265768051147],
  };
  for (const [name, expected] of Object.entries(torchResult)) {
    const actual = Array.from(weights.get(name)!.dataSync());
    actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < 2e-6, `${name}[${i}] ${a} vs torch ${expected[i]}`));
  }
  assert.equal(opt.steps, 5);
  // the moments live in host memory: no backend tensor is left behind
  assert.equal(tf.memory().numTensors, before);
  assert.equal((await opt.exportState()).expAvg.size, 3);
  const state = await opt.exportState();
  const copy = new AdamW(weights, { weightDecay: 0.1 });
  copy.importState(state);
  assert.deepEqual(Array.from((await copy.exportState()).expAvgSq.get('dense.weight')!.data), Array.from(state.expAvgSq.get('dense.weight')!.data));
  opt.dispose();
  copy.dispose();
  tf.dispose([...weights.values()]);
});

test('AdamW: names excluded from weight decay follow the HF Trainer (biases, LayerNorm)', () => {
  for (const name of ['encoder.layer.0.attention.output.LayerNorm.weight', 'embeddings.LayerNorm.bias', 'pooler.dense.bias', 'norm.weight',
    'embeddings.norm.weight', 'layers.1.attn_norm.weight', 'layers.0.mlp_norm.weight', 'final_norm.weight']) {
    assert.equal(defaultNoDecay(name), true, name);
  }
  for (const name of ['encoder.layer.0.attention.self.query.weight', 'embeddings.word_embeddings.weight', 'embedding.weight',
    'layers.0.attn.Wqkv.weight', 'layers.2.mlp.Wi.weight', 'embeddings.tok_embeddings.weight', 'normal.weight']) {
    assert.equal(defaultNoDecay(name), false, name);
  }
  assert.throws(() => new AdamW(new Map(), { weightDecay: -1 }), /weightDecay/);
});

test('learning-rate schedules follow Hugging Face transformers (warm-up from 0, linear, half-cosine)', () => {
  const base = { lr: 2e-5, warmupSteps: 10, totalSteps: 110 };
  const at = (scheduler: 'linear' | 'cosine' | 'constant' | 'constant_with_warmup', step: number) =>
    learningRateAt(step, { ...base, scheduler }) / base.lr;
  for (const s of ['linear', 'cosine', 'constant_with_warmup'] as const) {
    assert.equal(at(s, 0), 0, `${s}: the first update has lr 0`);
    assert.equal(at(s, 5), 0.5);
    assert.equal(at(s, 10), 1);
  }
  assert.ok(Math.abs(at('linear', 60) - 0.5) < 1e-12);
  assert.equal(at('linear', 110), 0);
  assert.ok(Math.abs(at('cosine', 60) - 0.5) < 1e-12, 'half-way through the decay is half the peak');
  assert.ok(Math.abs(at('cosine', 35) - 0.5 * (1 + Math.cos(Math.PI * 0.25))) < 1e-12);
  assert.ok(Math.abs(at('cosine', 110)) < 1e-12);
  assert.equal(at('constant_with_warmup', 100), 1);
  assert.equal(at('constant', 0), 1);
  assert.equal(resolveWarmupSteps(400, 0.1), 40);
  assert.equal(resolveWarmupSteps(401, 0.1), 41, 'HF rounds the ratio up');
  assert.equal(resolveWarmupSteps(400, 0.1, 7), 7, 'warmupSteps wins over the ratio');
  assert.throws(() => resolveWarmupSteps(10, 1.5), /warmupRatio/);
  assert.throws(() => parseScheduler('cosine_restarts'), /use one of: constant, constant_with_warmup, linear, cosine/);
});

test('clipGradNorm scales to the max norm like torch clip_grad_norm_ and reports the norm', async () => {
  await initBackend();
  const a = [3, 0, 4];
  const b = [[12, 0], [0, 0]];
  const grads = new Map<string, tf.Tensor>([['a', tf.tensor(a)], ['b', tf.tensor(b)]]);
  const norm = await clipGradNorm(grads, 1);
  assert.ok(Math.abs(norm - 13) < 1e-5);
  const coef = 1 / (13 + 1e-6);
  assert.deepEqual(Array.from(grads.get('a')!.dataSync()).map((x) => +x.toFixed(6)), a.map((x) => +(x * coef).toFixed(6)));
  const unchanged = new Map<string, tf.Tensor>([['a', tf.tensor([0.1, 0.2])]]);
  assert.ok(Math.abs((await clipGradNorm(unchanged, 1)) - Math.hypot(0.1, 0.2)) < 1e-6);
  assert.deepEqual(Array.from(unchanged.get('a')!.dataSync()), [0.10000000149011612, 0.20000000298023224]);
  const bad = new Map<string, tf.Tensor>([['a', tf.tensor([Number.NaN, 1])]]);
  assert.ok(Number.isNaN(await clipGradNorm(bad, 1)));
  tf.dispose([...grads.values(), ...unchanged.values(), ...bad.values()]);
});

/** sentence-transformers NoDuplicatesBatchSampler.__iter__, transcribed: rescans the remaining rows for every batch. */
function referenceNoDuplicates(order: number[], texts: (i: number) => string[], batchSize: number, dropLast: boolean): number[][] {
  const remaining = [...order];
  const out: number[][] = [];
  while (remaining.length > 0) {
    const values = new Set<string>();
    const batch: number[] = [];
    let full = false;
    for (const index of remaining) {
      const sample = new Set(texts(index));
      if ([...sample].some((v) => values.has(v))) continue;
      batch.push(index);
      if (batch.length === batchSize) {
        full = true;
        break;
      }
      for (const v of sample) values.add(v);
    }
    if (full || !dropLast) out.push(batch);
    for (const index of batch) remaining.splice(remaining.indexOf(index), 1);
  }
  return out;
}

test('no-duplicates sampler: same batches as sentence-transformers NoDuplicatesBatchSampler on the same order', () => {
  // small vocabulary of texts → many collisions
  const rng = new Random(3);
  const rows = Array.from({ length: 300 }, () => [`q${rng.int(200)}`, `p${rng.int(60)}`, `n${rng.int(60)}`]);
  const texts = (i: number) => rows[i]!;
  for (const dropLast of [false, true]) {
    for (const [seed, epoch, batchSize] of [[1, 0, 8], [1, 1, 8], [7, 2, 16], [9, 0, 3]] as const) {
      const order = new Random(seed + epoch).shuffle(Array.from({ length: rows.length }, (_, i) => i));
      const expected = referenceNoDuplicates(order, texts, batchSize, dropLast);
      const actual = planEpoch(rows.length, texts, { batchSize, seed, epoch, sampler: 'no-duplicates', dropLast });
      assert.deepEqual(actual, expected, `seed ${seed} epoch ${epoch} batch ${batchSize} dropLast ${dropLast}`);
    }
  }
});

test('no-duplicates sampler: every row once per epoch, no text twice in a batch, seeded by seed + epoch, linear in the data', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => [`anchor ${i % 700}`, `positive ${i % 900}`]);
  const texts = (i: number) => rows[i]!;
  const plan = planEpoch(rows.length, texts, { batchSize: 32, seed: 5, epoch: 0, sampler: 'no-duplicates' });
  assert.deepEqual(plan.flat().sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  for (const batch of plan) {
    const all = batch.flatMap(texts);
    assert.equal(new Set(all).size, all.length, 'no duplicate text inside a batch');
  }
  assert.ok(plan.filter((b) => b.length === 32).length >= 30, 'duplicates are deferred, batches stay full');
  assert.deepEqual(planEpoch(rows.length, texts, { batchSize: 32, seed: 5, epoch: 0, sampler: 'no-duplicates' }), plan);
  assert.notDeepEqual(planEpoch(rows.length, texts, { batchSize: 32, seed: 5, epoch: 1, sampler: 'no-duplicates' }), plan);
  const shuffled = planEpoch(rows.length, texts, { batchSize: 32, seed: 5, epoch: 0, sampler: 'shuffle' });
  assert.equal(shuffled.length, Math.ceil(1000 / 32));
  assert.equal(shuffled[shuffled.length - 1]!.length, 1000 % 32);

  // 5% duplicated positives: planning grows linearly with the data (4× the rows in well under
  // 12× the time; a quadratic planner takes 16×). Best of two runs, so machine load does not decide.
  const planTime = (n: number) => {
    const big = Array.from({ length: n }, (_, i) => [`question ${i}`, `context ${i % Math.round(n * 0.95)}`]);
    let best = Infinity;
    for (let run = 0; run < 2; run++) {
      const t0 = performance.now();
      const bigPlan = planEpoch(big.length, (i) => big[i]!, { batchSize: 32, seed: 1, epoch: 0, sampler: 'no-duplicates' });
      best = Math.min(best, performance.now() - t0);
      assert.equal(bigPlan.reduce((k, b) => k + b.length, 0), n);
    }
    return best;
  };
  const small = planTime(50_000);
  const large = planTime(200_000);
  assert.ok(large < 12 * small, `planning 200k rows took ${large.toFixed(0)} ms, 50k rows ${small.toFixed(0)} ms`);
});

test('checkRows: clear errors naming the row and field; negatives counted', () => {
  const row = (i: number, extra: Partial<TrainingRow> = {}): TrainingRow => ({ anchor: `a${i}`, positive: `p${i}`, negatives: [], ...extra });
  assert.throws(() => checkRows([], mnrl().requires), /empty/);
  assert.throws(() => checkRows([row(0), { anchor: 'x', positive: '', negatives: [] }], mnrl().requires), /row 1, field "positive" is empty/);
  assert.throws(() => checkRows([row(0), { anchor: 'x', negatives: [] } as unknown as TrainingRow], mnrl().requires), /row 1, field "positive" is missing/);
  assert.equal(checkRows([row(0, { negatives: ['n'] }), row(1, { negatives: ['m'] })], mnrl().requires), 1);
  assert.throws(() => checkRows([row(0, { negatives: ['n'] }), row(1)], mnrl().requires), /row 1.*"negatives" has 0 hard negatives but earlier rows have 1/);
  assert.equal(checkRows([row(0, { negatives: ['n', 'o'] }), row(1, { negatives: ['m'] })], mnrl().requires, 1), 1);
  assert.throws(() => checkRows([row(0, { id: 'q7' })], cosent().requires), /training data has no scores: this loss trains on scored pairs/);
  assert.throws(() => checkRows([row(0, { score: 1 }), row(1, { id: 'q7' })], cosent().requires), /row 1 \(id q7\), field "score" is missing/);
  assert.equal(checkRows([row(0, { score: 0.5 })], cosent().requires), 0);
  assert.throws(() => checkRows([row(0, { negatives: ['n'], teacherScores: [1] })], distillKL().requires), /teacherScores" must hold 2/);
});
