/**
 * Per-layer activation recomputation: the backward pass re-runs each layer
 * instead of keeping its intermediates. Values and gradients must be those
 * of the plain taped forward (dropout masks replayed), with far less memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { createRandomBert } from '../src/models';
import type { BertEncoder } from '../src/models/bert/bertEncoder';
import type { BertTransformer } from '../src/models/transformerModule';
import { Random } from '../src/util/random';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
const CONFIG = { hidden_size: 32, num_hidden_layers: 3, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 64 };
const TEXTS = ['the quick brown fox jumps over the lazy dog', 'hello world', 'a b c', 'the fox and the dog sat on a mat together'];

function encoderOf(seed: number, dropout: number) {
  const model = createRandomBert({ ...CONFIG, hidden_dropout_prob: dropout, attention_probs_dropout_prob: dropout }, GOLDEN, { seed, pooler: false });
  return { model, encoder: (model.input as BertTransformer).encoder as BertEncoder, batch: model.tokenize(TEXTS) };
}

test('recomputed layers give the same outputs and weight gradients as kept activations (dropout on)', async () => {
  await initBackend();
  const { model, encoder, batch } = encoderOf(5, 0.2);
  const random = new Random(3);
  const r = tf.tensor3d(Float32Array.from({ length: TEXTS.length * batch.seqLength * 32 }, () => random.normal()), [TEXTS.length, batch.seqLength, 32]);
  const weights = [...encoder.variables.values()];
  const layers = encoder.config.numHiddenLayers;
  const run = (keptLayers: number) => {
    encoder.seedDropout(17);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.forward(batch, { training: true, keptLayers }).lastHiddenState, r)) as tf.Scalar, weights);
    const out = { value: value.dataSync()[0]!, grads: new Map(weights.map((w) => [w.name, grads[w.name]!.dataSync() as Float32Array])) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const before = tf.memory().numTensors;
  const kept = run(layers);
  assert.ok(layers >= 2, 'a mixed case exists');
  for (const keptLayers of [0, 1]) {
    const recomputed = run(keptLayers);
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    assert.ok(Math.abs(kept.value - recomputed.value) <= 1e-5 * Math.abs(kept.value), `loss ${recomputed.value} vs ${kept.value} (${keptLayers} kept)`);
    for (const w of weights) {
      const a = kept.grads.get(w.name)!;
      const b = recomputed.grads.get(w.name)!;
      const scale = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      assert.ok(scale > 0, `${w.name} gets a gradient`);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6 + 1e-5 * scale, `${w.name}[${i}]: ${b[i]} vs ${a[i]} (${keptLayers} kept)`);
    }
  }
  // the masks really are on (a different seed changes the loss)
  encoder.seedDropout(18);
  const other = tf.tidy(() => tf.sum(tf.mul(encoder.forward(batch, { training: true }).lastHiddenState, r)).dataSync()[0]!);
  assert.ok(Math.abs(other - kept.value) > 1e-3, 'dropout is on');
  r.dispose();
  model.dispose();
});

test('recomputed layers keep far less taped memory than kept activations', async () => {
  await initBackend();
  const long = Array.from({ length: 16 }, (_, i) => `text ${i} ` + 'with several more words '.repeat(10));
  const peak = async (keptLayers: number) => {
    const { model, encoder } = encoderOf(2, 0.1);
    const batch = model.tokenize(long);
    const weights = [...encoder.variables.values()];
    const base = tf.memory().numBytes;
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(encoder.forward(batch, { training: true, keptLayers }).lastHiddenState) as tf.Scalar, weights);
      tf.dispose([value, ...Object.values(grads)]);
    });
    model.dispose();
    return info.peakBytes - base;
  };
  const kept = await peak(CONFIG.num_hidden_layers);
  const recomputed = await peak(0);
  // kept: ~20 activations of [16, 50, 32] per layer and the [16, 4, 50, 50] attention maps; recomputed: the
  // layer inputs, one layer's intermediates and the (vocab-sized) embedding gradient
  assert.ok(recomputed < kept * 0.5, `peak with recomputation ${recomputed} B vs ${kept} B kept`);
});
