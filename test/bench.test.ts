import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadTokenizer } from '../src/tokenizer/loadTokenizer';
import { MODELS, TOKENIZER_DIR, forwardFlops, longTexts, trainStepFlops } from '../bench/workload';

const run = promisify(execFile);
const REPO = join(__dirname, '../..');

test('bench FLOP count: a MiniLM layer at 128 tokens, counted by hand', () => {
  const oneLayer = { ...MODELS.minilm!, layers: 1 };
  // q, k, v, out: 4 · (2·128·384·384); FFN: 2 · (2·128·384·1536); scores and context: 2 · (2·128·128·384)
  const byHand = 4 * (2 * 128 * 384 * 384) + 2 * (2 * 128 * 384 * 1536) + 2 * (2 * 128 * 128 * 384);
  assert.equal(forwardFlops(oneLayer, 128), byHand);
  assert.equal(forwardFlops(MODELS.minilm!, 128), 6 * byHand);
  // anchors + positives, forward + backward (2× forward)
  assert.equal(trainStepFlops(MODELS.minilm!, 32, 128), 3 * 64 * 6 * byHand);
});

test('bench texts fill the whole 128-token sequence, reproducibly', () => {
  const tokenizer = loadTokenizer(TOKENIZER_DIR, { maxLength: 128 });
  const texts = longTexts(4, 128, 5);
  assert.deepEqual(texts, longTexts(4, 128, 5));
  assert.notDeepEqual(texts, longTexts(4, 128, 6));
  const batch = tokenizer.encodeBatch(texts);
  assert.equal(batch.seqLength, 128);
  assert.ok(batch.attentionMask.every((m) => m === 1), 'no padding: every position is a real token');
});

const python = '/usr/bin/python3';
test('PyTorch reference counts the same FLOPs and runs one tiny step', { skip: !existsSync(python) }, async (t) => {
  const probe = await run(python, ['-c', 'import torch'], { timeout: 60_000 }).then(
    () => true,
    () => false,
  );
  if (!probe) return t.skip('python3-torch is not installed');
  const code = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(join(REPO, 'bench'))})`,
    'import torch, torch_bench as tb',
    'cfg = dict(tb.MODELS["minilm"], layers=1)',
    'model = tb.Bert(cfg, 0.0)',
    'r = tb.bench_train(model, cfg, 4, 16, 1)',
    'print(json.dumps({"flops": tb.forward_flops(tb.MODELS["minilm"], 128), "loss": r["loss"]}))',
  ].join('\n');
  const { stdout } = await run(python, ['-c', code], { timeout: 120_000 });
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  assert.equal(out.flops, forwardFlops(MODELS.minilm!, 128));
  // Matryoshka over 5 dims of MNRL on 4 random pairs: each term ≈ ln 4
  assert.ok(Math.abs(out.loss - 5 * Math.log(4)) < 0.5, `loss ${out.loss}`);
});
