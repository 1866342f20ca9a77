/**
 * Training memory, tested rather than benchmarked: a bge-small-shaped random
 * BERT (12 layers × 384, 12 heads, intermediate 1536, the 30,522-token
 * uncased vocabulary) trains a few steps at batch 32 pairs with
 * Matryoshka(CachedMNRL) + AdamW, its GradCache mini-batch chosen from a
 * memory budget. Texts are 8 tokens to keep the test short; the bounds below
 * are for that length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cachedMnrl, matryoshka, mnrl } from '../src/losses';
import { createRandomBert } from '../src/models';
import { AdamW, batchGradients, keptLayersForMemory, miniBatchForMemory } from '../src/train';
import { Random } from '../src/util/random';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const BGE_SMALL = { hidden_size: 384, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 1536 };
const SEQ = 8;
const BATCH = 32;
/** The step's budget: weights, gradients and moments-free AdamW take ~360 MB of it. */
const BUDGET = 360 * 2 ** 20;
/** What the wasm heap may reach: the budget plus allocator overhead. */
const HEAP_BOUND = 512 * 2 ** 20;
const mnrlLoss = mnrl();

function texts(count: number, seed: number): string[] {
  const words = 'revenue income company fiscal year quarter million operating cash flow net sales growth market product'.split(' ');
  const random = new Random(seed);
  return Array.from({ length: count }, () => Array.from({ length: SEQ }, () => words[random.int(words.length)]).join(' '));
}

test('bge-small-shaped training at batch 32: peak memory within the budget, flat tensor count across steps', async (t) => {
  const info = await initBackend();
  const model = createRandomBert(BGE_SMALL, TOKENIZER, { seed: 1, maxSeqLength: SEQ, pooler: false });
  const miniBatchSize = miniBatchForMemory(model, BATCH, { budgetBytes: BUDGET })!;
  assert.ok(miniBatchSize > 1 && miniBatchSize < BATCH, `the budget calls for GradCache mini-batches (got ${miniBatchSize})`);
  const loss = matryoshka(cachedMnrl({ miniBatchSize }), { dims: [384, 256, 128, 64] });
  const optimizer = new AdamW(model.namedWeights(), { weightDecay: 0.01 });
  const tensors: number[] = [];
  let peak = 0;
  for (let step = 0; step < 3; step++) {
    const columns = [texts(BATCH, 2 * step), texts(BATCH, 2 * step + 1)];
    const profile = await tf.profile(async () => {
      const { loss: value, grads } = await batchGradients(model, loss, { columns }, { dropoutSeed: step, memoryBudget: BUDGET });
      assert.ok(Number.isFinite(value));
      optimizer.step(grads, 1e-4);
      tf.dispose([...grads.values()]);
    });
    peak = Math.max(peak, profile.peakBytes);
    tensors.push(tf.memory().numTensors);
  }
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length;
  t.diagnostic(`${info.tfBackend}: mini-batch ${miniBatchSize}, peak tensor memory ${(peak / 2 ** 20).toFixed(0)} MiB, wasm heap ${heap ? (heap / 2 ** 20).toFixed(0) : '—'} MiB`);
  assert.deepEqual(tensors, [tensors[0], tensors[0], tensors[0]], `tensor count per step: ${tensors}`);
  assert.ok(peak <= BUDGET, `peak tensor memory ${(peak / 2 ** 20).toFixed(0)} MiB exceeds the ${BUDGET / 2 ** 20} MiB budget`);
  if (heap !== undefined) assert.ok(heap <= HEAP_BOUND, `wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB exceeds ${HEAP_BOUND / 2 ** 20} MiB`);
  optimizer.dispose();
  model.dispose();
});

test('kept layers follow the memory budget: none at 0, all with room, more with more, and the same loss and gradients', async () => {
  await initBackend();
  const model = createRandomBert(BGE_SMALL, TOKENIZER, { seed: 2, maxSeqLength: SEQ, pooler: false });
  const layers = BGE_SMALL.num_hidden_layers;
  const budgets = [0, ...Array.from({ length: 33 }, (_, i) => BUDGET * (1 + i / 32)), 64 * 2 ** 30];
  const kept = budgets.map((budgetBytes) => keptLayersForMemory(model, { passTexts: BATCH, tapedTexts: 2 * BATCH, budgetBytes }));
  assert.equal(kept[0], 0);
  assert.equal(kept[kept.length - 1], layers);
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i]! >= kept[i - 1]!, `monotone in the budget: ${kept}`);
  assert.ok(kept.some((k) => k > 0 && k < layers), `some budget keeps only part of the layers: ${kept}`);
  assert.equal(keptLayersForMemory(model, { passTexts: BATCH, budgetBytes: Infinity }), layers, 'no limit keeps every layer');
  for (const bad of [NaN, -1, '3GB' as unknown as number]) {
    assert.throws(() => keptLayersForMemory(model, { passTexts: BATCH, budgetBytes: bad }), /memory budget must be a number of bytes ≥ 0, got /);
    assert.throws(() => miniBatchForMemory(model, BATCH, { budgetBytes: bad }), /memory budget must be a number of bytes ≥ 0, got /);
  }
  // the trainer passes the budget's choice to the model, and the result does not depend on it
  const seen: number[] = [];
  const forward = model.forward.bind(model);
  model.forward = (batch, options) => {
    seen.push(options?.keptLayers ?? 0);
    return forward(batch, options);
  };
  const columns = [texts(8, 1), texts(8, 2)];
  const runs = [];
  for (const memoryBudget of [0, 64 * 2 ** 30]) {
    const { loss, grads } = await batchGradients(model, mnrlLoss, { columns }, { dropoutSeed: 3, memoryBudget });
    runs.push({ loss, grads: new Map([...grads].map(([name, g]) => [name, g.dataSync() as Float32Array])) });
    tf.dispose([...grads.values()]);
  }
  assert.deepEqual(seen, [0, 0, layers, layers], 'keptLayers per forward pass (two columns per batch)');
  assert.ok(Math.abs(runs[0]!.loss - runs[1]!.loss) <= 1e-5 * Math.abs(runs[0]!.loss), `loss ${runs[1]!.loss} vs ${runs[0]!.loss}`);
  for (const [name, a] of runs[0]!.grads) {
    const b = runs[1]!.grads.get(name)!;
    const scale = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6 + 1e-4 * scale, `${name}[${i}]: ${b[i]} vs ${a[i]}`);
  }
  model.dispose();
});
