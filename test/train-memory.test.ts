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
import { cachedMnrl, matryoshka } from '../src/losses';
import { createRandomBert } from '../src/models';
import { AdamW, batchGradients, miniBatchForMemory } from '../src/train';
import { Random } from '../src/util/random';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const BGE_SMALL = { hidden_size: 384, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 1536 };
const SEQ = 8;
const BATCH = 32;
/** The step's budget: weights, gradients and moments-free AdamW take ~360 MB of it. */
const BUDGET = 360 * 2 ** 20;
/** What the wasm heap may reach: the budget plus allocator overhead. */
const HEAP_BOUND = 512 * 2 ** 20;

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
      const { loss: value, grads } = await batchGradients(model, loss, { columns }, { dropoutSeed: step });
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
