/**
 * Losses on batch sizes, widths, scales and column counts the golden files do
 * not use — MNRL with 3 hard-negative columns, Matryoshka with unsorted dims
 * and weights or default weights, Matryoshka over CoSENT and over CachedMNRL,
 * CoSENT with tied labels, CachedMNRL — against torch autograd in float64
 * (test/reference/losses_reference.py, following the upstream loss files line
 * by line). Tolerances from the golden README: loss rel 1e-5, gradients
 * atol 1e-5 + rtol 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cachedMnrl, cosent, matryoshka, mnrl, type Loss } from '../src/losses';
import { pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';

interface LossSpec {
  loss: 'mnrl' | 'cached_mnrl' | 'cosent' | 'matryoshka';
  scale?: number;
  mini_batch_size?: number;
  inner?: LossSpec;
  dims?: number[];
  weights?: number[];
}
interface LossCase {
  name: string;
  spec: LossSpec;
  /** key into the fixture's input sets */
  inputs: string;
  labels: number[] | null;
  value: number;
  grads: number[][][];
  mnrl_value?: number;
}
interface LossFixture {
  inputs: Record<string, { columns: string[]; values: number[][][] }>;
  cases: LossCase[];
}
const fixture = readFixture<LossFixture>('losses-unseen.json');
const inputsOf = (c: LossCase) => fixture.inputs[c.inputs]!;

function build(spec: LossSpec): Loss {
  switch (spec.loss) {
    case 'mnrl':
      return mnrl({ scale: spec.scale! });
    case 'cached_mnrl':
      return cachedMnrl({ scale: spec.scale!, miniBatchSize: spec.mini_batch_size! });
    case 'cosent':
      return cosent({ scale: spec.scale! });
    case 'matryoshka':
      // weights left out when the case leaves them out (default: 1 per dim); nDimsPerStep never set
      return matryoshka(build(spec.inner!), { dims: spec.dims!, ...(spec.weights && { weights: spec.weights }) });
  }
}

function valueAndInputGrads(loss: Loss, columns: number[][][], labels: number[] | null) {
  return tf.tidy(() => {
    const inputs = columns.map((c) => tf.tensor2d(c));
    const labelTensor = labels ? tf.tensor1d(labels) : undefined;
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => loss.compute(xs as tf.Tensor2D[], labelTensor))(inputs);
    return { value: value.dataSync()[0]!, grads: grads.map((g) => Array.from(g.dataSync())) };
  });
}

test('losses reference: the committed cases are what losses_reference.py computes', (t) => {
  const missing = pythonMissing(['torch', 'numpy']);
  if (missing) return t.skip(missing);
  const out = runReferenceScript('losses_reference.py');
  try {
    const fresh = JSON.parse(readFileSync(join(out, 'losses-unseen.json'), 'utf8')) as LossFixture;
    assert.deepEqual(fresh.inputs, fixture.inputs);
    fresh.cases.forEach((c, i) => {
      const committed = fixture.cases[i]!;
      assert.deepEqual({ ...c, value: 0, grads: [] }, { ...committed, value: 0, grads: [] }, c.name);
      assert.ok(Math.abs(c.value - committed.value) <= 1e-12 * Math.abs(c.value), `${c.name}: ${c.value} vs ${committed.value}`);
      c.grads.flat(2).forEach((g, j) => assert.ok(Math.abs(g - committed.grads.flat(2)[j]!) <= 1e-12 + 1e-6 * Math.abs(g), `${c.name} grad ${j}`));
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('losses reference: values and input gradients match torch autograd (float32 vs float64 reference)', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  for (const c of fixture.cases) {
    const { columns, values } = inputsOf(c);
    const { value, grads } = valueAndInputGrads(build(c.spec), values, c.labels);
    assert.ok(Math.abs(value - c.value) <= Math.max(1e-5 * Math.abs(c.value), 1e-5), `${c.name}: loss ${value} vs ${c.value}`);
    assert.equal(grads.length, columns.length, `${c.name}: one gradient per column`);
    grads.forEach((g, col) => {
      const expected = c.grads[col]!.flat();
      assert.ok(expected.some((v) => Math.abs(v) > 1e-3), `${c.name} ${columns[col]}: reference gradient is non-trivial`);
      g.forEach((v, j) => {
        const e = expected[j]!;
        assert.ok(Math.abs(v - e) <= 1e-5 + 1e-4 * Math.abs(e), `${c.name} d/d${columns[col]}[${j}]: ${v} vs ${e}`);
      });
    });
  }
  assert.equal(tf.memory().numTensors, before);
});

test('losses reference: CachedMNRL computed in mini-batches has the value of MNRL on the whole batch', async () => {
  await initBackend();
  const c = fixture.cases.find((x) => x.spec.loss === 'cached_mnrl')!;
  assert.ok(Math.abs(c.value - c.mnrl_value!) <= 1e-12, 'upstream: mini-batch shares add up to the plain loss');
  const cached = valueAndInputGrads(build(c.spec), inputsOf(c).values, null);
  const plain = valueAndInputGrads(mnrl({ scale: c.spec.scale! }), inputsOf(c).values, null);
  assert.ok(Math.abs(cached.value - plain.value) <= 1e-6 * plain.value);
  assert.ok(Math.abs(cached.value - c.mnrl_value!) <= 1e-5 * c.mnrl_value!);
});
