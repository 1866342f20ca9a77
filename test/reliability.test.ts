/**
 * Faults and bad inputs a new user runs into, each pinned: the backend is
 * started once and never silently replaced, wrong arguments and data are
 * one-line errors, a broken newest checkpoint is skipped on resume, a killed
 * checkpoint write is cleaned up, and error paths free what they allocated.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../src/backend';
import { loadRecords } from '../src/data/load';
import { cachedMnrl } from '../src/losses';
import { createRandomBert, createStaticModel, loadModel } from '../src/models';
import { encodeSafetensors, SafetensorsFile } from '../src/models/safetensors';
import { loadTokenizer } from '../src/tokenizer/loadTokenizer';
import { finetune } from '../src/train/finetune';
import { batchGradients } from '../src/train/step';
import { EmbedlabError } from '../src/util/errors';
import { encodeNpy, readNpy } from '../src/util/npy';
import { Matrix } from '../src/util/matrix';
import { runMatryoshkaComparison } from '../src/workflow/matryoshkaComparison';
import { ToyEmbedder, toyRows } from './finetuneFixtures';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const CLI = join(__dirname, '../src/cli/main.js');
const DIST_SRC = join(__dirname, '../src');
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `embedlab-${prefix}-`));

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, EMBEDLAB_BACKEND: 'cpu', ...env } });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

/** A one-line user error: exit 2, the pattern, no stack. */
function assertUserError(run: { status: number | null; stderr: string }, pattern: RegExp, what: string) {
  assert.equal(run.status, 2, `${what}: exit 2\n${run.stderr}`);
  assert.match(run.stderr, pattern, what);
  assert.doesNotMatch(run.stderr, /\n\s+at /, `${what}: no stack trace`);
}

async function staticModelDir(dim = 8): Promise<string> {
  await initBackend();
  const dir = join(tmp('model'), 'm');
  const model = createStaticModel(TOKENIZER, { dim, seed: 1 });
  await model.save(dir);
  model.dispose();
  return dir;
}

async function bertModelDir(): Promise<string> {
  await initBackend();
  const dir = join(tmp('bert'), 'm');
  const config = { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64, vocab_size: 30522 };
  const model = createRandomBert(config, TOKENIZER, { seed: 1, pooler: false });
  await model.save(dir);
  model.dispose();
  return dir;
}

test('backend: unknown names are refused by initBackend, EMBEDLAB_BACKEND and --backend; no silent fallback', async () => {
  await assert.rejects(initBackend('bogus' as never), (e: Error) => e instanceof EmbedlabError && /initBackend\(choice\) "bogus" is not a backend; use one of: gpu, node, wasm, cpu/.test(e.message));
  assertUserError(cli(['backend', '--backend', 'bogus']), /--backend "bogus" is not a backend; use one of: gpu, node, wasm, cpu/, '--backend bogus');
  assertUserError(cli(['backend'], { EMBEDLAB_BACKEND: 'bogus' }), /EMBEDLAB_BACKEND="bogus" is not a backend/, 'EMBEDLAB_BACKEND=bogus');
  assertUserError(cli(['encode', '--model', 'm', '--input', 'x.txt', '--output', join(tmp('b'), 'o.npy'), '--backend', 'gpuu']), /--backend "gpuu" is not a backend/, 'encode --backend');
  const run = cli(['backend', '--backend', 'CPU']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^backend: cpu/);
});

