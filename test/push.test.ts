import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { pushToHub, resolveModel, type PushProgress } from '../src/hub';
import { createStaticModel, loadModel } from '../src/models';
import { EmbedlabError } from '../src/util/errors';
import { FakeHub, sha256, walk } from './fakeHub';

// Pushes go through the real @huggingface/hub client to a local server that
// speaks the Hub's upload API (repo creation, preupload, LFS batch with basic
// transfers to a second "storage" origin, ndjson commit).

const CLI = join(__dirname, '../src/cli/main.js');
const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const TOKEN = 'hf_pushTestSecret0123456789abcdefXYZ';
const tempRoot = mkdtempSync(join(tmpdir(), 'embedlab-push-'));
let count = 0;
const fresh = (name: string) => join(tempRoot, `${name}-${count++}`);
after(() => rmSync(tempRoot, { recursive: true, force: true }));

let modelDir = '';
before(async () => {
  await initBackend();
  modelDir = join(tempRoot, 'model');
  const model = createStaticModel(TOKENIZER, { dim: 32, seed: 3 });
  await model.save(modelDir);
  model.dispose();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only the given hub variables set (the developer's own token never leaks in). */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HF_|HUGGING_FACE_)/.test(k)));
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, HF_HOME: join(tempRoot, 'hf-home'), ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** The files a push sends: hidden ones (such as embedlab's .embedlab-output marker) are never pushed. */
function visible(folder: string): [string, Buffer][] {
  return walk(folder).filter(([p]) => !p.split('/').some((part) => part.startsWith('.')));
}

function assertFilesEqual(hub: FakeHub, repoId: string, folder: string): void {
  const repo = hub.repos.get(`model:${repoId}`)!;
  // hidden files (such as the .embedlab-output marker) are not pushed
  const local = visible(folder);
  assert.deepEqual(repo.files.map((f) => f.path).sort(), local.map(([p]) => p).sort());
  for (const [path, bytes] of local) {
    assert.ok(repo.files.find((f) => f.path === path)!.bytes.equals(bytes), `${path} is byte for byte the same`);
  }
}

function assertNoToken(hub: FakeHub, run: Run, folder: string): void {
  assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), 'the token is not printed');
  for (const [path, bytes] of [...walk(folder), ...walk(join(tempRoot, 'hf-home'))]) {
    assert.ok(!bytes.includes(TOKEN), `the token is not written into ${path}`);
  }
  // only hub API calls carry it; the LFS storage origin never sees it
  assert.ok(hub.requests('cdn').every((r) => r.authorization === undefined));
  assert.ok(hub.bodies.every((b) => !b.includes(TOKEN)), 'the token is in no request body');
}

test('push: a round trip through the Hub upload API keeps every file byte for byte, weights through LFS', async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  try {
    const env = { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN };
    const first = await cli(['push', modelDir, 'acme/static-demo', '--private'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), `${hub.endpoint}/acme/static-demo`);
    assert.match(first.stderr, /pushing to acme\/static-demo .*100%/);
    assert.match(first.stderr, /created .*acme\/static-demo: \d+ files in commit [0-9a-f]{12}/);
    assertFilesEqual(hub, 'acme/static-demo', modelDir);
    const repo = hub.repos.get('model:acme/static-demo')!;
    assert.equal(repo.private, true);
    assert.deepEqual(repo.commits, ['Upload model with embedlab']);
    // the weights went through the LFS batch API and storage, the JSON files inline
    const weights = readFileSync(join(modelDir, '0_StaticEmbedding', 'model.safetensors'));
    assert.ok(hub.lfsObjects.get(sha256(weights))?.equals(weights));
    assert.deepEqual(repo.files.filter((f) => f.lfs).map((f) => f.path), ['0_StaticEmbedding/model.safetensors']);
    assert.ok(hub.requests().some((r) => r.url === '/acme/static-demo.git/info/lfs/objects/batch'));
    assertNoToken(hub, first, modelDir);

    // the pushed repo downloads through embedlab's own hub client into the same bytes
    const cacheDir = fresh('cache');
    const snapshot = await resolveModel('acme/static-demo', { endpoint: hub.endpoint, token: TOKEN, cacheDir, allowPatterns: ['**'] });
    assert.deepEqual(walk(snapshot).map(([p, b]) => [p, sha256(b)]), visible(modelDir).map(([p, b]) => [p, sha256(b)]));

    // pushing again updates the existing repo (409 on create is not an error); an unchanged LFS object is not re-sent
    const storageBefore = hub.requests('cdn').length;
    const again = await cli(['push', modelDir, 'acme/static-demo', '--message', 'second push'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /updated /);
    assert.equal(hub.requests('cdn').length, storageBefore);
    assert.deepEqual(repo.commits, ['Upload model with embedlab', 'second push']);
    assertFilesEqual(hub, 'acme/static-demo', modelDir);
  } finally {
    await hub.stop();
  }
});

test('push: a refused token is one line, exit 2, without the token, and creates nothing', async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add('hf_someoneElsesToken000000000000000');
  try {
    const run = await cli(['push', modelDir, 'acme/refused'], { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN });
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^embedlab push: http:\/\/127\.0\.0\.1:\d+ refused the access token \(HTTP 401\) while creating the repo: it needs write access to acme\/refused$/m);
    assert.equal(run.stdout, '');
    assert.ok(!hub.repos.has('model:acme/refused'));
    assertNoToken(hub, run, modelDir);
  } finally {
    await hub.stop();
  }
});

