import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cosent, distillKL, matryoshka, mnrl, type Loss } from '../src/losses';
import { Random } from '../src/util/random';

interface GoldenCase {
  loss: string;
  name?: string;
  scale: number;
  columns: string[];
  dtype: 'float64' | 'float32';
  loss_value: number;
  matryoshka_dims?: number[];
  matryoshka_weights?: number[];
  unweighted_loss_per_dim?: Record<string, number>;
  grads: Record<string, number[][]>;
}
interface Golden {
  inputs: Record<string, number[][]>;
  cosent_inputs: { sentence1: number[][]; sentence2: number[][]; labels: number[] };
  cases: GoldenCase[];
}

const golden: Golden = JSON.parse(
  readFileSync(join(__dirname, '../../../shared/golden/losses/losses.json'), 'utf8'),
);

/** Loss rel 1e-5 (abs 1e-5 near zero); gradients atol 1e-5 + rtol 1e-4 (golden README §2). */
function assertLossClose(actual: number, expected: number, label: string): void {
  const tol = Math.max(1e-5 * Math.abs(expected), 1e-5);
  assert.ok(Math.abs(actual - expected) <= tol, `${label}: loss ${actual} vs ${expected}`);
}
function assertGradClose(actual: number[][], expected: number[][], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: rows`);
  for (let i = 0; i < expected.length; i++) {
    for (let j = 0; j < expected[i]!.length; j++) {
      const e = expected[i]![j]!;
      const a = actual[i]![j]!;
      const excess = Math.abs(a - e) - (1e-5 + 1e-4 * Math.abs(e));
      assert.ok(excess <= 0, `${label}: grad[${i}][${j}] ${a} vs ${e}`);
    }
  }
  // the gradient is not trivially zero
  assert.ok(expected.flat().some((v) => Math.abs(v) > 1e-3), `${label}: reference gradient is non-trivial`);
}

/** Loss value and d loss / d input for each column. */
function valueAndInputGrads(loss: Loss, columns: number[][][], labels?: number[]) {
  return tf.tidy(() => {
    const inputs = columns.map((c) => tf.tensor2d(c));
    const labelTensor = labels ? tf.tensor1d(labels) : undefined;
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => loss.compute(xs as tf.Tensor2D[], labelTensor))(inputs);
    return { value: value.dataSync()[0]!, grads: grads.map((g) => g.arraySync() as number[][]) };
  });
}

function lossFor(c: GoldenCase): Loss {
  if (c.loss === 'MultipleNegativesRankingLoss') return mnrl({ scale: c.scale });
  if (c.loss === 'CoSENTLoss') return cosent({ scale: c.scale });
  return matryoshka(mnrl({ scale: c.scale }), { dims: c.matryoshka_dims!, weights: c.matryoshka_weights! });
}

test('losses: MNRL, Matryoshka(MNRL) and CoSENT match the sentence-transformers goldens (values and input gradients)', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const cases = golden.cases.filter((c) => c.dtype === 'float64');
  assert.equal(cases.length, 13);
  for (const c of cases) {
    const label = `${c.name ?? c.loss} [${c.columns.join(',')}]`;
    const isCosent = c.loss === 'CoSENTLoss';
    const columns = isCosent
      ? [golden.cosent_inputs.sentence1, golden.cosent_inputs.sentence2]
      : c.columns.map((name) => golden.inputs[name]!);
    const { value, grads } = valueAndInputGrads(lossFor(c), columns, isCosent ? golden.cosent_inputs.labels : undefined);
    assertLossClose(value, c.loss_value, label);
    c.columns.forEach((name, k) => assertGradClose(grads[k]!, c.grads[name]!, `${label} d/d${name}`));
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
});

test('losses: Matryoshka with a single dim equals MNRL on the normalised prefix (unweighted_loss_per_dim)', async () => {
  await initBackend();
  for (const c of golden.cases.filter((c) => c.dtype === 'float64' && c.unweighted_loss_per_dim)) {
    const columns = c.columns.map((name) => golden.inputs[name]!);
    for (const [dim, expected] of Object.entries(c.unweighted_loss_per_dim!)) {
      const single = matryoshka(mnrl({ scale: c.scale }), { dims: [Number(dim)] });
      const { value } = valueAndInputGrads(single, columns);
      assertLossClose(value, expected, `${c.name} dim ${dim}`);
    }
  }
});

test('losses: Matryoshka sorts (dim, weight) pairs largest first and validates its options', () => {
  const loss = matryoshka(mnrl(), { dims: [8, 32, 4, 16], weights: [0.25, 1, 0.125, 0.5] });
  assert.deepEqual(loss.dims, [32, 16, 8, 4]);
  assert.deepEqual(loss.weights, [1, 0.5, 0.25, 0.125]);
  assert.throws(() => matryoshka(mnrl(), { dims: [] }), /non-empty/);
  assert.throws(() => matryoshka(mnrl(), { dims: [8, 4], weights: [1] }), /one weight per dim/);
  assert.throws(() => matryoshka(mnrl(), { dims: [8, 8] }), /repeat/);
  const tooWide = matryoshka(mnrl(), { dims: [64] });
  assert.throws(() => tooWide.compute([tf.ones([2, 32]) as tf.Tensor2D, tf.ones([2, 32]) as tf.Tensor2D]), /larger than the embedding dimension 32/);
});

test('losses: Matryoshka nDimsPerStep trains a seeded subset of dims', async () => {
  await initBackend();
  const columns = ['anchor', 'positive'].map((n) => golden.inputs[n]!);
  const perDim = golden.cases.find((c) => c.name === 'matryoshka_w1' && c.dtype === 'float64' && c.columns.length === 2)!
    .unweighted_loss_per_dim!;
  const loss = matryoshka(mnrl(), { dims: [32, 16, 8, 4], nDimsPerStep: 2 });
  const seen = new Set<string>();
  for (let step = 0; step < 12; step++) {
    const value = tf.tidy(() =>
      loss.compute(columns.map((c) => tf.tensor2d(c)), undefined, { random: new Random(step) }).dataSync()[0]!,
    );
    // the value is the sum of exactly two of the per-dim losses
    const dims = Object.keys(perDim);
    const pairs = dims.flatMap((a, i) => dims.slice(i + 1).map((b) => [a, b] as const));
    const match = pairs.find(([a, b]) => Math.abs(perDim[a]! + perDim[b]! - value) < 1e-4);
    assert.ok(match, `step ${step}: ${value} is a sum of two per-dim losses`);
    seen.add(match.join('+'));
    const again = tf.tidy(() => loss.compute(columns.map((c) => tf.tensor2d(c)), undefined, { random: new Random(step) }).dataSync()[0]!);
    assert.equal(again, value, 'same step seed, same dims');
  }
  assert.ok(seen.size > 1, 'different steps draw different dims');
});

// ---- distillation: checked against an independent float64 implementation ----

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
function logSoftmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const lse = m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
  return xs.map((x) => x - lse);
}
function cos(a: number[], b: number[]): number {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  const na = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const nb = Math.sqrt(b.reduce((s, x) => s + x * x, 0));
  return dot / (na * nb);
}
/** FlagEmbedding kl_div + in-batch cross-entropy, written out in float64. */
function distillReference(cols: number[][][], teacher: number[][], tau: number, tauT: number, inBatch: boolean): number {
  const [A, ...groups] = cols as [number[][], ...number[][][]];
  const B = A.length;
  let kd = 0;
  let ce = 0;
  for (let i = 0; i < B; i++) {
    const own = groups.map((g) => cos(A[i]!, g[i]!) / tau);
    const t = softmax(teacher[i]!.map((x) => x / tauT));
    const ls = logSoftmax(own);
    kd -= t.reduce((s, ti, g) => s + ti * ls[g]!, 0);
    const logits = inBatch ? groups.flatMap((g) => g.map((row) => cos(A[i]!, row) / tau)) : own;
    ce -= logSoftmax(logits)[inBatch ? i : 0]!;
  }
  return kd / B + ce / B;
}

test('losses: distillKL matches an independent float64 FlagEmbedding kl_div computation, value and gradient', async () => {
  await initBackend();
  const cols = ['anchor', 'positive', 'negative_1', 'negative_2'].map((n) => golden.inputs[n]!);
  const rng = new Random(7);
  const teacher = cols[0]!.map(() => [0.9, 0.3, 0.1].map((x) => x + 0.2 * rng.next()));
  for (const [tau, tauT, inBatch] of [[0.05, 1, true], [0.02, 0.5, false]] as const) {
    const loss = distillKL({ temperature: tau, teacherTemperature: tauT, inBatchNegatives: inBatch });
    const { value, grads } = tf.tidy(() => {
      const xs = cols.map((c) => tf.tensor2d(c));
      const t = tf.tensor2d(teacher);
      const r = tf.valueAndGrads((...ins: tf.Tensor[]) => loss.compute(ins as tf.Tensor2D[], undefined, { teacherScores: t }))(xs);
      return { value: r.value.dataSync()[0]!, grads: r.grads.map((g) => g.arraySync() as number[][]) };
    });
    const expected = distillReference(cols, teacher, tau, tauT, inBatch);
    assertLossClose(value, expected, `distill τ=${tau}`);
    // central differences of the float64 reference for a few coordinates of each column
    const h = 1e-6;
    for (let k = 0; k < cols.length; k++) {
      for (const [i, j] of [[0, 0], [3, 17], [5, 31]] as const) {
        const plus = cols.map((c) => c.map((r) => [...r]));
        const minus = cols.map((c) => c.map((r) => [...r]));
        plus[k]![i]![j]! += h;
        minus[k]![i]![j]! -= h;
        const numeric = (distillReference(plus, teacher, tau, tauT, inBatch) - distillReference(minus, teacher, tau, tauT, inBatch)) / (2 * h);
        const analytic = grads[k]![i]![j]!;
        assert.ok(Math.abs(analytic - numeric) <= 1e-4 + 1e-3 * Math.abs(numeric), `distill grad col ${k} [${i},${j}]: ${analytic} vs ${numeric}`);
      }
    }
  }
  assert.throws(() => distillKL().compute(cols.map((c) => tf.tensor2d(c)) as tf.Tensor2D[]), /teacher scores/);
});

test('losses: bad options fail with a clear message', () => {
  assert.throws(() => mnrl({ scale: 0 }), /scale must be a positive number/);
  assert.throws(() => cosent({ scale: Number.NaN }), /scale must be a positive number/);
  assert.throws(() => distillKL({ temperature: -1 }), /temperature must be a positive number/);
  assert.throws(() => cosent().compute([tf.ones([2, 4]) as tf.Tensor2D, tf.ones([2, 4]) as tf.Tensor2D]), /score/);
});
