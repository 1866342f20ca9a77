/**
 * Inference memory does not grow with depth: each layer runs in its own
 * tidy, so a forward pass holds one layer's intermediates at a time. Without
 * that, a 12-layer model at batch 32 outgrows the 4 GiB wasm heap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { createRandomBert } from '../src/models';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
const TEXTS = Array.from({ length: 8 }, (_, i) => `text ${i} ` + 'with several words '.repeat(10));

async function peakBytes(layers: number): Promise<number> {
  const config = { hidden_size: 32, num_hidden_layers: layers, num_attention_heads: 4, intermediate_size: 128, max_position_embeddings: 128 };
  const model = createRandomBert(config, GOLDEN, { seed: 1, pooler: false });
  const batch = model.tokenize(TEXTS);
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => model.forward(batch));
  info.result instanceof tf.Tensor && info.result.dispose();
  assert.equal(tf.memory().numTensors, before, 'forward leaks tensors');
  model.dispose();
  return info.peakBytes - info.newBytes;
}

test('inference peak memory is flat in the number of layers', async () => {
  await initBackend();
  const two = await peakBytes(2);
  const eight = await peakBytes(8);
  // the weights are allocated before profiling; what grows is activations
  assert.ok(eight < two * 1.3, `peak for 8 layers (${eight} B) should stay near 2 layers' (${two} B)`);
});
