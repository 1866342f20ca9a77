/**
 * ModernBERT trains like BERT: seeded dropout (embedding, attention, MLP),
 * gradients that reach every weight under every loss, GradCache equal to
 * plain MNRL, and a stopped-and-resumed run equal to an uninterrupted one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cachedMnrl, cosent, distillKL, matryoshka, mnrl, type Loss } from '../src/losses';
import { createRandomModernBert, createRandomTransformer, loadModelFolder } from '../src/models';
import { finetune } from '../src/train/finetune';
import { batchGradients } from '../src/train/step';
import type { TrainingRow } from '../src/data/types';
import { makeBatch } from '../src/train/step';
import { toyRows } from './finetuneFixtures';
import { REPO } from './referenceFixtures';

const TOKENIZER = join(REPO, 'test/fixtures/modernbert-tokenizer');
const CONFIG = {
  hidden_size: 24,
  num_hidden_layers: 3,
  num_attention_heads: 3,
  intermediate_size: 20,
  global_attn_every_n_layers: 2,
  local_attention: 4,
  max_position_embeddings: 64,
  embedding_dropout: 0.1,
  attention_dropout: 0.1,
  mlp_dropout: 0.1,
};
const NO_DROPOUT = { embedding_dropout: 0, attention_dropout: 0, mlp_dropout: 0 };
const modernBert = (seed: number, extra: Record<string, unknown> = {}) => createRandomModernBert({ ...CONFIG, ...extra }, TOKENIZER, { seed, maxSeqLength: 24 });
const snapshot = (model: ReturnType<typeof modernBert>) => Object.fromEntries([...model.namedWeights()].map(([n, v]) => [n, Array.from(v.dataSync())]));
const TEXTS = ['What was the total revenue reported for fiscal year 2023?', 'a', 'Café résumé naïve', 'The company repurchased 10 million shares.'];

test('modernbert training forward: dropout rate 0 is exact; dropout > 0 changes outputs, reproducibly per seed', async () => {
  await initBackend();
  const noDropout = modernBert(2, NO_DROPOUT);
  const batch = noDropout.tokenize(TEXTS);
  const [a, b] = [noDropout.forward(batch), noDropout.forward(batch, { training: true })];
  assert.deepEqual(await b.data(), await a.data());
  tf.dispose([a, b]);

  for (const rate of ['embedding_dropout', 'attention_dropout', 'mlp_dropout']) {
    const model = modernBert(2, { ...NO_DROPOUT, [rate]: 0.2 });
    const inference = model.forward(batch);
    model.seedDropout(11);
    const first = model.forward(batch, { training: true });
    model.seedDropout(11);
    const again = model.forward(batch, { training: true });
    assert.notDeepEqual(await first.data(), await inference.data(), `${rate} changes the training forward`);
    assert.deepEqual(await again.data(), await first.data(), `${rate} masks repeat for the same seed`);
    tf.dispose([inference, first, again]);
    model.dispose();
  }
  noDropout.dispose();
});

test('modernbert: every loss gives finite gradients for every weight (dropout on, seeded)', async () => {
  await initBackend();
  const base = toyRows(6, 3);
  const scored: TrainingRow[] = base.map((r, i) => ({ ...r, score: i % 2 ? 0.9 : 0.1 }));
  const withTeacher: TrainingRow[] = base.map((r, i) => ({ ...r, negatives: [base[(i + 1) % base.length]!.positive], teacherScores: [0.9, 0.2] }));
  const cases: [string, Loss, TrainingRow[]][] = [
    ['MNRL', mnrl(), base],
    ['CachedMNRL', cachedMnrl({ miniBatchSize: 4 }), base],
    ['Matryoshka(MNRL)', matryoshka(mnrl(), { dims: [24, 12, 6] }), base],
    ['CoSENT', cosent(), scored],
    ['DistillKL', distillKL(), withTeacher],
  ];
  const model = modernBert(4);
  const names = [...model.namedWeights().keys()];
  const before = tf.memory().numTensors;
  for (const [what, loss, rows] of cases) {
    const { loss: value, grads } = await batchGradients(model, loss, makeBatch(rows, rows.map((_, i) => i), 0, loss.requires), { training: true, dropoutSeed: 7 });
    assert.ok(Number.isFinite(value) && value > 0, `${what}: loss ${value}`);
    assert.deepEqual([...grads.keys()].sort(), [...names].sort(), `${what}: a gradient for every weight`);
    for (const [name, g] of grads) {
      const values = await g.data();
      assert.ok(values.every(Number.isFinite), `${what} ${name}: finite`);
      assert.ok(values.some((v) => v !== 0), `${what} ${name}: non-zero`);
    }
    tf.dispose([...grads.values()]);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  model.dispose();
});

test('modernbert: GradCache gradients equal plain MNRL gradients', async () => {
  await initBackend();
  const model = modernBert(1);
  const rows = toyRows(10, 3);
  const grads = async (loss: ReturnType<typeof mnrl>) => {
    const r = await batchGradients(model, loss, makeBatch(rows, rows.map((_, i) => i), 0, loss.requires), { training: false });
    const out = new Map([...r.grads].map(([n, g]) => [n, Array.from(g.dataSync())]));
    tf.dispose([...r.grads.values()]);
    return { value: r.loss, out };
  };
  const plain = await grads(mnrl());
  const cached = await grads(cachedMnrl({ miniBatchSize: 3 }));
  assert.ok(Math.abs(plain.value - cached.value) < 1e-5 * plain.value, `${plain.value} vs ${cached.value}`);
  for (const [name, g] of plain.out) {
    const c = cached.out.get(name)!;
    const scale = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    g.forEach((x, i) => assert.ok(Math.abs(x - c[i]!) <= 1e-6 + 1e-3 * scale, `${name}[${i}]: ${x} vs ${c[i]}`));
  }
  model.dispose();
});

test('modernbert with dropout: a stopped and resumed run ends with the same weights as an uninterrupted one; the result reloads', async () => {
  await initBackend();
  const rows = toyRows(32, 4);
  const options = { epochs: 1, batchSize: 8, lr: 1e-3, scheduler: 'linear' as const, seed: 5 };
  const fullDir = mkdtempSync(join(tmpdir(), 'embedlab-modernbert-'));
  const full = modernBert(2);
  await finetune(full, rows, { ...options, outputDir: fullDir });

  const dir = mkdtempSync(join(tmpdir(), 'embedlab-modernbert-'));
  const controller = new AbortController();
  const first = modernBert(2);
  const stopped = await finetune(first, rows, { ...options, outputDir: dir, signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() });
  assert.equal(stopped.globalStep, 2);
  assert.ok(existsSync(join(dir, 'checkpoint-2', 'model.safetensors')));
  first.dispose();

  const resumed = modernBert(99);
  await finetune(resumed, rows, { ...options, outputDir: dir, resume: true });
  assert.deepEqual(snapshot(resumed), snapshot(full));
  const untrained = modernBert(2);
  assert.notDeepEqual(snapshot(full), snapshot(untrained), 'training changed the weights');
  // the final folder loads as the trained model
  const reloaded = loadModelFolder(fullDir);
  assert.deepEqual((await reloaded.encode(TEXTS)).data, (await full.encode(TEXTS)).data);
  for (const m of [full, resumed, untrained, reloaded]) m.dispose();
  rmSync(dir, { recursive: true, force: true });
  rmSync(fullDir, { recursive: true, force: true });
});

test('modernbert through the architecture registry: createRandomTransformer by model_type, norms start at 1; unknown types list it', async () => {
  await initBackend();
  const model = createRandomTransformer({ model_type: 'modernbert', ...CONFIG, ...NO_DROPOUT }, TOKENIZER, { seed: 1, maxSeqLength: 24 });
  const weights = model.namedWeights();
  assert.ok(weights.has('layers.1.attn_norm.weight') && !weights.has('layers.0.attn_norm.weight'));
  for (const name of ['embeddings.norm.weight', 'layers.1.attn_norm.weight', 'layers.2.mlp_norm.weight', 'final_norm.weight']) {
    assert.ok(weights.get(name)!.dataSync().every((v) => v === 1), name);
  }
  const out = model.forward(model.tokenize(TEXTS));
  assert.ok((await out.data()).every(Number.isFinite));
  out.dispose();
  model.dispose();
  assert.throws(() => createRandomTransformer({ model_type: 'gpt2' }, TOKENIZER, { seed: 1 }), /"modernbert" \(gte-modernbert-base, modernbert-embed-base\)/);
});
