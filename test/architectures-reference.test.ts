/**
 * XLM-RoBERTa, DistilBERT and MPNet at shapes no released model has (odd head
 * counts, few positions, non-default eps, MPNet with more bias buckets than
 * the 32 it reads), F32 and BF16 weights, against
 * test/reference/architectures_reference.py (float64 ports of the
 * transformers modeling files): last hidden states, CLS, pooler and mean-pooled
 * normalised embeddings; MultipleNegativesRankingLoss weight gradients against
 * torch autograd; a saved folder reloads bit-identically with the config.json
 * fields and tensor names transformers reads.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { mnrl } from '../src/losses';
import { architectureFor, l2Normalize, loadModelFolder, pool, readSafetensors, SafetensorsFile } from '../src/models';
import { relativePositionBucket } from '../src/models/mpnet/relativePosition';
import type { TokenBatch } from '../src/tokenizer/types';
import { maxAbsDiff, pythonMissing, readFixture, runReferenceScript } from './referenceFixtures';
import { uniformWeights, writeReferenceSafetensors, type WeightSpec } from './referenceWeights';

type Dtype = 'F32' | 'BF16';
interface IdBatch {
  input_ids: number[][];
  attention_mask: number[][];
}
interface ArchFixture {
  config: Record<string, unknown>;
  seed: number;
  weights: WeightSpec[];
  files: Record<Dtype, { file: string; sha256: string }>;
  batch: IdBatch;
  outputs: Record<Dtype, { last_hidden_state: number[][]; mean: number[][]; cls: number[][]; pooler_output?: number[][] }>;
  sensitivity: Record<string, number>;
  mnrl: { anchors: IdBatch; positives: IdBatch; loss: number; grads: Record<string, number[] | number[][]> };
  relative_position_buckets?: { from: number; buckets: number[] };
}

const NAMES = ['xlm-roberta', 'distilbert', 'mpnet'] as const;
const fixtures = Object.fromEntries(NAMES.map((n) => [n, readFixture<ArchFixture>(`${n}-unseen.json`)])) as Record<(typeof NAMES)[number], ArchFixture>;
const work = mkdtempSync(join(tmpdir(), 'embedlab-arch-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Each architecture's weight files, rebuilt from the fixture's seed (hashes checked below). */
const files = Object.fromEntries(
  NAMES.map((name) => {
    const f = fixtures[name];
    const weights = uniformWeights(f.seed, f.weights);
    const written = Object.fromEntries(
      (['F32', 'BF16'] as const).map((dtype) => {
        const path = join(work, f.files[dtype].file);
        return [dtype, { path, sha256: writeReferenceSafetensors(path, weights, dtype) }];
      }),
    );
    return [name, { weights, ...written }];
  }),
) as unknown as Record<(typeof NAMES)[number], Record<Dtype, { path: string; sha256: string }> & { weights: ReturnType<typeof uniformWeights> }>;

function batchOf({ input_ids, attention_mask }: IdBatch): TokenBatch {
  return {
    inputIds: Int32Array.from(input_ids.flat()),
    attentionMask: Int32Array.from(attention_mask.flat()),
    tokenTypeIds: new Int32Array(input_ids.flat().length),
    batchSize: input_ids.length,
    seqLength: input_ids[0]!.length,
  };
}

/** A sentence-transformers folder: Transformer (config, weights, a WordPiece vocab of vocab_size tokens) → Pooling(mean), no Normalize. */
function modelFolder(name: (typeof NAMES)[number], dir: string, weightsFile = files[name].F32.path): string {
  const config = fixtures[name].config;
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  copyFileSync(weightsFile, join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = Array.from({ length: config.vocab_size as number }, (_, i) => specials[i] ?? `w${i}`);
  writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  const hidden = (config.hidden_size ?? config.dim) as number;
  writeFileSync(join(dir, '1_Pooling/config.json'), JSON.stringify({ word_embedding_dimension: hidden, pooling_mode_mean_tokens: true }));
  writeFileSync(
    join(dir, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]),
  );
  return dir;
}