test('backend: the library starts it once, before the first tensor, from loadModel / the evaluator / mining / finetune alone', async () => {
  const modelDir = await staticModelDir();
  // a fresh process that never calls initBackend: each entry point must start the backend itself
  const script = `
    const tf = require('@tensorflow/tfjs');
    const { backendInfo } = require(${JSON.stringify(join(DIST_SRC, 'backend'))});
    const { loadModel } = require(${JSON.stringify(join(DIST_SRC, 'models'))});
    const { InformationRetrievalEvaluator } = require(${JSON.stringify(join(DIST_SRC, 'eval'))});
    const { mineHardNegatives } = require(${JSON.stringify(join(DIST_SRC, 'mining/mine'))});
    const switches = [];
    const engine = tf.engine();
    const setBackend = engine.setBackend.bind(engine);
    engine.setBackend = (name) => { switches.push(name); return setBackend(name); };
    (async () => {
      const before = tf.engine().backendName;
      const model = await loadModel(${JSON.stringify(modelDir)});
      const chosen = backendInfo();
      const irSet = { queries: new Map([['q1', 'revenue growth']]), corpus: new Map([['d1', 'revenue grew'], ['d2', 'debt fell']]), relevantDocs: new Map([['q1', new Set(['d1'])]]) };
      await new InformationRetrievalEvaluator(irSet).evaluate(model);
      await mineHardNegatives([{ query: 'a', positives: ['b'] }, { query: 'c', positives: ['d'] }], { model }, { negativeNumber: 1, rangeForSampling: '0-2' });
      console.log(JSON.stringify({ before, chosen: chosen && chosen.tfBackend, now: tf.getBackend(), switches }));
      model.dispose();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, EMBEDLAB_BACKEND: 'wasm' } });
  assert.equal(run.status, 0, run.stderr);
  const seen = JSON.parse(run.stdout.trim().split('\n').pop()!);
  assert.equal(seen.before ?? null, null, 'no backend before the first call');
  assert.equal(seen.chosen, 'wasm', 'loadModel started the backend EMBEDLAB_BACKEND names');
  assert.equal(seen.now, 'wasm', 'still the same backend after evaluation and mining');
  assert.deepEqual(seen.switches, ['wasm'], 'started exactly once, never switched');
});

test('CLI evaluate and mine-negatives start the backend (EMBEDLAB_BACKEND honoured) before encoding', async () => {
  const modelDir = await staticModelDir();
  const dir = tmp('evalcli');
  writeFileSync(join(dir, 'q.jsonl'), '{"_id":"q1","text":"revenue"}\n');
  writeFileSync(join(dir, 'c.jsonl'), '{"_id":"d1","text":"revenue grew"}\n{"_id":"d2","text":"debt"}\n');
  writeFileSync(join(dir, 'qrels.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\n');
  writeFileSync(join(dir, 'pairs.jsonl'), '{"question":"a b","context":"c d"}\n{"question":"e f","context":"g h"}\n{"question":"i j","context":"k l"}\n');
  const evaluate = cli(['evaluate', '--model', modelDir, '--queries', join(dir, 'q.jsonl'), '--corpus', join(dir, 'c.jsonl'), '--qrels', join(dir, 'qrels.tsv')], { EMBEDLAB_BACKEND: 'wasm' });
  assert.equal(evaluate.status, 0, evaluate.stderr);
  assert.match(evaluate.stderr, /^backend: wasm .*forced by EMBEDLAB_BACKEND/m);
  const mine = cli(['mine-negatives', '--model', modelDir, '--input', join(dir, 'pairs.jsonl'), '--output', join(dir, 'm.jsonl'), '--negative-number', '1', '--range', '0-3'], { EMBEDLAB_BACKEND: 'cpu' });
  assert.equal(mine.status, 0, mine.stderr);
  assert.match(mine.stderr, /^backend: cpu/m);
});

test('library arguments of the wrong type are one-line EmbedlabErrors naming the argument', async () => {
  const modelDir = await staticModelDir();
  const file = join(tmp('args'), 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(loadModel(42 as never), /^EmbedlabError: loadModel\(idOrPath\) must be a model folder or Hugging Face id \(a string\), got number 42$/);
  const model = await loadModel(modelDir);
  try {
    await assert.rejects(model.encode(null as never), /^EmbedlabError: encode\(texts\) must be an array of strings, got null$/);
    await assert.rejects(model.encode([1, 2, 3] as never), /^EmbedlabError: encode\(texts\)\[0\] must be a string, got number 1$/);
    await assert.rejects(model.encode('one text' as never), /encode\(texts\) must be an array of strings, got "one text"/);
    await assert.rejects(model.save(file), /^EmbedlabError: model\.save\(dir\) .*a-file: is a file; give a folder path/);
    await assert.rejects(finetune(model, 'rows' as never), /finetune\(model, rows\) must be an array of rows/);
    await assert.rejects(finetune({} as never, []), /finetune\(model\) must be a model from loadModel\(\)/);
  } finally {
    model.dispose();
  }
});

test('bad data is refused: integer weights for a float tensor, NaN embeddings, Latin-1 text, an unknown tokenizer type, an empty file', async () => {
  // I32 weights
  const modelDir = await staticModelDir();
  const weightsPath = join(modelDir, '0_StaticEmbedding', 'model.safetensors');
  const file = SafetensorsFile.open(weightsPath);
  const [name] = file.names();
  const { shape } = file.read(name!);
  file.close();
  const ints = encodeSafetensors(new Map([[name!, { shape, data: new Float32Array(shape[0]! * shape[1]!) }]]));
  // rewrite the dtype in the header: same byte count, I32 instead of F32
  const patched = Buffer.from(ints);
  const at = patched.indexOf('"F32"');
  patched.write('"I32"', at);
  writeFileSync(weightsPath, patched);
  await assert.rejects(loadModel(modelDir), /model\.safetensors: tensor "embedding\.weight" is stored as I32, but model weights are floating point/);

  // NaN / Inf in a .npy
  const dir = tmp('bad');
  const m = Matrix.fromRows([[1, 2, 3], [4, 5, Number.NaN]]);
  writeFileSync(join(dir, 'e.npy'), encodeNpy(m));
  assert.throws(() => readNpy(join(dir, 'e.npy')), /e\.npy row 2, column 3 is NaN; embeddings must be finite numbers/);

  // Latin-1 bytes in a UTF-8 file: named with the line, not read as U+FFFD
  writeFileSync(join(dir, 'latin1.jsonl'), Buffer.concat([Buffer.from('{"question":"a","context":"b"}\n{"question":"caf'), Buffer.from([0xe9]), Buffer.from('","context":"d"}\n')]));
  await assert.rejects(loadRecords(join(dir, 'latin1.jsonl')), /latin1\.jsonl line 2 is not valid UTF-8; save the file as UTF-8/);

  // a tokenizer.json whose model type the tokenizer library does not implement
  const tokDir = join(dir, 'tok');
  mkdirSync(tokDir);
  const json = JSON.parse(readFileSync(join(TOKENIZER, 'tokenizer.json'), 'utf8'));
  json.model.type = 'WordLevelPlus';
  writeFileSync(join(tokDir, 'tokenizer.json'), JSON.stringify(json));
  assert.throws(() => loadTokenizer(tokDir), /tokenizer\.json: tokenizer model type "WordLevelPlus" is not supported; supported: WordPiece, BPE, Unigram, WordLevel/);

  // an empty data file
  writeFileSync(join(dir, 'empty.jsonl'), '');
  const run = cli(['finetune', '--model', modelDir, '--train', join(dir, 'empty.jsonl')]);
  assertUserError(run, /empty\.jsonl has no records \(it is empty\)/, 'empty .jsonl');
});

test('out-of-range flag values: --max-seq-length 1 / 100000, --negative-number 0, --batch-size -1', async () => {
  const bert = await bertModelDir();
  const dir = tmp('flags');
  writeFileSync(join(dir, 't.txt'), 'hello world\n');
  writeFileSync(join(dir, 'pairs.jsonl'), '{"question":"a","context":"b"}\n{"question":"c","context":"d"}\n');
  assertUserError(cli(['encode', '--model', bert, '--input', join(dir, 't.txt'), '--output', join(dir, 'o.npy'), '--max-seq-length', '1']),
    /maxSeqLength 1 leaves no room for text: .* adds 2 special tokens to every text; use at least 3/, '--max-seq-length 1');
  const long = cli(['encode', '--model', bert, '--input', join(dir, 't.txt'), '--output', join(dir, 'o.npy'), '--max-seq-length', '100000']);
  assert.equal(long.status, 0, long.stderr);
  assert.match(long.stderr, /maxSeqLength 100000 is more than the 64 positions of .* \(max_position_embeddings\); using 64/);
  assertUserError(cli(['mine-negatives', '--model', bert, '--input', join(dir, 'pairs.jsonl'), '--output', join(dir, 'm.jsonl'), '--negative-number', '0']),
    /--negative-number must be a positive integer, got "0"/, '--negative-number 0');
  for (const command of [['encode', '--model', bert, '--input', join(dir, 't.txt'), '--output', join(dir, 'x.npy')], ['finetune', '--model', bert, '--train', join(dir, 'pairs.jsonl')], ['demo']]) {
    assertUserError(cli([...command, '--batch-size', '-1']), /--batch-size must be a positive integer, got "-1"/, `${command[0]} --batch-size -1`);
  }
  assertUserError(cli(['finetune', '--model', bert, '--train', join(dir, 'pairs.jsonl'), '--lr', '-2e-5']), /--lr must be a finite positive number, got "-2e-5"/, '--lr -2e-5');
  assertUserError(cli(['demo', '--epochs']), /--epochs needs a value/, 'a flag without its value');
  assertUserError(cli(['demo', '--bogus', '1']), /unknown flag --bogus; see embedlab demo --help/, 'an unknown flag');
  // the library refuses the same values
  await assert.rejects(loadModel(bert, { maxSeqLength: 1 }), /maxSeqLength 1 leaves no room for text/);
});

test('what the data lacks is said in those words: no hard negatives for --negatives, no scores for cosent, no teacher scores for distill', async () => {
  const modelDir = await staticModelDir();
  const dir = tmp('lacks');
  writeFileSync(join(dir, 'qc.jsonl'), Array.from({ length: 12 }, (_, i) => JSON.stringify({ question: `q ${i}`, context: `c ${i}` })).join('\n') + '\n');
  const train = join(dir, 'qc.jsonl');
  assertUserError(cli(['finetune', '--model', modelDir, '--train', train, '--negatives', '5']), /has no hard negatives, but 5 per row were asked for/, '--negatives 5');
  assertUserError(cli(['finetune', '--model', modelDir, '--train', train, '--loss', 'cosent']), /has no scores: this loss trains on scored pairs/, '--loss cosent');
  assertUserError(cli(['finetune', '--model', modelDir, '--train', train, '--loss', 'distill']), /has no teacher scores: distillation trains on FlagEmbedding-style rows/, '--loss distill');
});

test('the old spellings keep working with a note: demo --out, finetune --matryoshka-dims', async () => {
  const modelDir = await staticModelDir();
  const dir = tmp('alias');
  const run = cli(['finetune', '--model', modelDir, '--train', join(dir, 'missing.jsonl'), '--matryoshka-dims', '8,4', '--output', join(dir, 'o')]);
  assert.match(run.stderr, /embedlab finetune: --matryoshka-dims is deprecated; use --dims/);
  assert.match(run.stderr, /missing\.jsonl/, 'the run went on to read the data');
  const demo = cli(['demo', '--out', join(dir, 'readme-here', 'x'), '--dims', '0']);
  assert.match(demo.stderr, /--out is deprecated; use --output/);
  assertUserError(demo, /--dims: "0" is not a positive integer/, 'demo --dims 0');
});

test('resume: a broken newest checkpoint is skipped with the reason, training continues from the previous one; a killed write’s temp folder is removed', async () => {
  await initBackend();
  const outputDir = join(tmp('resume'), 'run');
  const rows = toyRows(48, 4);
  const options = { batchSize: 8, epochs: 1, lr: 1e-3, outputDir, saveSteps: 2, seed: 5 };
  const full = new ToyEmbedder({ seed: 2 });
  const reference = await finetune(full, rows, { ...options, outputDir: join(tmp('resume-ref'), 'run') });
  full.dispose();

  // the same run, stopped after step 4 (as Ctrl-C does): checkpoints 2 and 4
  const model = new ToyEmbedder({ seed: 2 });
  const stop = new AbortController();
  await finetune(model, rows, { ...options, signal: stop.signal, onProgress: (info) => info.step === 4 && stop.abort() });
  model.dispose();
  assert.ok(existsSync(join(outputDir, 'checkpoint-4')) && existsSync(join(outputDir, 'checkpoint-2')));
  truncateSync(join(outputDir, 'checkpoint-4', 'trainer_weights.safetensors'), 100);
  // a checkpoint write killed with the process, and one of a process still running
  mkdirSync(join(outputDir, '.checkpoint-6.999999.tmp'));
  writeFileSync(join(outputDir, '.checkpoint-6.999999.tmp', 'model.safetensors'), 'partial');
  mkdirSync(join(outputDir, `.checkpoint-6.${process.ppid}.tmp`));

  const warnings: string[] = [];
  const resumed = new ToyEmbedder({ seed: 2 });
  const result = await finetune(resumed, rows, { ...options, resume: true, onWarning: (m) => warnings.push(m) });
  resumed.dispose();
  assert.ok(warnings.some((w) => /skipping .*checkpoint-4: it does not load \(.*trainer_weights\.safetensors.*\); trying the previous checkpoint/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /removed .*\.checkpoint-6\.999999\.tmp, left by a checkpoint write that was killed/.test(w)), warnings.join('\n'));
  assert.ok(!existsSync(join(outputDir, '.checkpoint-6.999999.tmp')));
  assert.ok(existsSync(join(outputDir, `.checkpoint-6.${process.ppid}.tmp`)), 'a live writer’s temp folder is left alone');
  // resumed from step 2: steps 3.. replayed, and the losses equal the uninterrupted run's
  assert.equal(result.globalStep, reference.globalStep);
  assert.deepEqual(result.history.steps.map((s) => s.step), reference.history.steps.map((s) => s.step));
  for (const [i, s] of result.history.steps.entries()) assert.ok(Math.abs(s.loss - reference.history.steps[i]!.loss) < 1e-5, `step ${s.step} loss`);
});

test('--overwrite on an earlier demo-style run starts over (its checkpoints replaced, nothing else touched); without it the flags are named', async () => {
  await initBackend();
  const outputDir = join(tmp('over'), 'run');
  const rows = toyRows(32, 4);
  const first = new ToyEmbedder({ seed: 2 });
  await finetune(first, rows, { batchSize: 8, epochs: 1, outputDir, saveSteps: 2 });
  first.dispose();
  writeFileSync(join(outputDir, 'notes.txt'), 'mine');
  const again = new ToyEmbedder({ seed: 2 });
  await assert.rejects(finetune(again, rows, { batchSize: 8, epochs: 1, outputDir }), /already holds checkpoints \(checkpoint-2, checkpoint-4\); pass resume: true to continue that run, overwrite: true to start over/);
  const warnings: string[] = [];
  await finetune(again, rows, { batchSize: 8, epochs: 1, outputDir, saveSteps: 3, overwrite: true, onWarning: (m) => warnings.push(m) });
  again.dispose();
  assert.ok(warnings.some((w) => /starting over in .*: removed the earlier run's checkpoint-2, checkpoint-4/.test(w)), warnings.join('\n'));
  const names = readdirSync(outputDir);
  assert.ok(names.includes('checkpoint-3') && !names.includes('checkpoint-2'), names.join(', '));
  assert.equal(readFileSync(join(outputDir, 'notes.txt'), 'utf8'), 'mine');
});

test('ownership: runMatryoshkaComparison frees its model (tensor count flat across three calls); GradCache frees partial sums when a mini-batch throws', async () => {
  await initBackend();
  const dir = tmp('leak');
  const data = join(dir, 'pairs.jsonl');
  writeFileSync(data, Array.from({ length: 40 }, (_, i) => JSON.stringify({ question: `question ${i} about item ${i % 7}`, context: `context ${i} item ${i % 7}` })).join('\n') + '\n');
  const counts: number[] = [];
  for (let i = 0; i < 3; i++) {
    await runMatryoshkaComparison({ dataset: data, outputDir: join(dir, `run-${i}`), model: 'random:16', epochs: 1, batchSize: 8, dims: [16, 8] });
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts).size, 1, `tensors after each call: ${counts.join(' → ')}`);

  // GradCache: the model throws in the third pass over the mini-batches, after partial sums exist
  const model = new ToyEmbedder({ seed: 3 });
  let forwards = 0;
  const forward = model.forward.bind(model);
  model.forward = (batch, options) => {
    forwards += 1;
    if (forwards === 9) throw new Error('mini-batch failed');
    return forward(batch, options);
  };
  const rows = toyRows(6, 1);
  const batch = { columns: [rows.map((r) => r.anchor), rows.map((r) => r.positive)] };
  const before = tf.memory().numTensors;
  await assert.rejects(batchGradients(model, cachedMnrl({ miniBatchSize: 2 }), batch), /mini-batch failed/);
  assert.ok(forwards === 9, 'it failed after stage 1 (6 forwards) and two re-embedded mini-batches');
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  model.dispose();
});
