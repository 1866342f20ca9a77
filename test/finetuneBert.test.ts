import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { cachedMnrl, mnrl } from '../src/losses';
import { createRandomBert } from '../src/models';
import { finetune } from '../src/train/finetune';
import { batchGradients, makeBatch } from '../src/train/step';
import { toyRows } from './finetuneFixtures';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const CONFIG = {
  hidden_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 64,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};
const bert = (seed: number) => createRandomBert(CONFIG, TOKENIZER, { seed, maxSeqLength: 24, pooler: false });
const snapshot = (model: ReturnType<typeof bert>) =>
  Object.fromEntries([...model.namedWeights()].map(([n, v]) => [n, Array.from(v.dataSync())]));

test('BERT: GradCache gradients equal plain MNRL gradients for a real transformer', async () => {
  await initBackend();
  const model = bert(1);
  const rows = toyRows(10, 3);
  const grads = async (loss: ReturnType<typeof mnrl>) => {
    const r = await batchGradients(model, loss, makeBatch(rows, rows.map((_, i) => i), 0, loss.requires), { training: false });
    const out = new Map([...r.grads].map(([n, g]) => [n, Array.from(g.dataSync())]));
    tf.dispose([...r.grads.values()]);
    return { value: r.loss, out };
  };
  const plain = await grads(mnrl());
  const cached = await grads(cachedMnrl({ miniBatchSize: 3 }));
  assert.ok(Math.abs(plain.value - cached.value) < 1e-5 * plain.value);
  assert.ok(plain.out.size >= 16, `every encoder weight gets a gradient (${plain.out.size})`);
  for (const [name, g] of plain.out) {
    const c = cached.out.get(name)!;
    const scale = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    g.forEach((x, i) => assert.ok(Math.abs(x - c[i]!) <= 1e-6 + 1e-3 * scale, `${name}[${i}]: ${x} vs ${c[i]}`));
  }
  model.dispose();
});

test('BERT with dropout: a stopped and resumed run ends with the same weights as an uninterrupted one', async () => {
  await initBackend();
  const rows = toyRows(32, 4);
  const options = { epochs: 1, batchSize: 8, lr: 1e-3, scheduler: 'linear' as const, seed: 5 };
  const full = bert(2);
  await finetune(full, rows, { ...options, outputDir: mkdtempSync(join(tmpdir(), 'embedlab-bert-')) });

  const dir = mkdtempSync(join(tmpdir(), 'embedlab-bert-'));
  const controller = new AbortController();
  const first = bert(2);
  const stopped = await finetune(first, rows, {
    ...options,
    outputDir: dir,
    signal: controller.signal,
    onProgress: (p) => p.step === 2 && controller.abort(),
  });
  assert.equal(stopped.globalStep, 2);
  // a loadable model folder, plus the weights as held in memory for resuming
  assert.ok(existsSync(join(dir, 'checkpoint-2', 'model.safetensors')));
  assert.ok(existsSync(join(dir, 'checkpoint-2', 'modules.json')));
  assert.ok(existsSync(join(dir, 'checkpoint-2', 'trainer_weights.safetensors')));
  first.dispose();

  const resumed = bert(99);
  await finetune(resumed, rows, { ...options, outputDir: dir, resume: true });
  assert.deepEqual(snapshot(resumed), snapshot(full));
  assert.notDeepEqual(snapshot(full), snapshot(bert(2)), 'training changed the weights');
  full.dispose();
  resumed.dispose();
});
