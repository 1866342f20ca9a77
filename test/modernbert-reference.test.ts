/**
 * A ModernBERT shape no real checkpoint uses (3 layers, hidden 60, 5 heads of
 * 12, intermediate 44, global attention every 2 layers, a sliding window of 7
 * — shorter than the texts —, RoPE bases 500 / 40, norm_eps 2e-6) with F32,
 * BF16 (under the `model.` prefix) and all-bias F32 weights, against
 * test/reference/modernbert_reference.py (modeling_modernbert.py eager
 * semantics in float64): last hidden states (padded positions included),
 * pooled embeddings, encode with padding, MNRL weight gradients vs torch
 * autograd, save → reload, the newer config layout, sharded weights.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { mnrl } from '../src/losses';
import { ModernBertEncoder, l2Normalize, loadModelFolder, parseModernBertConfig, pool, readSafetensors } from '../src/models';
import type { TokenBatch } from '../src/tokenizer/types';
import { batchGradients } from '../src/train/step';
import { REPO, maxAbsDiff, pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';
import { uniformWeights, writeReferenceSafetensors, type WeightSpec } from './referenceWeights';

const TOKENIZER = join(REPO, 'test/fixtures/modernbert-tokenizer');
type Variant = 'F32' | 'BF16' | 'F32_biases';
const VARIANTS: Variant[] = ['F32', 'BF16', 'F32_biases'];

interface ModernBertFixture {
  config: Record<string, unknown>;
  config_biases: Record<string, unknown>;
  max_seq_length: number;
  seed: number;
  weights: WeightSpec[];
  files: Record<Variant, { file: string; sha256: string }>;
  batch: {
    texts: string[];
    input_ids: number[][];
    attention_mask: number[][];
    outputs: Record<Variant, { mean_normalized: number[][]; cls: number[][]; last_hidden_state?: number[][][] }>;
    sensitivity: Record<string, number>;
  };
  texts: string[];
  encode_mean_normalized: Record<Variant, number[][]>;
  mnrl: {
    anchors: string[];
    positives: string[];
    loss: number;
    gradient_seed: number;
    gradients: Record<string, { projection: number; norm: number; values?: number[] }>;
  };
}

const fixture = readFixture<ModernBertFixture>('modernbert-unseen.json');
const work = mkdtempSync(join(tmpdir(), 'embedlab-modernbert-unseen-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The weight files, rebuilt from the fixture's seed; each must hash to what the script wrote. */
const weights = uniformWeights(fixture.seed, fixture.weights);
const plain = new Map([...weights].filter(([name]) => !name.endsWith('.bias')));
const files: Record<Variant, { path: string; sha256: string }> = {
  F32: { path: join(work, fixture.files.F32.file), sha256: '' },
  BF16: { path: join(work, fixture.files.BF16.file), sha256: '' },
  F32_biases: { path: join(work, fixture.files.F32_biases.file), sha256: '' },
};
files.F32.sha256 = writeReferenceSafetensors(files.F32.path, plain, 'F32');
files.BF16.sha256 = writeReferenceSafetensors(files.BF16.path, new Map([...plain].map(([n, t]) => [`model.${n}`, t])), 'BF16');
files.F32_biases.sha256 = writeReferenceSafetensors(files.F32_biases.path, weights, 'F32');
const configOf = (variant: Variant) => (variant === 'F32_biases' ? fixture.config_biases : fixture.config);

/** A sentence-transformers folder: Transformer (BPE tokenizer) → Pooling(mean) → Normalize. */
function modelFolder(name: string, options: { variant?: Variant; config?: Record<string, unknown> } = {}): string {
  const variant = options.variant ?? 'F32';
  const dir = join(work, name);
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  mkdirSync(join(dir, '2_Normalize'), { recursive: true });
  copyFileSync(files[variant].path, join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(options.config ?? configOf(variant)));
  for (const file of readdirSync(TOKENIZER)) copyFileSync(join(TOKENIZER, file), join(dir, file));
  writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: fixture.max_seq_length, do_lower_case: false }));
  writeFileSync(join(dir, '1_Pooling/config.json'), JSON.stringify({ word_embedding_dimension: 60, pooling_mode_mean_tokens: true }));
  writeFileSync(
    join(dir, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]),
  );
  return dir;
}

/** The encoder behind a loaded model's Transformer module. */
const encoderOf = (model: { input: unknown }) => (model.input as { encoder?: unknown }).encoder;