test('push: an upload interrupted mid-file commits nothing, and running it again completes', async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  hub.interruptNextUpload = true;
  try {
    const env = { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN };
    const broken = await cli(['push', modelDir, 'acme/flaky'], env);
    assert.equal(broken.code, 2, broken.stderr);
    const lastLine = broken.stderr.trim().split('\n').at(-1)!;
    assert.match(lastLine, /^embedlab push: push to acme\/flaky failed while uploading: .*nothing was committed — run it again$/);
    assert.ok(!/\n\s+at /.test(broken.stderr), 'no stack trace');
    const repo = hub.repos.get('model:acme/flaky')!;
    assert.deepEqual(repo.files, [], 'no file was committed');
    assert.deepEqual(repo.commits, []);
    assert.ok(!hub.requests().some((r) => r.url.includes('/commit/')), 'the commit endpoint was never called');

    const rerun = await cli(['push', modelDir, 'acme/flaky'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assertFilesEqual(hub, 'acme/flaky', modelDir);
    assertNoToken(hub, rerun, modelDir);
  } finally {
    await hub.stop();
  }
});

test('push: pushToHub reports byte progress up to the total and skips hidden files and checkpoints', async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  const folder = fresh('with-extras');
  cpSync(modelDir, folder, { recursive: true });
  mkdirSync(join(folder, 'checkpoint-12'));
  writeFileSync(join(folder, 'checkpoint-12', 'optimizer.bin'), 'state');
  writeFileSync(join(folder, '.DS_Store'), 'x');
  try {
    const progress: PushProgress[] = [];
    const result = await pushToHub(folder, 'acme/api', { endpoint: hub.endpoint, token: TOKEN, onProgress: (p) => progress.push(p) });
    const total = visible(modelDir).reduce((n, [, b]) => n + b.length, 0);
    assert.equal(progress.at(-1)!.uploaded, total);
    assert.ok(progress.every((p) => p.total === total));
    const uploaded = progress.map((p) => p.uploaded);
    assert.deepEqual(uploaded, [...uploaded].sort((a, b) => a - b), 'progress never goes back');
    assert.ok(progress.some((p) => p.phase === 'hashing') && progress.some((p) => p.phase === 'committing'));
    assert.equal(result.created, true);
    assert.equal(result.commit, hub.repos.get('model:acme/api')!.commit);
    assert.deepEqual(result.files, visible(modelDir).map(([p]) => p).sort());
    assertFilesEqual(hub, 'acme/api', modelDir);
  } finally {
    await hub.stop();
  }
});

