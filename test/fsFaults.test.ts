/**
 * Real file-system failures, not simulated ones: a read-only mount, a full
 * disk and a folder without write permission, made in a private mount/user
 * namespace (`unshare`), so the tests work as root in CI — root ignores
 * permission bits, but not a read-only mount, a full tmpfs, or the missing
 * capabilities of a user namespace. Where `unshare` is not allowed the tests
 * skip and say why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../src/backend';
import { createStaticModel } from '../src/models';
import { Random } from '../src/util/random';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const CLI = join(__dirname, '../src/cli/main.js');
const ENV = { ...process.env, EMBEDLAB_BACKEND: 'cpu', NODE_TEST_CONTEXT: undefined };

function unshareWorks(args: string[]): string | undefined {
  const run = spawnSync('unshare', [...args, 'sh', '-c', args.includes('--mount') ? 'mount -t tmpfs tmpfs /mnt' : 'true'], { encoding: 'utf8' });
  return run.status === 0 ? undefined : `unshare ${args.join(' ')} is not available here (${(run.stderr || String(run.error)).trim().split('\n')[0]})`;
}
const noMountNamespace = unshareWorks(['--user', '--map-root-user', '--mount']);
const noUserNamespace = unshareWorks(['--user']);

/** Runs `script` (sh) in a private user + mount namespace; `$NODE` and `$CLI` are set. */
function inNamespace(script: string, args: string[] = ['--user', '--map-root-user', '--mount']) {
  const run = spawnSync('unshare', [...args, 'sh', '-c', script], {
    encoding: 'utf8',
    env: { ...ENV, NODE: process.execPath, CLI },
    timeout: 240_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function fixture(rows: number) {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-fsfault-'));
  const modelDir = join(dir, 'model');
  const model = createStaticModel(TOKENIZER, { dim: 8, seed: 1 });
  await model.save(modelDir);
  model.dispose();
  const rng = new Random(3);
  const words = ['revenue', 'margin', 'debt', 'cash', 'growth', 'risk', 'tax', 'lease'];
  const w = () => words[rng.int(words.length)];
  const data = join(dir, 'train.jsonl');
  writeFileSync(data, Array.from({ length: rows }, (_, i) => JSON.stringify({ question: `what ${w()} in unit ${i}?`, context: `unit ${i} had ${w()} and ${w()}` })).join('\n') + '\n');
  const texts = join(dir, 'texts.txt');
  writeFileSync(texts, Array.from({ length: rows }, (_, i) => `text number ${i} about ${w()}`).join('\n') + '\n');
  return { dir, modelDir, data, texts };
}

/** Lines of stderr that are not the progress bar or the backend line. */
function errorLines(stderr: string): string[] {
  return stderr.split(/[\r\n]+/).filter((l) => l.trim() && !/^backend:|█|░|encoding|fine-tuning|rows \(|checkpoint: /.test(l));
}

test('read-only disk: each command refuses its output before any work, in one line naming the flag and the path', { skip: noMountNamespace }, async () => {
  const { dir, modelDir, data, texts } = await fixture(30);
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  const commands: [string, RegExp][] = [
    [`encode --model ${modelDir} --input ${texts} --output ${ro}/out.npy`, /--output .*ro\/out\.npy: cannot write .*ro: the file system is read-only/],
    [`finetune --model ${modelDir} --train ${data} --output ${ro}/run`, /--output .*ro\/run: cannot write .*ro: the file system is read-only/],
    [`mine-negatives --model ${modelDir} --input ${data} --output ${ro}/mined.jsonl`, /--output .*mined\.jsonl: cannot write .*read-only/],
    [`demo --output ${ro}/demo`, /--output .*ro\/demo: cannot write .*read-only/],
  ];
  for (const [args, expected] of commands) {
    const run = inNamespace(`mount -t tmpfs -o size=1m tmpfs ${ro} && mount -o remount,ro ${ro} && exec "$NODE" "$CLI" ${args}`);
    assert.equal(run.status, 2, `${args}\n${run.stderr}`);
    assert.match(run.stderr, expected, args);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(run.stderr, /^backend:/m, 'refused before the backend started, i.e. before any work');
    assert.equal(errorLines(run.stderr).length, 1, run.stderr);
  }
});

test('no write permission (a user namespace, so even root is refused): one line naming the path', { skip: noUserNamespace }, async () => {
  const { dir, modelDir, texts } = await fixture(10);
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  const run = inNamespace(`exec "$NODE" "$CLI" encode --model ${modelDir} --input ${texts} --output ${locked}/out.npy`, ['--user']);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--output .*locked\/out\.npy: cannot write .*locked: permission denied; choose a location you can write to/);
  assert.equal(errorLines(run.stderr).length, 1, run.stderr);
});

test('full disk while writing embeddings: one line naming the file, no temp file left', { skip: noMountNamespace }, async () => {
  const { dir, modelDir, texts } = await fixture(3000);
  const small = join(dir, 'small');
  mkdirSync(small);
  // 3000 × 8 float32 = 96 KB of embeddings into a 32 KB disk
  const run = inNamespace(
    `mount -t tmpfs -o size=32k tmpfs ${small} && "$NODE" "$CLI" encode --model ${modelDir} --input ${texts} --output ${small}/out.npy; echo "exit=$?"; ls -A ${small}`,
  );
  assert.match(run.stdout, /exit=2\n$/, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /cannot write .*small\/out\.npy: no space left on the device; free some space or choose another disk/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('full disk during training: the last good checkpoint is kept, the resume command printed, and --resume finishes once there is room', { skip: noMountNamespace, timeout: 300_000 }, async () => {
  const { dir, modelDir, data } = await fixture(64);
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  const run = join(disk, 'run');
  const args = `finetune --model ${modelDir} --train ${data} --output ${run} --batch-size 8 --max-steps 4 --save-steps 1 --save-total-limit 1 --seed 3`;
  // a checkpoint of this model is ~4.6 MB: the first fits in 7 MB, the second does not; then the disk grows
  const result = inNamespace(
    [
      `mount -t tmpfs -o size=7m tmpfs ${disk}`,
      `"$NODE" "$CLI" ${args}; echo "first=$?"`,
      `echo "after-failure: $(ls -A ${run} | tr '\\n' ' ')"`,
      `mount -o remount,size=64m ${disk}`,
      `"$NODE" "$CLI" ${args} --resume; echo "second=$?"`,
      `echo "after-resume: $(ls -A ${run} | tr '\\n' ' ')"`,
    ].join('; '),
  );
  assert.match(result.stdout, /first=2\n/, result.stderr);
  assert.match(result.stderr, /no space left on the device; free some space or choose another disk; training stopped, the last good checkpoint is .*run\/checkpoint-1\n/);
  assert.match(result.stderr, /Resume with:\n {2}embedlab finetune .* --resume\n/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  const afterFailure = /after-failure: (.*)/.exec(result.stdout)![1]!.trim().split(' ');
  assert.ok(afterFailure.includes('checkpoint-1'), `checkpoint-1 kept: ${afterFailure}`);
  assert.ok(!afterFailure.some((n) => /\.tmp$/.test(n)), `no half-written checkpoint left: ${afterFailure}`);
  assert.match(result.stdout, /second=0\n/, result.stderr);
  assert.match(result.stdout, /trained 4 steps/);
  const afterResume = /after-resume: (.*)/.exec(result.stdout)![1]!.trim().split(' ');
  assert.ok(afterResume.includes('checkpoint-4') && afterResume.includes('modules.json'), `the run finished and saved the model: ${afterResume}`);
});
