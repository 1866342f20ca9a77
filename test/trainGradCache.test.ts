import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cachedMnrl, matryoshka, mnrl, type Loss } from '../src/losses';
import { batchGradients } from '../src/train/gradients';
import { makeBatch } from '../src/train/rows';
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
    const scale = Math.max(...gb.map(Math.abs));
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