test('push: bad input is one line and exit 2 before any request', async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  const notModel = fresh('not-a-model');
  mkdirSync(notModel);
  writeFileSync(join(notModel, 'notes.txt'), 'hello');
  const env = { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN };
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['push', modelDir], env, /expected <folder> <repo-id>, got 1 argument/],
    [['push', modelDir, 'no-owner'], env, /"no-owner" is not a Hugging Face repo id to push to: expected "owner\/name"/],
    [['push', modelDir, 'a/b/c'], env, /"a\/b\/c" is not a Hugging Face repo id/],
    [['push', join(tempRoot, 'missing'), 'acme/x'], env, /missing does not exist: pass the folder of a saved model/],
    [['push', join(notModel, 'notes.txt'), 'acme/x'], env, /notes\.txt is a file/],
    [['push', notModel, 'acme/x'], env, /holds no model \(no modules\.json or config\.json\)/],
    [['push', modelDir, 'acme/x', '--bogus'], env, /Unknown option '--bogus'/],
    [['push', modelDir, 'acme/x', '--message', ' '], env, /--message is empty/],
    [['push', modelDir, 'acme/x'], { HF_ENDPOINT: hub.endpoint }, /needs a Hugging Face access token with write access: set HF_TOKEN/],
    [['push', modelDir, 'acme/x'], { HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'not-a-token' }, /HF_TOKEN\) is malformed: tokens start with "hf_"/],
  ];
  try {
    for (const [args, vars, message] of cases) {
      const run = await cli(args, vars);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.ok(!run.stderr.includes('not-a-token'));
    }
    assert.equal(hub.log.length, 0, 'no request was made');
    await assert.rejects(pushToHub(modelDir, 'acme/x', { endpoint: hub.endpoint, token: 'hf_x', private: true }).then(() => undefined), (error: Error) => {
      // a wrong token through the API: an EmbedlabError without the token
      assert.ok(error instanceof EmbedlabError);
      assert.ok(!error.message.includes('hf_x '));
      return true;
    });
  } finally {
    await hub.stop();
  }
});

test('push: model.push saves a copy with the repo id in its card and pushes it; the model loads back from the Hub', async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  const model = createStaticModel(TOKENIZER, { dim: 16, seed: 9 });
  try {
    const result = await model.push('acme/from-api', { endpoint: hub.endpoint, token: TOKEN });
    assert.equal(result.url, `${hub.endpoint}/acme/from-api`);
    const readme = hub.repos.get('model:acme/from-api')!.files.find((f) => f.path === 'README.md')!.bytes.toString('utf8');
    assert.ok(readme.includes('SentenceTransformer("acme/from-api")'));
    assert.equal(model.cardData.modelId, undefined, 'the model itself is unchanged');
    const loaded = await loadModel('acme/from-api', { endpoint: hub.endpoint, token: TOKEN, cacheDir: fresh('cache') });
    const texts = ['what was revenue in 2023?', 'net income rose'];
    assert.deepEqual(Array.from((await loaded.encode(texts)).data), Array.from((await model.encode(texts)).data));
    assert.equal(loaded.cardData.baseModel, 'acme/from-api');
    loaded.dispose();
  } finally {
    model.dispose();
    await hub.stop();
  }
});

test('push: finetune --push-to-hub pushes the saved model in --output, without its checkpoints', { timeout: 300_000 }, async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  const dir = fresh('finetune');
  mkdirSync(dir);
  const data = join(dir, 'train.jsonl');
  writeFileSync(data, Array.from({ length: 60 }, (_, i) => JSON.stringify({ question: `what about unit ${i}?`, context: `unit ${i} reported item ${i % 9}` })).join('\n') + '\n');
  const output = join(dir, 'out');
  try {
    const run = await cli(
      ['finetune', '--model', modelDir, '--train', data, '--test-size', '0.2', '--epochs', '1', '--batch-size', '8', '--lr', '0.05',
        '--query-prompt', 'query: ', '--document-prompt', 'passage: ', '--license', 'mit', '--output', output, '--push-to-hub', 'acme/tuned'],
      { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN },
    );
    assert.equal(run.code, 0, run.stderr);
    const pushed = visible(output).filter(([p]) => !p.startsWith('checkpoint-'));
    assert.ok(visible(output).some(([p]) => p.startsWith('checkpoint-')), 'the run wrote checkpoints');
    const repo = hub.repos.get('model:acme/tuned')!;
    assert.deepEqual(repo.files.map((f) => f.path).sort(), pushed.map(([p]) => p).sort());
    for (const [path, bytes] of pushed) assert.ok(repo.files.find((f) => f.path === path)!.bytes.equals(bytes), path);
    const readme = readFileSync(join(output, 'README.md'), 'utf8');
    assert.match(readme, /^---\nlicense: mit\n/);
    assert.ok(readme.includes('SentenceTransformer("acme/tuned")'));
    const stConfig = JSON.parse(readFileSync(join(output, 'config_sentence_transformers.json'), 'utf8'));
    assert.deepEqual(stConfig.prompts, { query: 'query: ', document: 'passage: ' });
    assertNoToken(hub, run, output);
  } finally {
    await hub.stop();
  }
});
