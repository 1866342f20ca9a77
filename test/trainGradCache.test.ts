import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cachedMnrl, matryoshka, mnrl, type Loss } from '../src/losses';
import { batchGradients, dropoutSeedFor, makeBatch } from '../src/train/step';
import { ToyEmbedder, toyRows } from './finetuneFixtures';

async function gradsOf(model: ToyEmbedder, loss: Loss, size: number, negatives = 0) {
  const rows = toyRows(size, 4).map((r, i) => ({ ...r, negatives: negatives ? [`unrelated text number ${i} w${i % 17}`] : [] }));
  const batch = makeBatch(rows, rows.map((_, i) => i), negatives, loss.requires);
  const { loss: value, grads } = await batchGradients(model, loss, batch);
  const out = new Map([...grads].map(([n, g]) => [n, Array.from(g.dataSync())]));
  tf.dispose([...grads.values()]);
  return { value, grads: out };
}

function assertGradsEqual(a: Map<string, number[]>, b: Map<string, number[]>, label: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${label}: same weights get gradients`);
  for (const [name, ga] of a) {
    const gb = b.get(name)!;
    const scale = gb.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    assert.ok(scale > 0, `${label}: ${name} has a gradient`);
    ga.forEach((x, i) => assert.ok(Math.abs(x - gb[i]!) <= 1e-5 + 1e-4 * scale, `${label}: ${name}[${i}] ${x} vs ${gb[i]}`));
  }
}

test('CachedMNRL (GradCache) gives the same loss and weight gradients as MNRL on the same batch', async () => {
  await initBackend();
  const model = new ToyEmbedder({ seed: 3 });
  const before = tf.memory().numTensors;
  for (const negatives of [0, 1]) {
    const plain = await gradsOf(model, mnrl(), 24, negatives);
    for (const miniBatchSize of [5, 8]) {
      const cached = await gradsOf(model, cachedMnrl({ miniBatchSize }), 24, negatives);
      assert.ok(Math.abs(cached.value - plain.value) < 1e-5 * Math.max(1, plain.value), `loss ${cached.value} vs ${plain.value}`);
      assertGradsEqual(cached.grads, plain.grads, `mini-batch ${miniBatchSize}, ${negatives} negatives`);
    }
  }
  // Matryoshka around the cached loss differentiates the whole weighted sum
  const dims = { dims: [16, 8, 4], weights: [1, 0.5, 0.25] };
  const plainM = await gradsOf(model, matryoshka(mnrl(), dims), 24);
  const cachedM = await gradsOf(model, matryoshka(cachedMnrl({ miniBatchSize: 7 }), dims), 24);
  assert.ok(Math.abs(cachedM.value - plainM.value) < 1e-5 * plainM.value);
  assertGradsEqual(cachedM.grads, plainM.grads, 'Matryoshka(CachedMNRL)');
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  model.dispose();
});

test('CachedMNRL: peak tensor memory stays flat as the batch grows (fixed mini-batch); plain MNRL grows', async () => {
  await initBackend();
  // wide bag-of-words input: activations per row (~16 KB) dominate
  const model = new ToyEmbedder({ vocab: 4096, hidden: 64, dimension: 16, seed: 2 });
  const peak = async (loss: Loss, size: number) => {
    const rows = toyRows(size, 9);
    const batch = makeBatch(rows, rows.map((_, i) => i), 0, loss.requires);
    const base = tf.memory().numBytes;
    const profile = await tf.profile(async () => {
      const { grads } = await batchGradients(model, loss, batch);
      tf.dispose([...grads.values()]);
    });
    return profile.peakBytes - base;
  };
  const plainSmall = await peak(mnrl(), 32);
  const plainLarge = await peak(mnrl(), 256);
  const cachedSmall = await peak(cachedMnrl({ miniBatchSize: 16 }), 32);
  const cachedLarge = await peak(cachedMnrl({ miniBatchSize: 16 }), 256);
  const perRow = 4096 * 4; // the bag-of-words row alone
  assert.ok(plainLarge - plainSmall > 224 * perRow * 1.5, `plain MNRL grows with the batch: ${plainSmall} → ${plainLarge} bytes`);
  // cached: only the B×d embeddings, their gradients and per-row bookkeeping grow (≪ one activation row each)
  assert.ok(cachedLarge - cachedSmall < 224 * perRow * 0.1, `GradCache stays flat: ${cachedSmall} → ${cachedLarge} bytes`);
  assert.ok(cachedLarge < plainLarge / 2, `GradCache peak ${cachedLarge} well below plain ${plainLarge}`);
  model.dispose();
});

test('GradCache with dropout: both passes use the same masks, so the gradient is exact for those masks', async () => {
  await initBackend();
  const model = new ToyEmbedder({ seed: 6, dropout: 0.3 });
  const rows = toyRows(20, 8);
  const loss = cachedMnrl({ miniBatchSize: 6 });
  const batch = makeBatch(rows, rows.map((_, i) => i), 0, loss.requires);
  const seed = 12345;
  const { loss: value, grads } = await batchGradients(model, loss, batch, { dropoutSeed: seed });
  // reference: one taped pass over the same chunks with the same per-chunk seeds
  const trainable = [...model.namedWeights()];
  const reference = tf.variableGrads(() => {
    const embeddings = batch.columns.map((texts, c) => {
      const parts: tf.Tensor2D[] = [];
      for (let k = 0, s = 0; s < texts.length; k++, s += 6) {
        model.seedDropout(dropoutSeedFor(seed, c, k));
        parts.push(model.forward(model.tokenize(texts.slice(s, s + 6)), { training: true }));
      }
      return tf.concat(parts, 0) as tf.Tensor2D;
    });
    return mnrl().compute(embeddings);
  }, trainable.map(([, v]) => v));
  const refValue = reference.value.dataSync()[0]!;
  assert.ok(Math.abs(value - refValue) < 1e-5 * refValue, `loss ${value} vs ${refValue}`);
  const refGrads = new Map(trainable.map(([n, v]) => [n, Array.from(reference.grads[v.name]!.dataSync())]));
  assertGradsEqual(new Map([...grads].map(([n, g]) => [n, Array.from(g.dataSync())])), refGrads, 'dropout');
  // without seeding, the second pass draws other masks and the gradient differs
  const unseeded = await batchGradients(model, loss, batch);
  const differs = [...unseeded.grads].some(([n, g]) => Array.from(g.dataSync()).some((x, i) => Math.abs(x - refGrads.get(n)![i]!) > 1e-3));
  assert.ok(differs, 'the test would notice mismatched masks');
  tf.dispose([...grads.values(), ...unseeded.grads.values(), reference.value, ...Object.values(reference.grads)]);
  model.dispose();
});
