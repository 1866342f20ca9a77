import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { main } from '../src/cli/main';
import { lossFromFlags } from '../src/cli/commands/finetune';
import { resumeCommand } from '../src/cli/resumeCommand';
import { createStaticModel, loadModel } from '../src/models';
import { Random } from '../src/util/random';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const CLI = join(__dirname, '../src/cli/main.js');

async function fixture(rows: number) {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-cli-'));
  const modelDir = join(dir, 'model');
  const model = createStaticModel(TOKENIZER, { dim: 32, seed: 1 });
  await model.save(modelDir);
  model.dispose();
  const rng = new Random(5);
  const words = ['revenue', 'margin', 'debt', 'cash', 'growth', 'risk', 'tax', 'lease', 'segment', 'dividend', 'inventory', 'goodwill'];
  const lines = Array.from({ length: rows }, (_, i) => {
    const w = () => words[rng.int(words.length)];
    return JSON.stringify({ question: `what was the ${w()} of unit ${i}?`, context: `unit ${i} reported ${w()} and ${w()} in year ${2000 + (i % 20)}` });
  });
  const data = join(dir, 'train.jsonl');
  writeFileSync(data, lines.join('\n') + '\n');
  return { dir, modelDir, data };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  return {
    out,
    err,
    restore() {
      console.log = log;
      console.error = error;
      process.stderr.write = write;
    },
  };
}

test('embedlab finetune: trains with Matryoshka + held-out evaluation, writes checkpoints and a loadable model', async () => {
  const { dir, modelDir, data } = await fixture(120);
  const output = join(dir, 'out');
  const io = capture();
  let code: number;
  try {
    code = await main([
      'finetune', '--model', modelDir, '--train', data, '--test-size', '0.2', '--dims', '32,16',
      '--epochs', '2', '--batch-size', '16', '--lr', '0.1', '--scheduler', 'cosine', '--warmup-ratio', '0.1',
      '--metric', 'dim_16_cosine_ndcg@10', '--save-total-limit', '1', '--output', output, '--seed', '3',
    ]);
  } finally {
    io.restore();
  }
  const stderr = io.err.join('');
  assert.equal(code, 0, stderr);
  assert.match(stderr, /backend: /);
  assert.match(stderr, /train\.jsonl: 120 rows \(question-context format\)/);
  assert.match(stderr, /baseline NDCG@10: dim_32 0\.\d{4} · dim_16 0\.\d{4}/);
  assert.match(stderr, /fine-tuning \[█+\] 100%  step 12\/12 /);
  assert.match(io.out.join('\n'), /trained 12 steps in .*; best dim_16_cosine_ndcg@10 = 0\.\d{4} at step (6|12); model saved to/);
  const checkpoints = readdirSync(output).filter((n) => n.startsWith('checkpoint-'));
  assert.ok(checkpoints.length >= 1 && checkpoints.length <= 2, checkpoints.join(','));
  const trained = await loadModel(output);
  assert.equal(trained.dimension, 32);
  trained.dispose();
});

test('embedlab finetune: bad flags are user errors (exit 2) with a clear message', async () => {
  const { modelDir, data } = await fixture(20);
  const cases: [string[], RegExp][] = [
    [['--train', data], /--model is required/],
    [['--model', modelDir, '--train', data, '--lr', 'abc'], /--lr must be a finite positive number, got "abc"/],
    [['--model', modelDir, '--train', data, '--loss', 'triplet'], /--loss "triplet" is not one of: mnrl, cached-mnrl, cosent, distill/],
    [['--model', modelDir, '--train', data, '--dims', '32,x'], /"x" is not a positive integer/],
    [['--model', modelDir, '--train', data, '--resume'], /pass --output/],
    [['--model', modelDir, '--train', data, '--batch-size', '50', '--epochs', '1'], /batchSize 50 is larger than the 20 training rows/],
    [['--model', modelDir, '--train', data, '--test-size', '0.5', '--metric', 'ndcg'], /ndcg/],
  ];
  for (const [args, pattern] of cases) {
    const io = capture();
    let code: number;
    try {
      code = await main(['finetune', ...args]);
    } finally {
      io.restore();
    }
    assert.equal(code, 2, `${args.join(' ')} → ${io.err.join('')}`);
    assert.match(io.err.join(''), pattern);
  }
  assert.equal(lossFromFlags('cached-mnrl', { miniBatchSize: 4, dims: [8] }).miniBatchSize, 4);
  assert.equal(resumeCommand('finetune', ['--model', 'm', '--train', 'my data.jsonl', '--output', 'o']), "embedlab finetune --model m --train 'my data.jsonl' --output o --resume");
  assert.equal(resumeCommand('demo', ['--resume', '--output', "it's here"]), "embedlab demo --output 'it'\\''s here' --resume");
});

test('embedlab finetune --columns: data with undetected column names trains once they are named', async () => {
  const { dir, modelDir, data } = await fixture(40);
  const renamed = join(dir, 'renamed.jsonl');
  const lines = readFileSync(data, 'utf8').trim().split('\n').map((line) => {
    const { question, context } = JSON.parse(line);
    return JSON.stringify({ title: question, body: context });
  });
  writeFileSync(renamed, lines.join('\n') + '\n');
  const run = async (extra: string[]) => {
    const io = capture();
    try {
      return { code: await main(['finetune', '--model', modelDir, '--train', renamed, '--epochs', '1', '--batch-size', '8', ...extra]), err: io.err.join('') };
    } finally {
      io.restore();
    }
  };
  const undetected = await run([]);
  assert.equal(undetected.code, 2);
  assert.match(undetected.err, /title, body/);
  const named = await run(['--columns', 'anchor=title,positive=body']);
  assert.equal(named.code, 0, named.err);
  assert.match(named.err, /40 rows \(mapped format\)/);
});

test('embedlab finetune: Ctrl-C stops after the step, keeps a checkpoint and prints how to resume; --resume finishes', async () => {
  const { dir, modelDir, data } = await fixture(200);
  const output = join(dir, 'out');
  const args = ['finetune', '--model', modelDir, '--train', data, '--epochs', '3', '--batch-size', '4', '--lr', '0.05', '--output', output];
  const first = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, EMBEDLAB_BACKEND: 'wasm' } });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && /step \d+\/150/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /stopping after the current step/);
  const stoppedAt = Number(/stopped at step (\d+)\/150/.exec(first.stderr)?.[1]);
  assert.ok(stoppedAt >= 1 && stoppedAt < 150, first.stderr);
  assert.match(first.stderr, /Resume with:\n {2}embedlab finetune .* --resume/);
  assert.ok(existsSync(join(output, `checkpoint-${stoppedAt}`, 'trainer_state.json')));
  assert.ok(!existsSync(join(output, 'modules.json')), 'no final model after a stop');

  const io = capture();
  let code: number;
  try {
    code = await main([...args, '--resume']);
  } finally {
    io.restore();
  }
  assert.equal(code, 0, io.err.join(''));
  assert.match(io.out.join('\n'), /trained 150 steps/);
  assert.ok(existsSync(join(output, 'modules.json')), 'the final model is saved');
});
