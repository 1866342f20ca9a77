import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { initBackend } from '../src/backend';
import { cachedMnrl, cosent, matryoshka, mnrl, type Loss } from '../src/losses';
import { distillStatic, distillVectors, loadModel, pca, readSafetensors, type DistillOptions } from '../src/models';
import { finetune } from '../src/train/finetune';
import type { TrainingRow } from '../src/data/types';
import { SHARED, pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';

const GOLDEN = join(SHARED, 'golden', 'bert_forward');
const FIXTURE = 'distill-golden-bert.json';

interface DistillCase {
  name: string;
  pcaDims: number | null;
  zipf: 'sif' | 'log' | 'none';
  sifCoefficient?: number;
  pooling: 'mean' | 'first';
  vocabulary: string[];
  tokenRemovePattern: string;
  rows: number;
  dim: number;
  sample_rows: number[];
  sample_tokens: string[];
  sample_values: number[][];
  column_abs_sums: number[];
}

const fixture = readFixture<{ cases: DistillCase[] }>(FIXTURE);

function optionsOf(c: DistillCase): DistillOptions {
  return {
    pcaDims: c.pcaDims,
    zipf: c.zipf,
    pooling: c.pooling,
    vocabulary: c.vocabulary,
    tokenRemovePattern: new RegExp(c.tokenRemovePattern),
    ...(c.sifCoefficient !== undefined && { sifCoefficient: c.sifCoefficient }),
  };
}

/** ~2,000 of the 30,522 tokens (the fixture's subset), so a distillation takes seconds on wasm. */
const SUBSET = new RegExp(fixture.cases[0]!.tokenRemovePattern);

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

test('distill: the golden BERT distils to what an independent float64 numpy implementation of model2vec computes', async (t) => {
  await initBackend();
  const teacher = await loadModel(GOLDEN);
  try {
    for (const c of fixture.cases) {
      const { tokens, table, dim } = await distillVectors(teacher, optionsOf(c));
      assert.equal(tokens.length, c.rows, `${c.name}: rows`);
      assert.equal(dim, c.dim, `${c.name}: dim`);
      assert.deepEqual(c.sample_rows.map((r) => tokens[r]), c.sample_tokens, `${c.name}: vocabulary order`);
      // the table's scale: entries are up to ~1 (SIF) or ~10 (log weights); float32 forward vs float64
      const scale = Math.max(...c.sample_values.flat().map(Math.abs));
      let worst = 0;
      c.sample_rows.forEach((r, i) => {
        for (let k = 0; k < dim; k++) worst = Math.max(worst, Math.abs(table[r * dim + k]! - c.sample_values[i]![k]!));
      });
      t.diagnostic(`${c.name}: max |TS − reference| ${worst.toExponential(2)}, largest |value| ${scale.toExponential(2)}`);
      assert.ok(worst <= 2e-5 * scale, `${c.name}: max |TS − reference| ${worst} (scale ${scale})`);
      for (let k = 0; k < dim; k++) {
        let sum = 0;
        for (let r = 0; r < c.rows; r++) sum += Math.abs(table[r * dim + k]!);
        assert.ok(Math.abs(sum - c.column_abs_sums[k]!) <= 1e-5 * c.column_abs_sums[k]!, `${c.name}: column ${k} |sum| ${sum} vs ${c.column_abs_sums[k]}`);
      }
    }
  } finally {
    teacher.dispose();
  }
});

test('distill: the fixture is what distill_reference.py computes', (t) => {
  const missing = pythonMissing(['numpy']);
  if (missing) return t.skip(missing);
  const out = runReferenceScript('distill_reference.py', [GOLDEN]);
  try {
    const fresh = JSON.parse(readFileSync(join(out, FIXTURE), 'utf8')) as { cases: DistillCase[] };
    fresh.cases.forEach((c, i) => {
      const committed = fixture.cases[i]!;
      assert.deepEqual(c.sample_tokens, committed.sample_tokens);
      c.sample_values.flat().forEach((v, k) => assert.ok(Math.abs(v - committed.sample_values.flat()[k]!) <= 1e-12 + 1e-6 * Math.abs(v), `${c.name} value ${k}`));
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('distill: the saved folder is a sentence-transformers StaticEmbedding and round-trips bit for bit', async () => {
  await initBackend();
  const teacher = await loadModel(GOLDEN);
  const fast = await distillStatic(teacher, { pcaDims: 16, vocabulary: ['Bancassurance'], tokenRemovePattern: SUBSET });
  teacher.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-distill-'));
  await fast.save(join(dir, 'a'));
  const saved = files(join(dir, 'a'));
  // README.md is the model card; .embedlab-output marks the folder as embedlab's to overwrite
  assert.deepEqual([...saved.keys()].filter((f) => f !== 'README.md' && f !== '.embedlab-output'), [
    '0_StaticEmbedding/model.safetensors',
    '0_StaticEmbedding/tokenizer.json',
    'config_sentence_transformers.json',
    'modules.json',
  ]);
  assert.deepEqual(JSON.parse(saved.get('modules.json')!.toString()).map((m: { type: string }) => m.type), [
    'sentence_transformers.models.StaticEmbedding',
    'sentence_transformers.models.Normalize',
  ]);
  const tokenizerJson = JSON.parse(saved.get('0_StaticEmbedding/tokenizer.json')!.toString());
  assert.equal(tokenizerJson.post_processor, null);
  assert.equal(tokenizerJson.model.type, 'WordPiece');
  const rows = fixture.cases[1]!.rows + 1; // the subset, + "bancassurance"
  assert.equal(Object.keys(tokenizerJson.model.vocab).length, rows);
  assert.equal(tokenizerJson.model.vocab['[UNK]'], 1); // re-indexed after [PAD] once [unused0..98] are gone
  assert.equal(tokenizerJson.model.vocab.bancassurance, rows - 1);
  assert.deepEqual(tokenizerJson.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]), [['[PAD]', 0], ['[UNK]', 1], ['[CLS]', 2], ['[SEP]', 3], ['[MASK]', 4]]);
  const weights = readSafetensors(join(dir, 'a', '0_StaticEmbedding/model.safetensors'));
  assert.deepEqual(weights.get('embedding.weight')?.shape, [rows, 16]);

  const loaded = await loadModel(join(dir, 'a'));
  const before = (await fast.namedWeights().get('embedding.weight')!.data()) as Float32Array;
  const after = (await loaded.namedWeights().get('embedding.weight')!.data()) as Float32Array;
  assert.deepEqual(Buffer.from(after.buffer, after.byteOffset, after.byteLength), Buffer.from(before.buffer, before.byteOffset, before.byteLength));
  const texts = ['What about bancassurance in 2023?', 'Absolutely adventurous aggregation.'];
  assert.deepEqual(Array.from((await loaded.encode(texts)).data), Array.from((await fast.encode(texts)).data));
  // the added word is one token of the static model, its own row
  assert.deepEqual(loaded.tokenizer.idsToTokens(loaded.tokenizer.encode('Bancassurance').ids), ['bancassurance']);
  await loaded.save(join(dir, 'b'));
  const again = files(join(dir, 'b'));
  for (const [name, bytes] of saved) if (name !== 'README.md' && name !== '.embedlab-output') assert.ok(bytes.equals(again.get(name)!), `${name} differs after load → save`);
  fast.dispose();
  loaded.dispose();
});

test('distill: the static model trains with MNRL, Matryoshka(MNRL), cached MNRL and CoSENT', async () => {
  await initBackend();
  const teacher = await loadModel(GOLDEN);
  const topics = ['revenue growth', 'net income', 'share buyback', 'cyber attack', 'supply chain', 'tax rate', 'dividend policy', 'lease terms'];
  const rows: TrainingRow[] = topics.flatMap((t, i) => [
    { anchor: `what about ${t}?`, positive: `the company reported on ${t} in detail`, negatives: [] },
    { anchor: `question ${i} on ${t}`, positive: `a passage about ${t} and more`, negatives: [], score: 0.8 },
  ]);
  const scored = rows.map((r, i) => ({ ...r, score: i % 2 ? 0.9 : 0.1 }));
  const losses: [string, Loss, TrainingRow[]][] = [
    ['mnrl', mnrl(), rows],
    ['matryoshka', matryoshka(mnrl(), { dims: [16, 8] }), rows],
    ['cachedMnrl', cachedMnrl({ miniBatchSize: 4 }), rows],
    ['cosent', cosent(), scored],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-distill-train-'));
  const distilled = await distillStatic(teacher, { pcaDims: 16, tokenRemovePattern: SUBSET });
  await distilled.save(dir);
  distilled.dispose();
  for (const [name, loss, data] of losses) {
    const model = await loadModel(dir);
    const start = Float32Array.from((await model.namedWeights().get('embedding.weight')!.data()) as Float32Array);
    const tensors = tf.memory().numTensors;
    const run = await finetune(model, data, { loss, epochs: 2, batchSize: 8, lr: 0.05, seed: 1 });
    assert.equal(tf.memory().numTensors, tensors, `${name}: no tensors leak`);
    const losses = run.history.steps.map((s) => s.loss);
    assert.ok(losses.every(Number.isFinite), `${name}: finite losses ${losses}`);
    const end = (await model.namedWeights().get('embedding.weight')!.data()) as Float32Array;
    assert.ok(end.some((v, i) => v !== start[i]), `${name}: the table moved`);
    model.dispose();
  }
  teacher.dispose();
});

test('distill: PCA matches an SVD-free check (orthonormal components, variance order, sign rule)', () => {
  // 3-d points spread along known directions: PCA must recover them in variance order
  const rows = 400;
  const data = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const a = Math.sin(r * 1.7) * 5;
    const b = Math.cos(r * 0.9) * 2;
    const c = Math.sin(r * 0.37 + 1) * 0.5;
    data.set([a + 1, b - 2, c + 3], r * 3);
  }
  const { components, explainedVariance, projected } = pca(data, rows, 3);
  assert.ok(explainedVariance[0]! > explainedVariance[1]! && explainedVariance[1]! > explainedVariance[2]!);
  for (let p = 0; p < 3; p++) {
    const row = components.subarray(p * 3, p * 3 + 3);
    assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-12);
    const big = row.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
    assert.ok(big > 0, 'largest loading positive');
  }
  // projected columns are centred and uncorrelated
  for (let p = 0; p < 3; p++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += projected[r * 3 + p]!;
    assert.ok(Math.abs(mean / rows) < 1e-9);
  }
  assert.throws(() => pca(data, rows, 3, { components: 4 }), /components must be 1\.\.3/);
});

test('distill: bad input is a clear error', async () => {
  await initBackend();
  const teacher = await loadModel(GOLDEN);
  await assert.rejects(distillVectors(teacher, { vocabulary: ['cash flow'] }), /"cash flow" is 2 words to this tokenizer/);
  await assert.rejects(distillVectors(teacher, { pcaDims: 0 }), /pcaDims must be a positive whole number/);
  await assert.rejects(distillVectors(teacher, { tokenRemovePattern: /./ }), /removes every token/);
  const fast = await distillStatic(teacher, { pcaDims: 8, tokenRemovePattern: SUBSET });
  await assert.rejects(distillVectors(fast), /distill needs a transformer model/);
  fast.dispose();
  teacher.dispose();
});

test('embedlab distill: writes a loadable StaticEmbedding folder; bad flags exit 2 with one line', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-distill-cli-'));
  const cli = join(__dirname, '..', 'src', 'cli', 'main.js');
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'distill', ...args], { encoding: 'utf8' });
  const out = join(dir, 'static');
  let r = run(['--model', GOLDEN, '--output', out, '--pca-dims', '12', '--zipf', 'log', '--token-remove-pattern', SUBSET.source]);
  assert.equal(r.status, 0, r.stderr);
  const model = await loadModel(out);
  assert.equal(model.dimension, 12);
  assert.equal(model.input.namedWeights().get('embedding.weight')!.shape[0], fixture.cases[1]!.rows);
  assert.equal(model.normalizes, true);
  model.dispose();
  // a folder holding files embedlab did not write is refused without --overwrite
  const mine = join(dir, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'notes.txt'), 'mine\n');
  r = run(['--model', GOLDEN, '--output', mine]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /already exists and is not empty; pass --overwrite/);
  for (const [flags, message] of [
    [['--zipf', 'zipf'], /--zipf: expected sif, log or none/],
    [['--pca-dims', '0'], /--pca-dims/],
    [['--token-remove-pattern', '('], /--token-remove-pattern: /],
  ] as const) {
    r = run(['--model', GOLDEN, '--output', join(dir, 'x'), ...flags]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
