/**
 * The forward pass is trainable: dropout behaves, gradients reach every
 * weight (embedding tables included, on wasm and cpu) and agree with finite
 * differences. The cpu run is models-training-cpu.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { createRandomBert, createStaticModel, type SentenceTransformer } from '../src/models';
import { dropout, dropoutMask, geluErf } from '../src/models/ops';
import { Random } from '../src/util/random';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
const TINY = { hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 };
const TEXTS = ['the quick brown fox', 'hello world', 'a b', 'the fox and the dog'];

function weightsR(rows: number, cols: number, seed: number): tf.Tensor2D {
  const random = new Random(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => random.normal()), [rows, cols]);
}

/** loss = Σ R ⊙ forward(texts) — a fixed random projection, so every output matters. */
function lossOf(model: SentenceTransformer, r: tf.Tensor2D, training: boolean): () => tf.Scalar {
  const batch = model.tokenize(TEXTS);
  return () => tf.tidy(() => tf.sum(tf.mul(model.forward(batch, { training }), r)));
}

test('training forward: dropout rate 0 is exact; dropout > 0 changes outputs, reproducibly per seed', async (t) => {
  const info = await initBackend();
  t.diagnostic(`tfjs backend: ${info.tfBackend}`);
  const noDropout = createRandomBert({ ...TINY, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, GOLDEN, { seed: 2 });
  const batch = noDropout.tokenize(TEXTS);
  const [a, b] = [noDropout.forward(batch), noDropout.forward(batch, { training: true })];
  assert.deepEqual(await b.data(), await a.data());
  tf.dispose([a, b]);

  const withDropout = createRandomBert(TINY, GOLDEN, { seed: 2 });
  const inference = await withDropout.forward(batch).data();
  withDropout.seedDropout(11);
  const first = await withDropout.forward(batch, { training: true }).data();
  withDropout.seedDropout(11);
  const again = await withDropout.forward(batch, { training: true }).data();
  assert.notDeepEqual(first, inference);
  assert.deepEqual(again, first);
  noDropout.dispose();
  withDropout.dispose();
});

test('BERT gradients reach every named weight and match finite differences', async () => {
  await initBackend();
  const model = createRandomBert({ ...TINY, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, GOLDEN, { seed: 3 });
  const r = weightsR(TEXTS.length, 16, 9);
  const f = lossOf(model, r, true);
  const weights = model.namedWeights();
  const before = tf.memory().numTensors;
  const probe = tf.variableGrads(f, [...weights.values()]);
  tf.dispose([probe.value, ...Object.values(probe.grads)]);
  assert.equal(tf.memory().numTensors, before, 'a gradient computation leaks no tensors');
  const { value, grads } = tf.variableGrads(f, [...weights.values()]);
  value.dispose();
  const byName = new Map([...weights].map(([name, v]) => [name, grads[v.name]!]));
  assert.equal(byName.size, weights.size);
  for (const [name, g] of byName) {
    if (name.startsWith('pooler.')) continue; // not used by mean pooling
    assert.ok(g, name);
    const values = await g.data();
    assert.ok(values.every(Number.isFinite), `${name} finite`);
    assert.ok(values.some((v) => v !== 0), `${name} non-zero`);
  }
  // word embeddings: only rows of tokens in the batch get a gradient
  const used = new Set(model.tokenize(TEXTS).inputIds);
  const wordGrad = (await byName.get('embeddings.word_embeddings.weight')!.array()) as number[][];
  wordGrad.forEach((row, id) => {
    if (!used.has(id)) assert.ok(row.every((v) => v === 0), `unused row ${id} has no gradient`);
    else if (id !== 0) assert.ok(row.some((v) => v !== 0), `used row ${id} has a gradient`);
  });

  const probes: [string, number][] = [
    ['embeddings.word_embeddings.weight', 1996 * 16 + 3], // "the", used twice
    ['embeddings.position_embeddings.weight', 2 * 16 + 5],
    ['encoder.layer.0.attention.self.query.weight', 17],
    ['encoder.layer.1.attention.self.key.bias', 4],
    ['encoder.layer.1.intermediate.dense.weight', 100],
    ['encoder.layer.0.output.LayerNorm.weight', 7],
  ];
  for (const [name, index] of probes) {
    const variable = weights.get(name)!;
    const original = (await variable.data()).slice();
    const at = async (delta: number) => {
      const changed = original.slice();
      changed[index] = original[index]! + delta;
      tf.tidy(() => variable.assign(tf.tensor(changed, variable.shape)));
      const loss = f();
      const value = (await loss.data())[0]!;
      loss.dispose();
      return value;
    };
    const eps = 1e-2;
    const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
    tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
    const analytic = (await byName.get(name)!.data())[index]!;
    assert.ok(Math.abs(numeric - analytic) <= 1e-3 + 2e-2 * Math.abs(analytic), `${name}[${index}]: finite difference ${numeric} vs gradient ${analytic}`);
  }
  tf.dispose(Object.values(grads));
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('StaticEmbedding: the table gradient is the exact bag-mean gradient; an SGD step lowers the loss', async () => {
  await initBackend();
  const model = createStaticModel(GOLDEN, { dim: 4, seed: 4, normalize: false });
  const r = weightsR(TEXTS.length, 4, 10);
  const f = lossOf(model, r, true);
  const table = model.namedWeights().get('embedding.weight')!;
  const { value, grads } = tf.variableGrads(f, [table]);
  const grad = await grads[table.name]!.array() as number[][];
  // d loss / d E[id] = Σ_b (occurrences of id in text b / tokens in b) · R_b
  const expected = new Map<number, number[]>();
  const rows = (await r.array()) as number[][];
  TEXTS.forEach((text, b) => {
    const ids = model.tokenizer.encode(text).ids;
    for (const id of ids) {
      const acc = expected.get(id) ?? [0, 0, 0, 0];
      rows[b]!.forEach((v, k) => (acc[k]! += v / ids.length));
      expected.set(id, acc);
    }
  });
  grad.forEach((row, id) => {
    const e = expected.get(id) ?? [0, 0, 0, 0];
    row.forEach((v, k) => assert.ok(Math.abs(v - e[k]!) < 1e-6, `row ${id}`));
  });
  const optimizer = tf.train.sgd(0.5);
  optimizer.applyGradients(grads);
  const after = f();
  assert.ok((await after.data())[0]! < (await value.data())[0]!);
  tf.dispose([value, after, ...Object.values(grads)]);
  optimizer.dispose();
  model.dispose();
});

test('dropout mask: rate kept per element, only 0 or 1/(1−rate), the same per seed on every backend, unrelated between seeds', async () => {
  const n = 200_000;
  for (const rate of [0.1, 0.5]) {
    const mask = new Float32Array(n);
    dropoutMask(mask, rate, 12345);
    const scale = Math.fround(1 / (1 - rate));
    const dropped = mask.filter((m) => m === 0).length;
    assert.equal(mask.filter((m) => m !== 0 && m !== scale).length, 0, 'only 0 or the scale');
    // binomial: 5 standard deviations
    assert.ok(Math.abs(dropped / n - rate) < 5 * Math.sqrt((rate * (1 - rate)) / n), `rate ${rate}: dropped ${dropped / n}`);
    const again = new Float32Array(n);
    dropoutMask(again, rate, 12345);
    assert.deepEqual(again, mask, 'same seed, same mask');
    // another seed: agreement at chance level, also for the other mask shifted by up to 64 positions
    const other = new Float32Array(n + 64);
    dropoutMask(other, rate, 12346);
    const chance = rate * rate + (1 - rate) * (1 - rate);
    for (let shift = 0; shift <= 64; shift++) {
      let same = 0;
      for (let i = 0; i < n; i++) if ((mask[i] === 0) === (other[i + shift] === 0)) same++;
      assert.ok(Math.abs(same / n - chance) < 0.01, `seeds 12345 and 12346 (shift ${shift}) agree on ${same / n}, chance ${chance}`);
    }
  }
  // the op: same output on wasm and cpu for the same seed, and its gradient is the mask
  const previous = tf.getBackend();
  const outputs: Float32Array[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    const input = tf.ones([64, 33]);
    const [out, grad] = tf.tidy(() => {
      const seeds = new Random(9);
      const y = dropout(input, 0.25, true, seeds);
      const g = tf.grad((t: tf.Tensor) => tf.sum(dropout(t, 0.25, true, new Random(9))))(input);
      return [y, g];
    });
    outputs.push(out.dataSync() as Float32Array);
    assert.deepEqual(grad.dataSync(), out.dataSync(), `${backend}: the gradient of Σ dropout(1) is the mask`);
    tf.dispose([input, out, grad]);
  }
  assert.deepEqual(outputs[0], outputs[1], 'wasm and cpu draw the same mask');
  await tf.setBackend(previous);
});

test('exact GELU: value and gradient match the float64 formulas 0.5·x·(1 + erf(x/√2)) and Φ(x) + x·φ(x) on wasm and cpu', async () => {
  // float64 erf: Taylor series below 3, erfc's continued fraction above
  const erf = (x: number): number => {
    const z = Math.abs(x);
    let result: number;
    if (z < 3) {
      let term = z, sum = z;
      for (let n = 1; n < 200; n++) {
        term *= (-z * z) / n;
        sum += term / (2 * n + 1);
      }
      result = (2 / Math.sqrt(Math.PI)) * sum;
    } else {
      // erfc continued fraction (Lentz), converges fast for z ≥ 3
      let f = z, c = z, d = 0;
      for (let n = 1; n < 200; n++) {
        const a = n / 2;
        d = z + a * d;
        d = 1 / d;
        c = z + a / c;
        f *= c * d;
      }
      result = 1 - Math.exp(-z * z) / (f * Math.sqrt(Math.PI));
    }
    return x < 0 ? -result : result;
  };
  const xs = Array.from({ length: 241 }, (_, i) => -12 + i * 0.1);
  const previous = tf.getBackend();
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend);
    const x = tf.tensor1d(xs);
    const value = tf.tidy(() => geluErf(x)).dataSync();
    const grad = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(geluErf(t)))(x)).dataSync();
    xs.forEach((v, i) => {
      const cdf = 0.5 * (1 + erf(v / Math.SQRT2));
      const pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
      assert.ok(Math.abs(value[i]! - v * cdf) <= 1e-6 * (1 + Math.abs(v)), `${backend} gelu(${v}) = ${value[i]} vs ${v * cdf}`);
      assert.ok(Math.abs(grad[i]! - (cdf + v * pdf)) <= 1e-6, `${backend} gelu'(${v}) = ${grad[i]} vs ${cdf + v * pdf}`);
    });
    x.dispose();
  }
  await tf.setBackend(previous);
});