function batchOf(ids: number[][], mask: number[][]): TokenBatch {
  return {
    inputIds: Int32Array.from(ids.flat()),
    attentionMask: Int32Array.from(mask.flat()),
    tokenTypeIds: new Int32Array(ids.flat().length),
    batchSize: ids.length,
    seqLength: ids[0]!.length,
  };
}

/** |actual − expected| ≤ atol + rtol·|expected| everywhere; returns the largest |actual − expected|. */
function assertClose(actual: ArrayLike<number>, expected: number[], atol: number, label: string, rtol = 1e-6): number {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    assert.ok(Math.abs(actual[i]! - e) <= atol + rtol * Math.abs(e), `${label}[${i}]: ${actual[i]} vs ${e} (max diff ${maxAbsDiff(actual, expected)})`);
  }
  return maxAbsDiff(actual, expected);
}

test('modernbert reference: the fixture is what modernbert_reference.py computes, with the same weight files', (t) => {
  const missing = pythonMissing(['torch', 'numpy']);
  if (missing) return t.skip(missing);
  const out = runReferenceScript('modernbert_reference.py', [REPO]);
  try {
    const fresh = JSON.parse(readFileSync(join(out, 'modernbert-unseen.json'), 'utf8')) as ModernBertFixture;
    for (const variant of VARIANTS) assert.deepEqual(readFileSync(join(out, fixture.files[variant].file)), readFileSync(files[variant].path), variant);
    // the same numbers up to the last printed digit (float64 summation order may differ between torch builds)
    const walk = (a: unknown, b: unknown, path: string): void => {
      if (typeof b === 'number') return assert.ok(Math.abs((a as number) - b) <= 1e-12 + 1e-6 * Math.abs(b), `${path}: ${a} vs ${b}`);
      if (Array.isArray(b) || (b && typeof b === 'object')) {
        assert.deepEqual(Object.keys(a as object), Object.keys(b as object), path);
        for (const key of Object.keys(b as object)) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
        return;
      }
      assert.deepEqual(a, b, path);
    };
    walk(fresh, fixture, 'fixture');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('modernbert reference: F32 / BF16 / all-bias weight files are rebuilt byte for byte', () => {
  for (const variant of VARIANTS) assert.equal(files[variant].sha256, fixture.files[variant].sha256, variant);
});

test('modernbert reference: last hidden state (padding included), mean-pooled and CLS embeddings for every weight file', async (t) => {
  t.diagnostic(`tfjs backend: ${(await initBackend()).tfBackend}`);
  const { batch: b } = fixture;
  // the fixture tells the usual mistakes apart at the tolerance used here
  for (const [what, size] of Object.entries(b.sensitivity)) assert.ok(size > 1e-2, `${what} changes the hidden states by only ${size}`);
  const batch = batchOf(b.input_ids, b.attention_mask);
  assert.ok(batch.seqLength > 7 && batch.attentionMask.some((m) => m === 0), 'texts longer than the window, and padding');
  const loaded = loadModelFolder(modelFolder('tokens'));
  b.texts.forEach((text, i) => assert.deepEqual(loaded.tokenizer.encode(text).ids, b.input_ids[i]!.slice(0, b.attention_mask[i]!.reduce((s, m) => s + m, 0)), `tokens of ${text}`));
  loaded.dispose();
  const before = tf.memory().numTensors;
  for (const variant of VARIANTS) {
    const config = parseModernBertConfig(configOf(variant), 'config.json');
    const encoder = ModernBertEncoder.fromTensors(config, readSafetensors(files[variant].path), variant);
    const { lastHiddenState } = encoder.forward(batch);
    const expected = b.outputs[variant];
    const errors: string[] = [];
    if (expected.last_hidden_state) errors.push(`hidden ${assertClose(await lastHiddenState.data(), expected.last_hidden_state.flat(2), 1e-4, `${variant} last_hidden_state`).toExponential(2)}`);
    const mean = tf.tidy(() => l2Normalize(pool(lastHiddenState, batch, { wordDimension: 60, modes: ['mean'], includePrompt: true })));
    errors.push(`mean ${assertClose(await mean.data(), expected.mean_normalized.flat(), 1e-5, `${variant} mean`).toExponential(2)}`);
    const cls = pool(lastHiddenState, batch, { wordDimension: 60, modes: ['cls'], includePrompt: true });
    errors.push(`cls ${assertClose(await cls.data(), expected.cls.flat(), 1e-4, `${variant} cls`).toExponential(2)}`);
    t.diagnostic(`${variant}: max |embedlab − float64 torch| ${errors.join(', ')}`);
    tf.dispose([lastHiddenState, mean, cls]);
    encoder.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test('modernbert reference: encode through loadModelFolder in batches matches text-by-text float64 outputs (padding changes nothing)', async (t) => {
  await initBackend();
  for (const variant of VARIANTS) {
    const model = loadModelFolder(modelFolder(`encode-${variant}`, { variant }));
    assert.equal(model.maxSeqLength, fixture.max_seq_length);
    const before = tf.memory().numTensors;
    for (const batchSize of [3, 8]) {
      const got = await model.encode(fixture.texts, { batchSize });
      const err = assertClose(got.data, fixture.encode_mean_normalized[variant].flat(), 1e-5, `${variant} batch ${batchSize}`);
      t.diagnostic(`${variant} encode, batch ${batchSize}: max abs error ${err.toExponential(2)}`);
    }
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  }
});

test('modernbert reference: the newer config layout (layer_types, rope_parameters) reads as the legacy one', async () => {
  await initBackend();
  const { global_rope_theta: g, local_rope_theta: l, ...rest } = fixture.config;
  const newer = {
    ...rest,
    layer_types: ['full_attention', 'sliding_attention', 'full_attention'],
    rope_parameters: { full_attention: { rope_type: 'default', rope_theta: g }, sliding_attention: { rope_type: 'default', rope_theta: l } },
  };
  const model = loadModelFolder(modelFolder('newer-config', { config: newer }));
  assertClose((await model.encode(fixture.texts, { batchSize: 4 })).data, fixture.encode_mean_normalized.F32.flat(), 1e-5, 'newer layout');
  model.dispose();
  // and a wrong theta is visible at this tolerance
  const wrong = loadModelFolder(modelFolder('wrong-theta', { config: { ...fixture.config, local_rope_theta: g } }));
  assert.ok(maxAbsDiff((await wrong.encode(fixture.texts)).data, fixture.encode_mean_normalized.F32.flat()) > 1e-3);
  wrong.dispose();
});

test('modernbert reference: MNRL loss and every weight gradient equal torch autograd on the float64 port', async (t) => {
  await initBackend();
  const model = loadModelFolder(modelFolder('mnrl'));
  const { grads, loss } = await batchGradients(model, mnrl(), { columns: [fixture.mnrl.anchors, fixture.mnrl.positives] }, { training: true });
  assert.ok(Math.abs(loss - fixture.mnrl.loss) <= 1e-5 * fixture.mnrl.loss, `loss ${loss} vs ${fixture.mnrl.loss}`);
  const names = Object.keys(fixture.mnrl.gradients);
  assert.deepEqual([...grads.keys()].sort(), [...names].sort(), 'a gradient for every weight');
  const probes = uniformWeights(
    fixture.mnrl.gradient_seed,
    names.map((name) => ({ name, shape: plain.get(name)!.shape, scale: 1, offset: 0 })),
  );
  let worstProjection = 0;
  let worstNorm = 0;
  let worstValue = 0;
  for (const name of names) {
    const expected = fixture.mnrl.gradients[name]!;
    const g = grads.get(name)!;
    // Linear weights are held [in, out]; the reference's are [out, in]
    const asStored = g.rank === 2 && name !== 'embeddings.tok_embeddings.weight' ? tf.transpose(g) : g;
    const values = await asStored.data();
    if (asStored !== g) asStored.dispose();
    const probe = probes.get(name)!.data;
    let projection = 0;
    let norm = 0;
    values.forEach((v, i) => {
      projection += v * probe[i]!;
      norm += v * v;
    });
    norm = Math.sqrt(norm);
    const relProjection = Math.abs(projection - expected.projection) / expected.norm;
    const relNorm = Math.abs(norm - expected.norm) / expected.norm;
    assert.ok(expected.norm > 1e-4, `${name}: the reference gradient is non-trivial`);
    assert.ok(relProjection < 1e-4, `${name}: projection ${projection} vs ${expected.projection} (norm ${expected.norm})`);
    assert.ok(relNorm < 1e-4, `${name}: norm ${norm} vs ${expected.norm}`);
    if (expected.values) {
      const scale = Math.max(...expected.values.map(Math.abs));
      worstValue = Math.max(worstValue, assertClose(values, expected.values, 1e-4 * scale, name, 1e-4) / scale);
    }
    worstProjection = Math.max(worstProjection, relProjection);
    worstNorm = Math.max(worstNorm, relNorm);
  }
  t.diagnostic(
    `loss ${loss} vs ${fixture.mnrl.loss}; worst relative error (÷ gradient norm): projection ${worstProjection.toExponential(2)}, ` +
      `norm ${worstNorm.toExponential(2)}, 1-D values (÷ max) ${worstValue.toExponential(2)}`,
  );
  tf.dispose([...grads.values()]);
  model.dispose();
});

test('modernbert: a saved folder has transformers\' config and tensor names, and reloads bit for bit', async () => {
  await initBackend();
  for (const variant of ['F32', 'BF16'] as const) {
    const model = loadModelFolder(modelFolder(`save-${variant}`, { variant }));
    const out = join(work, `saved-${variant}`);
    await model.save(out);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.model_type, 'modernbert');
    assert.deepEqual(config.architectures, ['ModernBertModel']);
    for (const key of ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'norm_eps', 'norm_bias', 'attention_bias', 'mlp_bias',
      'global_attn_every_n_layers', 'local_attention', 'global_rope_theta', 'local_rope_theta', 'vocab_size', 'pad_token_id', 'hidden_activation']) {
      assert.deepEqual(config[key], fixture.config[key], key);
    }
    // ModernBertModel's state_dict names and [out, in] shapes, the values as loaded (BF16 upcast exactly)
    const saved = readSafetensors(join(out, 'model.safetensors'));
    assert.deepEqual([...saved.keys()].sort(), [...plain.keys()].sort());
    const source = readSafetensors(files[variant].path);
    for (const [name, tensor] of saved) {
      const original = source.get(variant === 'BF16' ? `model.${name}` : name)!;
      assert.deepEqual(tensor.shape, original.shape, name);
      assert.deepEqual(tensor.data, original.data, name);
    }
    for (const file of readdirSync(TOKENIZER)) assert.equal(readFileSync(join(out, file), 'utf8'), readFileSync(join(TOKENIZER, file), 'utf8'), file);
    const reloaded = loadModelFolder(out);
    assert.ok(encoderOf(reloaded) instanceof ModernBertEncoder);
    assert.deepEqual((await reloaded.encode(fixture.texts)).data, (await model.encode(fixture.texts)).data);
    model.dispose();
    reloaded.dispose();
  }
});

test('modernbert: weights sharded over model.safetensors.index.json encode the same', async () => {
  await initBackend();
  const dir = modelFolder('sharded');
  rmSync(join(dir, 'model.safetensors'));
  const names = [...plain.keys()];
  const shards = [names.filter((n) => !n.startsWith('layers.2')), names.filter((n) => n.startsWith('layers.2'))];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeReferenceSafetensors(join(dir, file), new Map(shard.map((n) => [n, plain.get(n)!])), 'F32');
    for (const n of shard) weightMap[n] = file;
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  const model = loadModelFolder(dir);
  assertClose((await model.encode(fixture.texts, { batchSize: 3 })).data, fixture.encode_mean_normalized.F32.flat(), 1e-5, 'sharded');
  model.dispose();
});

test('modernbert: a missing tensor or a bad config field is a one-line error naming the file and field', () => {
  const dir = modelFolder('broken');
  writeReferenceSafetensors(join(dir, 'model.safetensors'), new Map([...plain].filter(([n]) => n !== 'layers.1.attn_norm.weight')), 'F32');
  assert.throws(() => loadModelFolder(dir), /missing tensor "layers\.1\.attn_norm\.weight"/);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ ...fixture.config, num_attention_heads: 7 }));
  assert.throws(() => loadModelFolder(dir), new RegExp(`${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: hidden_size 60 is not a multiple of num_attention_heads 7`));
  writeFileSync(config, JSON.stringify({ ...fixture.config, rope_scaling: { rope_type: 'yarn', factor: 2 } }));
  assert.throws(() => loadModelFolder(dir), /"rope_scaling" .* is not supported/);
  writeFileSync(config, JSON.stringify({ ...fixture.config, layer_types: ['full_attention'] }));
  assert.throws(() => loadModelFolder(dir), /"layer_types" must list/);
});

test('modernbert: a plain Hugging Face folder (no modules.json) loads by model_type, or by architectures alone, with mean pooling', async () => {
  await initBackend();
  const dir = modelFolder('plain');
  for (const file of ['modules.json', '1_Pooling/config.json']) rmSync(join(dir, file));
  const { model_type: _, ...byClass } = fixture.config;
  for (const config of [fixture.config, byClass]) {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const model = loadModelFolder(dir);
    assert.ok(encoderOf(model) instanceof ModernBertEncoder);
    assert.deepEqual(model.pooling?.modes, ['mean']);
    assert.equal(model.normalizes, false);
    const got = await model.encode(fixture.texts, { batchSize: 4, normalize: true });
    assertClose(got.data, fixture.encode_mean_normalized.F32.flat(), 1e-5, 'plain folder');
    model.dispose();
  }
});