/** The real-token rows of a `[b, len, h]` output, flattened, in the fixture's order. */
function realRows(hidden: Float32Array, mask: number[][], h: number): number[] {
  const len = mask[0]!.length;
  const out: number[] = [];
  mask.forEach((row, b) => row.forEach((m, j) => m && out.push(...hidden.subarray((b * len + j) * h, (b * len + j + 1) * h))));
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: number[], atol: number, label: string): number {
  const diff = maxAbsDiff(actual, expected);
  assert.ok(diff <= atol, `${label}: max |diff| ${diff} > ${atol}`);
  return diff;
}

test('architectures reference: the fixtures are what architectures_reference.py computes, with the same weight files', (t) => {
  const missing = pythonMissing(['torch', 'numpy']);
  if (missing) return t.skip(missing);
  const out = runReferenceScript('architectures_reference.py');
  try {
    for (const name of NAMES) {
      const fresh = JSON.parse(readFileSync(join(out, `${name}-unseen.json`), 'utf8')) as ArchFixture;
      for (const dtype of ['F32', 'BF16'] as const) {
        assert.deepEqual(readFileSync(join(out, fixtures[name].files[dtype].file)), readFileSync(files[name][dtype].path), `${name} ${dtype} file`);
      }
      const walk = (a: unknown, b: unknown, path: string): void => {
        if (typeof b === 'number') return assert.ok(Math.abs((a as number) - b) <= 1e-12 + 1e-6 * Math.abs(b), `${path}: ${a} vs ${b}`);
        if (Array.isArray(b) || (b && typeof b === 'object')) {
          assert.deepEqual(Object.keys(a as object), Object.keys(b as object), path);
          for (const key of Object.keys(b as object)) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
          return;
        }
        assert.deepEqual(a, b, path);
      };
      walk(fresh, fixtures[name], name);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('architectures reference: F32 and BF16 weight files are rebuilt byte for byte', () => {
  for (const name of NAMES) for (const dtype of ['F32', 'BF16'] as const) assert.equal(files[name][dtype].sha256, fixtures[name].files[dtype].sha256, `${name} ${dtype}`);
});

test('MPNet relative position buckets equal torch\'s for distances −600…600', () => {
  const { from, buckets } = fixtures.mpnet.relative_position_buckets!;
  buckets.forEach((expected, i) => assert.equal(relativePositionBucket(from + i), expected, `relative position ${from + i}`));
});

for (const name of NAMES) {
  test(`${name} reference: hidden states, CLS, pooler and mean-pooled embeddings for F32 and BF16 weights`, async (t) => {
    const info = await initBackend();
    t.diagnostic(`tfjs backend: ${info.tfBackend}`);
    const f = fixtures[name];
    for (const [what, size] of Object.entries(f.sensitivity)) assert.ok(size > 1e-2, `${what} changes the hidden states by only ${size}`);
    const architecture = architectureFor(f.config, 'config.json');
    const config = architecture.parseConfig(f.config, 'config.json');
    const batch = batchOf(f.batch);
    const h = config.hiddenSize;
    const before = tf.memory().numTensors;
    for (const dtype of ['F32', 'BF16'] as const) {
      const encoder = architecture.fromTensors(config, readSafetensors(files[name][dtype].path), dtype);
      const { lastHiddenState, poolerOutput } = encoder.forward(batch, { pooler: true });
      const hidden = await lastHiddenState.data();
      const expected = f.outputs[dtype];
      const errors: Record<string, number> = {};
      errors.last_hidden_state = assertClose(realRows(hidden as Float32Array, f.batch.attention_mask, h), expected.last_hidden_state.flat(), 1e-4, `${dtype} last_hidden_state`);
      const len = batch.seqLength;
      const cls = f.batch.input_ids.flatMap((_, i) => Array.from(hidden.subarray(i * len * h, i * len * h + h)));
      errors.cls = assertClose(cls, expected.cls.flat(), 1e-4, `${dtype} cls`);
      const mean = tf.tidy(() => l2Normalize(pool(lastHiddenState, batch, { wordDimension: h, modes: ['mean'], includePrompt: true })));
      errors.mean = assertClose(await mean.data(), expected.mean.flat(), 1e-4, `${dtype} mean`);
      assert.equal(poolerOutput !== undefined, expected.pooler_output !== undefined, 'a pooler exactly when the checkpoint has one');
      if (poolerOutput) errors.pooler_output = assertClose(await poolerOutput.data(), expected.pooler_output!.flat(), 1e-4, `${dtype} pooler_output`);
      t.diagnostic(`${name} ${dtype} max |diff|: ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
      tf.dispose([lastHiddenState, mean, ...(poolerOutput ? [poolerOutput] : [])]);
      encoder.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test(`${name} reference: MultipleNegativesRankingLoss weight gradients equal torch autograd`, async (t) => {
    await initBackend();
    const f = fixtures[name];
    const model = loadModelFolder(modelFolder(name, join(work, `${name}-grad`)));
    const weights = model.namedWeights();
    const architecture = architectureFor(f.config, 'config.json');
    const linear = new Set(architecture.tensorSpecs(architecture.parseConfig(f.config, 'config.json'), { pooler: true }).filter((s) => s.linear).map((s) => s.name));
    const anchors = batchOf(f.mnrl.anchors);
    const positives = batchOf(f.mnrl.positives);
    const { value, grads } = tf.variableGrads(
      () => mnrl().compute([model.forward(anchors), model.forward(positives)]),
      [...weights.values()],
    );
    assert.ok(Math.abs((await value.data())[0]! - f.mnrl.loss) <= 1e-5 * f.mnrl.loss, `loss ${value.dataSync()[0]} vs ${f.mnrl.loss}`);
    // torch has a gradient for every weight the loss reaches (all but the pooler), under the same names
    const reached = [...weights.keys()].filter((n) => !n.startsWith('pooler.'));
    assert.deepEqual(reached.sort(), Object.keys(f.mnrl.grads).sort(), 'a gradient for every weight, under the Hugging Face names');
    let worst = 0;
    let largest = 0;
    let worstRelative = 0;
    for (const [weightName, variable] of weights) {
      if (weightName.startsWith('pooler.')) {
        const g = grads[variable.name];
        assert.ok(!g || g.dataSync().every((x) => x === 0), `${weightName}: the loss does not reach the pooler`);
        continue;
      }
      const expected = (f.mnrl.grads[weightName] as number[] | number[][]).flat();
      // stored [out, in] like the file; held [in, out]
      const g = grads[variable.name]!;
      const got = await (linear.has(weightName) ? tf.transpose(g) : g).data();
      const scale = expected.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const diff = maxAbsDiff(got, expected);
      worst = Math.max(worst, diff);
      largest = Math.max(largest, scale);
      // attention key biases have an exactly zero gradient (softmax ignores a per-query constant): floor the scale
      worstRelative = Math.max(worstRelative, diff / Math.max(scale, 1e-3));
      if (process.env.EMBEDLAB_DEBUG) t.diagnostic(`${weightName} ${diff} ${scale}`);
      assert.ok(diff <= 1e-4 * Math.max(scale, 1e-3), `${weightName}: max |diff| ${diff} (largest gradient ${scale})`);
    }
    t.diagnostic(
      `${name} MNRL gradients: max |diff| ${worst.toExponential(2)} (largest |gradient| ${largest.toExponential(2)}); ` +
        `worst tensor max |diff| / max(its largest |gradient|, 1e-3) ${worstRelative.toExponential(2)}`,
    );
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  });

  test(`${name}: a saved folder reloads bit-identically, with config.json fields and tensor names transformers reads`, async () => {
    await initBackend();
    const f = fixtures[name];
    const model = loadModelFolder(modelFolder(name, join(work, `${name}-bf16`), files[name].BF16.path));
    const out = join(work, `${name}-saved`);
    await model.save(out);
    const saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(f.config)) assert.deepEqual(saved[key], value, `config.json "${key}"`);
    assert.equal(saved.torch_dtype, 'float32');
    const tensors = SafetensorsFile.open(join(out, 'model.safetensors'));
    assert.deepEqual(tensors.names().sort(), f.weights.map((w) => w.name).sort(), 'the tensor names of the transformers model');
    for (const w of f.weights) assert.deepEqual(tensors.tensors.get(w.name)!.shape, w.shape, `${w.name} shape [out, in]`);
    tensors.close();

    const reloaded = loadModelFolder(out);
    for (const [weightName, variable] of model.namedWeights()) {
      assert.deepEqual(await reloaded.namedWeights().get(weightName)!.data(), await variable.data(), weightName);
    }
    const batch = batchOf(f.batch);
    const [a, b] = [model.forward(batch), reloaded.forward(batch)];
    assert.deepEqual(await b.data(), await a.data(), 'the same embeddings');
    tf.dispose([a, b]);
    reloaded.dispose();
    model.dispose();
  });

  test(`${name}: weights under the task-model prefix, and sharded, load the same`, async () => {
    await initBackend();
    const f = fixtures[name];
    const prefix = { 'xlm-roberta': 'roberta', distilbert: 'distilbert', mpnet: 'mpnet' }[name];
    const dir = modelFolder(name, join(work, `${name}-prefixed`));
    rmSync(join(dir, 'model.safetensors'));
    const names = [...files[name].weights.keys()];
    const half = Math.ceil(names.length / 2);
    const weightMap: Record<string, string> = {};
    [names.slice(0, half), names.slice(half)].forEach((shard, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeReferenceSafetensors(join(dir, file), new Map(shard.map((n) => [`${prefix}.${n}`, files[name].weights.get(n)!])), 'F32');
      for (const n of shard) weightMap[`${prefix}.${n}`] = file;
    });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
    const plain = loadModelFolder(modelFolder(name, join(work, `${name}-plain`)));
    const prefixed = loadModelFolder(dir);
    const batch = batchOf(f.batch);
    const [a, b] = [plain.forward(batch), prefixed.forward(batch)];
    assert.deepEqual(await b.data(), await a.data());
    tf.dispose([a, b]);
    plain.dispose();
    prefixed.dispose();
  });
}

test('the architecture comes from model_type, else from the architectures class; saving writes model_type back', async () => {
  await initBackend();
  const pick = (raw: Record<string, unknown>) => architectureFor(raw, 'config.json').modelTypes[0];
  assert.equal(pick({ architectures: ['XLMRobertaForMaskedLM'] }), 'xlm-roberta');
  assert.equal(pick({ architectures: ['RobertaModel'] }), 'roberta');
  assert.equal(pick({ architectures: ['DistilBertForSequenceClassification'] }), 'distilbert');
  assert.equal(pick({ architectures: ['MPNetForMaskedLM'] }), 'mpnet');
  assert.equal(pick({ model_type: 'mpnet', architectures: ['BertModel'] }), 'mpnet', 'model_type wins');
  assert.throws(() => pick({ architectures: ['GPT2Model'] }), /config\.json: architectures GPT2Model is not supported; .*"bert" .*"xlm-roberta" .*"distilbert" .*"mpnet"/);

  const { model_type: _, ...withoutType } = fixtures.mpnet.config;
  const dir = modelFolder('mpnet', join(work, 'mpnet-no-model-type'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(withoutType));
  const model = loadModelFolder(dir);
  await model.save(join(work, 'mpnet-no-model-type-saved'));
  const saved = JSON.parse(readFileSync(join(work, 'mpnet-no-model-type-saved', 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(saved.model_type, 'mpnet');
  assert.deepEqual(saved.architectures, ['MPNetModel']);
  model.dispose();
});

test('configs an encoder cannot run are clear errors naming the file and field', () => {
  const parse = (raw: Record<string, unknown>) => architectureFor(raw, 'config.json').parseConfig(raw, 'config.json');
  assert.throws(() => parse({ ...fixtures.distilbert.config, sinusoidal_pos_embds: true }), /config\.json: "sinusoidal_pos_embds": true .* not supported/);
  assert.throws(() => parse({ ...fixtures.mpnet.config, relative_attention_num_buckets: 16 }), /config\.json: "relative_attention_num_buckets" must be an integer ≥ 32/);
  assert.throws(() => parse({ ...fixtures['xlm-roberta'].config, max_position_embeddings: 2 }), /config\.json: max_position_embeddings 2 leaves no positions after padding_idx 1/);
  assert.throws(() => parse({ ...fixtures.distilbert.config, n_heads: 4 }), /config\.json: dim 15 is not a multiple of n_heads 4/);
  assert.equal(parse(fixtures['xlm-roberta'].config).maxSequenceLength, 22, 'positions start after padding_idx 1');
});
