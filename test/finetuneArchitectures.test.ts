/**
 * Training works for XLM-RoBERTa, DistilBERT and MPNet as for BERT: every
 * loss gives finite gradients reaching every encoder weight, GradCache equals
 * plain MNRL, dropout masks follow the seed, and a stopped run resumed from
 * its checkpoint ends with the weights of an uninterrupted one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { cachedMnrl, cosent, distillKL, matryoshka, mnrl, type Loss } from '../src/losses';
import { createRandomTransformer, type SentenceTransformer } from '../src/models';
import { wordpieceTokenizerJson } from '../src/tokenizer';
import { finetune } from '../src/train/finetune';
import { batchGradients, makeBatch } from '../src/train/step';
import { Random } from '../src/util/random';
import { REPO, SHARED } from './referenceFixtures';

const work = mkdtempSync(join(tmpdir(), 'embedlab-arch-train-'));
after(() => rmSync(work, { recursive: true, force: true }));
const MINILM = join(SHARED, 'models/all-MiniLM-L6-v2-config-and-tokenizer');

/** An all-mpnet-base-v2-layout tokenizer folder over the bert-base-uncased vocab. */
function mpnetTokenizerDir(): string {
  const dir = join(work, 'mpnet-tokenizer');
  mkdirSync(dir, { recursive: true });
  const bert = readFileSync(join(MINILM, 'vocab.txt'), 'utf8').split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
  const config = { cls_token: '<s>', sep_token: '</s>', pad_token: '<pad>', mask_token: '<mask>', unk_token: '[UNK]', do_lower_case: true, model_max_length: 512 };
  const vocab = ['<s>', '<pad>', '</s>', '<unk>', ...bert, '<mask>'].join('\n') + '\n';
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(wordpieceTokenizerJson(vocab, config)));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return dir;
}

const dropout = { hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 };
const ARCHS: Record<string, { config: Record<string, unknown>; tokenizer: () => string }> = {
  'xlm-roberta': {
    config: { model_type: 'xlm-roberta', hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 40, type_vocab_size: 1, layer_norm_eps: 1e-5, ...dropout },
    tokenizer: () => join(REPO, 'test/fixtures/tokenizers/xlm-roberta'),
  },
  distilbert: {
    config: { model_type: 'distilbert', dim: 16, n_layers: 1, n_heads: 2, hidden_dim: 32, max_position_embeddings: 40, dropout: 0.1, attention_dropout: 0.1 },
    tokenizer: () => MINILM,
  },
  mpnet: {
    config: { model_type: 'mpnet', hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 40, ...dropout },
    tokenizer: mpnetTokenizerDir,
  },
};

function rows(n: number, seed: number) {
  const rng = new Random(seed);
  const words = ['revenue', 'grew', 'the', 'company', 'café', 'naïve', 'quarter', 'margin', 'ideas', '東京', 'risk', 'cash'];
  const phrase = () => Array.from({ length: 3 + rng.int(4) }, () => words[rng.int(words.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => ({
    anchor: `what about topic ${i} ${phrase()}`,
    positive: `topic ${i} is described here ${phrase()}`,
    negatives: [`unrelated ${phrase()}`],
    score: rng.next(),
    teacherScores: [2 + rng.next(), rng.next()],
  }));
}

const weightsOf = (model: SentenceTransformer) => Object.fromEntries([...model.namedWeights()].map(([n, v]) => [n, Array.from(v.dataSync())]));

for (const [name, arch] of Object.entries(ARCHS)) {
  const model = (seed: number) => createRandomTransformer(arch.config, arch.tokenizer(), { seed, maxSeqLength: 24, pooler: false });

  test(`${name}: every loss gives finite gradients for every encoder weight; GradCache equals plain MNRL`, async () => {
    await initBackend();
    const m = model(1);
    const data = rows(9, 2);
    const indices = data.map((_, i) => i);
    const losses: [string, Loss, number][] = [
      ['MNRL', mnrl(), 1],
      ['CachedMNRL', cachedMnrl({ miniBatchSize: 4 }), 1],
      ['Matryoshka(MNRL)', matryoshka(mnrl(), { dims: [16, 8] }), 1],
      ['CoSENT', cosent(), 0],
      ['DistillKL', distillKL(), 1],
    ];
    const byLoss = new Map<string, Map<string, Float32Array>>();
    const before = tf.memory().numTensors;
    for (const [label, loss, negatives] of losses) {
      const r = await batchGradients(m, loss, makeBatch(data, indices, negatives, loss.requires), { training: false });
      assert.ok(Number.isFinite(r.loss), `${label}: loss ${r.loss}`);
      const grads = new Map([...r.grads].map(([n, g]) => [n, g.dataSync() as Float32Array]));
      tf.dispose([...r.grads.values()]);
      for (const weight of m.namedWeights().keys()) {
        const g = grads.get(weight);
        assert.ok(g && g.every(Number.isFinite) && g.some((x) => x !== 0), `${label}: ${weight} gets a finite, non-zero gradient`);
      }
      byLoss.set(label, grads);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    for (const [weight, g] of byLoss.get('MNRL')!) {
      const c = byLoss.get('CachedMNRL')!.get(weight)!;
      const scale = g.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
      g.forEach((x, i) => assert.ok(Math.abs(x - c[i]!) <= 1e-6 + 1e-3 * scale, `${weight}[${i}]: ${x} vs ${c[i]}`));
    }
    m.dispose();
  });

  test(`${name}: dropout is off at inference and follows the seed in training`, async () => {
    await initBackend();
    const m = model(3);
    const batch = m.tokenize(['the quarter margin grew', 'cash risk']);
    const read = async (t: tf.Tensor) => {
      const v = await t.data();
      t.dispose();
      return v;
    };
    const inference = await read(m.forward(batch));
    m.seedDropout(11);
    const first = await read(m.forward(batch, { training: true }));
    m.seedDropout(11);
    const again = await read(m.forward(batch, { training: true }));
    m.seedDropout(12);
    const other = await read(m.forward(batch, { training: true }));
    assert.notDeepEqual(first, inference);
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
    m.dispose();
  });

  test(`${name} with dropout: a stopped and resumed run ends with the same weights as an uninterrupted one`, async () => {
    await initBackend();
    const data = rows(24, 4);
    const options = { epochs: 1, batchSize: 6, lr: 1e-3, scheduler: 'linear' as const, seed: 5 };
    const full = model(2);
    await finetune(full, data, { ...options, outputDir: mkdtempSync(join(work, `${name}-full-`)) });
    const dir = mkdtempSync(join(work, `${name}-stopped-`));
    const controller = new AbortController();
    const first = model(2);
    const stopped = await finetune(first, data, { ...options, outputDir: dir, signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() });
    assert.equal(stopped.globalStep, 2);
    first.dispose();
    const resumed = model(99);
    await finetune(resumed, data, { ...options, outputDir: dir, resume: true });
    assert.deepEqual(weightsOf(resumed), weightsOf(full));
    const untrained = model(2);
    assert.notDeepEqual(weightsOf(full), weightsOf(untrained), 'training changed the weights');
    [full, resumed, untrained].forEach((m) => m.dispose());
  });
}
