import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { resolveModel, resolveDataset, type DownloadProgress } from '../src/hub';
import { EmbedlabError } from '../src/util/errors';
import { FakeHub, commitOf, etagOf, filesOf, gitSha1, sha256, walk, type FakeFile } from './fakeHub';
import { initBackend } from '../src/backend';
import { encodeSafetensors, loadModel } from '../src/models';
import { wordLevelTokenizerJson } from '../src/tokenizer';

const GOLDEN_MODEL = join(__dirname, '../../../shared/golden/bert_forward');
const TOKEN = 'hf_embedlabTestSecret0123456789abcdef';

const tempRoot = mkdtempSync(join(tmpdir(), 'embedlab-hub-'));
let tempCount = 0;
const freshDir = (name: string): string => join(tempRoot, `${name}-${tempCount++}`);
after(() => rmSync(tempRoot, { recursive: true, force: true }));

/** Runs `body` with some environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

// Keep the developer's own token and offline setting out of these tests.
for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HUB_OFFLINE', 'HF_ENDPOINT', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE']) {
  delete process.env[name];
}
process.env['HF_HOME'] = join(tempRoot, 'hf-home-default');

const MODEL_ID = 'embedlab-test/bert-forward';
const modelFiles: FakeFile[] = [
  ...filesOf(GOLDEN_MODEL),
  { path: 'README.md', bytes: Buffer.from('# bert-forward\n\nA tiny BERT for tests.\n'), lfs: false },
  { path: '.gitattributes', bytes: Buffer.from('*.safetensors filter=lfs diff=lfs merge=lfs -text\n'), lfs: false },
  { path: 'pytorch_model.bin', bytes: Buffer.from('PK\x03\x04 pickle that must never be fetched'), lfs: true },
  { path: 'onnx/model.onnx', bytes: Buffer.from('onnx graph bytes'), lfs: true },
];
/** What a sentence-transformers load needs from that repo, and nothing else. */
const NEEDED = [
  '1_Pooling/config.json',
  'README.md',
  'config.json',
  'config_sentence_transformers.json',
  'model.safetensors',
  'modules.json',
  'sentence_bert_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.txt',
];

test('hub: downloads a model into the huggingface_hub cache layout, byte for byte', async () => {
  const hub = new FakeHub();
  await hub.start();
  const repo = hub.add({ kind: 'model', id: MODEL_ID, commit: commitOf('model-1'), files: modelFiles });
  const cacheDir = freshDir('cache');
  try {
    const progress: DownloadProgress[] = [];
    const folder = await resolveModel(MODEL_ID, { endpoint: hub.endpoint, cacheDir, onProgress: (p) => progress.push(p) });
    const storage = join(cacheDir, 'models--embedlab-test--bert-forward');
    // progress reports reach each file's full size
    const weights = progress.filter((p) => p.file === 'model.safetensors');
    assert.equal(weights.at(-1)?.loaded, 8135952);
    assert.ok(weights.every((p) => p.total === 8135952 && p.repo === MODEL_ID));
    assert.deepEqual([...new Set(progress.map((p) => p.file))].sort(), NEEDED);
    assert.equal(folder, join(storage, 'snapshots', repo.commit));
    assert.equal(readFileSync(join(storage, 'refs', 'main'), 'utf8'), repo.commit);

    // exactly the needed files, each a relative symlink to blobs/<etag> with the source bytes
    assert.deepEqual(walk(folder).map(([p]) => p).sort(), NEEDED);
    const expectedBlobs = new Set<string>();
    for (const path of NEEDED) {
      const source = repo.files.find((f) => f.path === path)!;
      const pointer = join(folder, path);
      assert.ok(lstatSync(pointer).isSymbolicLink(), `${path} is a symlink`);
      const etag = etagOf(source);
      expectedBlobs.add(etag);
      assert.equal(readlinkSync(pointer), relative(dirname(pointer), join(storage, 'blobs', etag)));
      assert.ok(readFileSync(pointer).equals(source.bytes), `${path} bytes match the source`);
      if (!path.startsWith('README')) assert.ok(readFileSync(join(GOLDEN_MODEL, path)).equals(readFileSync(pointer)));
    }
    // LFS files are named by sha256, the others by git blob sha1 — as huggingface_hub names them
    assert.equal(
      realpathSync(join(folder, 'model.safetensors')),
      realpathSync(join(storage, 'blobs', sha256(readFileSync(join(GOLDEN_MODEL, 'model.safetensors'))))),
    );
    assert.deepEqual(new Set(readdirSync(join(storage, 'blobs'))), expectedBlobs);
    // never asked for pickle / onnx / the fp16 copies
    const fetched = hub.requests().map((r) => r.url).filter((u) => u.includes('/resolve/'));
    for (const banned of ['pytorch_model.bin', 'onnx/model.onnx', 'model.fp16.safetensors', 'bert_forward.json']) {
      assert.ok(!fetched.some((u) => u.endsWith(`/${banned}`)), `${banned} not fetched`);
    }
    // the LFS weights came through the redirect to the CDN origin
    assert.ok(hub.requests('cdn').length > 0);

    // second load, server up: metadata only, no file downloads, same folder
    const before = hub.log.length;
    assert.equal(await resolveModel(MODEL_ID, { endpoint: hub.endpoint, cacheDir }), folder);
    const second = hub.log.slice(before);
    assert.ok(second.every((r) => r.url.startsWith('/api/')), `second load only asked the API: ${second.map((r) => r.url)}`);

    // third load, server shut down: the cache answers, with a warning
    await hub.stop();
    const warnings: string[] = [];
    assert.equal(await resolveModel(MODEL_ID, { endpoint: hub.endpoint, cacheDir, onWarning: (m) => warnings.push(m) }), folder);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cannot reach .*using the cached model/);
  } finally {
    await hub.stop().catch(() => undefined);
  }
});

test('hub: offline mode uses the cache only and names the cache folder when the model is missing', async () => {
  const hub = new FakeHub();
  await hub.start();
  const repo = hub.add({ kind: 'model', id: MODEL_ID, commit: commitOf('model-2'), files: modelFiles });
  const home = freshDir('home');
  try {
    // HF_HOME decides the cache; HF_ENDPOINT the server
    await withEnv({ HF_HOME: home, HF_ENDPOINT: hub.endpoint }, async () => {
      const storage = join(home, 'hub', 'models--embedlab-test--bert-forward');
      await withEnv({ HF_HUB_OFFLINE: '1' }, async () => {
        await assert.rejects(resolveModel(MODEL_ID), (error: Error) => {
          assert.ok(error instanceof EmbedlabError);
          assert.ok(error.message.includes(storage), error.message);
          assert.match(error.message, /offline/);
          return true;
        });
      });
      assert.equal(hub.log.length, 0, 'offline mode made no request');

      const folder = await resolveModel(MODEL_ID);
      assert.equal(folder, join(storage, 'snapshots', repo.commit));

      const before = hub.log.length;
      await withEnv({ HF_HUB_OFFLINE: 'true' }, async () => {
        assert.equal(await resolveModel(MODEL_ID), folder);
        // a commit id works offline too, a revision never downloaded does not
        assert.equal(await resolveModel(MODEL_ID, { revision: repo.commit }), folder);
        await assert.rejects(resolveModel(MODEL_ID, { revision: 'v2' }), /not in the Hugging Face cache/);
      });
      assert.equal(hub.log.length, before, 'offline mode made no request');
    });

    // HF_HUB_CACHE wins over HF_HOME
    const hubCache = freshDir('hub-cache');
    await withEnv({ HF_HOME: home, HF_HUB_CACHE: hubCache, HF_ENDPOINT: hub.endpoint }, async () => {
      assert.equal(
        await resolveModel(MODEL_ID),
        join(hubCache, 'models--embedlab-test--bert-forward', 'snapshots', repo.commit),
      );
    });
  } finally {
    await hub.stop();
  }
});

test('hub: unreachable hub and empty cache gives an error naming the cache folder', async () => {
  const hub = new FakeHub();
  await hub.start();
  const endpoint = hub.endpoint;
  await hub.stop();
  const cacheDir = freshDir('cache');
  await assert.rejects(resolveModel(MODEL_ID, { endpoint, cacheDir }), (error: Error) => {
    assert.ok(error instanceof EmbedlabError);
    assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(error.message.includes(join(cacheDir, 'models--embedlab-test--bert-forward')), error.message);
    return true;
  });
});

test('hub: the token goes to the hub origin only and never into the cache or error messages', async () => {
  const hub = new FakeHub();
  await hub.start();
  const repo = hub.add({ kind: 'model', id: 'acme/private-bert', commit: commitOf('private'), files: modelFiles, token: TOKEN });
  const cacheDir = freshDir('cache');
  try {
    // no token: a clear error that says how to give one
    await assert.rejects(resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir }), /needs an access token.*HF_TOKEN/);

    // a wrong token that the server echoes back is redacted from the error
    const wrong = 'hf_wrongTokenValue9876543210zyxwvu';
    await assert.rejects(resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir, token: wrong }), (error: Error) => {
      assert.match(error.message, /refused the access token/);
      assert.ok(!error.message.includes(wrong) && !String(error.stack).includes(wrong), error.message);
      return true;
    });

    // a server error that echoes the request headers is redacted too
    hub.add({ kind: 'model', id: 'acme/echo', commit: commitOf('echo'), files: modelFiles, echoHeaders: true });
    await assert.rejects(resolveModel('acme/echo', { endpoint: hub.endpoint, cacheDir, token: TOKEN }), (error: Error) => {
      assert.match(error.message, /upstream failed/);
      assert.match(error.message, /Bearer \*\*\*/);
      assert.ok(!error.message.includes(TOKEN) && !String(error.stack).includes(TOKEN), error.message);
      return true;
    });

    // the token from HF_TOKEN works; it reached every hub request, and no CDN request
    hub.log.length = 0;
    const folder = await withEnv({ HF_TOKEN: TOKEN }, () => resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir }));
    assert.ok(hub.requests('hub').length > 0 && hub.requests('cdn').length > 0);
    for (const r of hub.requests('hub')) assert.equal(r.authorization, `Bearer ${TOKEN}`, r.url);
    for (const r of hub.requests('cdn')) assert.equal(r.authorization, undefined, `CDN got no token: ${r.url}`);
    assert.ok(readFileSync(join(folder, 'model.safetensors')).equals(readFileSync(join(GOLDEN_MODEL, 'model.safetensors'))));

    // nothing in the cache mentions the token, in names or contents
    for (const [path, bytes] of walk(cacheDir)) {
      assert.ok(!path.includes(TOKEN) && !bytes.includes(Buffer.from(TOKEN)), `${path} is free of the token`);
    }

    // the token file ($HF_TOKEN_PATH) is read when HF_TOKEN is unset
    const tokenFile = join(freshDir('token'), 'token');
    mkdirSync(dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, `${TOKEN}\n`);
    hub.log.length = 0;
    await withEnv({ HF_TOKEN_PATH: tokenFile }, () => resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir: freshDir('cache') }));
    assert.ok(hub.requests('hub').every((r) => r.authorization === `Bearer ${TOKEN}`));

    // token: false sends none even when HF_TOKEN is set
    hub.log.length = 0;
    await withEnv({ HF_TOKEN: TOKEN }, () =>
      assert.rejects(resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir: freshDir('cache'), token: false }), /needs an access token/),
    );
    assert.ok(hub.requests('hub').every((r) => r.authorization === undefined));
  } finally {
    await hub.stop();
  }
});

test('hub: file names or ids that would escape the cache folder are refused before anything is written', async () => {
  const hub = new FakeHub();
  await hub.start();
  const cacheDir = freshDir('cache');
  const hostile = (path: string) => ({ type: 'file', oid: gitSha1(Buffer.from('x')), size: 1, path });
  try {
    const cases: [string, string, RegExp][] = [
      ['evil/escape-dots', '1_Pooling/../../../../../escape.json', /"\.\." segment/],
      ['evil/escape-abs', `/${join(tempRoot, 'escape-abs.jsonl').replace(/^\//, '')}`, /absolute path/],
      ['evil/escape-backslash', '2_Normalize\\..\\..\\escape.json', /backslash/],
    ];
    for (const [id, path, reason] of cases) {
      hub.add({ kind: id.endsWith('abs') ? 'dataset' : 'model', id, commit: commitOf(id), files: modelFiles, extraTree: [hostile(path)] });
      const resolver = id.endsWith('abs') ? resolveDataset : resolveModel;
      await assert.rejects(resolver(id, { endpoint: hub.endpoint, cacheDir }), (error: Error) => {
        assert.ok(error instanceof EmbedlabError);
        assert.match(error.message, /could escape the cache folder/);
        assert.match(error.message, reason);
        return true;
      });
    }
    // a hostile commit id from the revision API is refused too
    hub.add({ kind: 'model', id: 'evil/sha', commit: commitOf('sha'), files: modelFiles, fakeSha: '../../../escape' });
    await assert.rejects(resolveModel('evil/sha', { endpoint: hub.endpoint, cacheDir }), /invalid commit id/);

    assert.ok(!existsSync(join(tempRoot, 'escape.json')) && !existsSync(join(tempRoot, 'escape-abs.jsonl')));
    assert.equal(hub.requests().filter((r) => r.url.includes('/resolve/')).length, 0, 'nothing was downloaded');
    assert.deepEqual(walk(cacheDir), [], 'nothing was written');
    // a revision that is a path is refused as well, online or offline
    for (const offline of [true, false]) {
      await assert.rejects(resolveModel(MODEL_ID, { endpoint: hub.endpoint, cacheDir, offline, revision: '../../x' }), /refusing revision/);
    }
  } finally {
    await hub.stop();
  }
});

test('hub: a failed or corrupt download leaves no partial blob and no ref, and a retry completes', async () => {
  const hub = new FakeHub();
  await hub.start();
  const cacheDir = freshDir('cache');
  const storage = join(cacheDir, 'models--acme--flaky');
  try {
    // the CDN hangs up half way through the weights
    const repo = hub.add({ kind: 'model', id: 'acme/flaky', commit: commitOf('flaky'), files: modelFiles, corrupt: 'model.safetensors' });
    await assert.rejects(resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir }), (error: Error) => {
      assert.ok(error instanceof EmbedlabError);
      assert.match(error.message, /acme\/flaky.*model\.safetensors: the download broke off after \d+ of 8135952 bytes/);
      return true;
    });
    const weightsEtag = sha256(readFileSync(join(GOLDEN_MODEL, 'model.safetensors')));
    const blobs = readdirSync(join(storage, 'blobs'));
    assert.ok(!blobs.includes(weightsEtag), 'no weights blob');
    assert.deepEqual(blobs.filter((b) => b.includes('incomplete') || b.includes('.tmp')), []);
    assert.ok(!existsSync(join(storage, 'refs', 'main')), 'no ref to a half-made snapshot');

    // the server sends wrong bytes for a small file: checksum mismatch, named in the error
    // (in a fresh cache: the first try may already have stored the good tokenizer.json)
    repo.corrupt = 'tokenizer.json';
    const otherCache = freshDir('cache');
    await assert.rejects(resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir: otherCache }), (error: Error) => {
      assert.match(error.message, /tokenizer\.json: downloaded content does not match the repo's checksum/);
      return true;
    });
    const otherBlobs = readdirSync(join(otherCache, 'models--acme--flaky', 'blobs'));
    assert.ok(!otherBlobs.includes(gitSha1(readFileSync(join(GOLDEN_MODEL, 'tokenizer.json')))));
    assert.deepEqual(otherBlobs.filter((b) => b.includes('incomplete')), []);

    // once the server behaves, the same cache completes
    repo.corrupt = undefined;
    const folder = await resolveModel(repo.id, { endpoint: hub.endpoint, cacheDir });
    assert.deepEqual(walk(folder).map(([p]) => p).sort(), NEEDED);
    assert.ok(readFileSync(join(folder, 'tokenizer.json')).equals(readFileSync(join(GOLDEN_MODEL, 'tokenizer.json'))));
  } finally {
    await hub.stop();
  }
});

test('hub: datasets resolve under datasets--org--name with their data files only', async () => {
  const hub = new FakeHub();
  await hub.start();
  const files: FakeFile[] = [
    { path: 'README.md', bytes: Buffer.from('---\nlicense: cc0-1.0\n---\n# pairs\n'), lfs: false },
    { path: 'data/train.jsonl', bytes: Buffer.from('{"question":"q1","context":"c1"}\n{"question":"q2","context":"c2"}\n'), lfs: false },
    { path: 'data/test-00000-of-00001.parquet', bytes: Buffer.from('PAR1 fake parquet bytes PAR1'), lfs: true },
    { path: 'extra.csv', bytes: Buffer.from('question,context\nq,c\n'), lfs: false },
    { path: 'loader.py', bytes: Buffer.from('print("never fetched")\n'), lfs: false },
    { path: '.gitattributes', bytes: Buffer.from('*.parquet filter=lfs\n'), lfs: false },
  ];
  const repo = hub.add({ kind: 'dataset', id: 'acme/qa-pairs', commit: commitOf('ds'), files });
  const cacheDir = freshDir('cache');
  try {
    const folder = await resolveDataset(repo.id, { endpoint: hub.endpoint, cacheDir });
    assert.equal(folder, join(cacheDir, 'datasets--acme--qa-pairs', 'snapshots', repo.commit));
    const got = new Map(walk(folder));
    assert.deepEqual([...got.keys()].sort(), ['README.md', 'data/test-00000-of-00001.parquet', 'data/train.jsonl', 'extra.csv']);
    for (const [path, bytes] of got) assert.ok(bytes.equals(files.find((f) => f.path === path)!.bytes), path);
    assert.ok(hub.requests().some((r) => r.url.startsWith('/api/datasets/acme/qa-pairs/revision/main')));
    assert.ok(hub.requests().some((r) => r.url.startsWith('/datasets/acme/qa-pairs/resolve/')));

    // allowPatterns replaces the default selection
    const only = await resolveDataset(repo.id, { endpoint: hub.endpoint, cacheDir: freshDir('cache'), allowPatterns: ['data/*.jsonl'] });
    assert.deepEqual(walk(only).map(([p]) => p), ['data/train.jsonl']);
  } finally {
    await hub.stop();
  }
});

test('hub: local folders, missing paths, bad ids, unknown repos and pickle-only models', async () => {
  const hub = new FakeHub();
  await hub.start();
  const cacheDir = freshDir('cache');
  try {
    assert.equal(await resolveModel(GOLDEN_MODEL), GOLDEN_MODEL);
    await assert.rejects(resolveModel('./no-such-model-folder'), /model folder .*no-such-model-folder does not exist/);
    await assert.rejects(resolveDataset('/tmp/no/such/dataset'), /dataset folder \/tmp\/no\/such\/dataset does not exist/);
    await assert.rejects(resolveModel(join(GOLDEN_MODEL, 'config.json')), /is a file; pass the folder/);
    await assert.rejects(resolveModel('bad id!'), /neither an existing local folder nor a valid Hugging Face model id/);
    await assert.rejects(resolveModel(''), /no model given/);

    await assert.rejects(resolveModel('acme/missing', { endpoint: hub.endpoint, cacheDir }), (error: Error) => {
      assert.ok(error instanceof EmbedlabError);
      assert.match(error.message, /model "acme\/missing" \(revision main\) was not found at http:\/\/127\.0\.0\.1:\d+/);
      return true;
    });

    const pickleOnly = modelFiles.filter((f) => !f.path.endsWith('.safetensors'));
    hub.add({ kind: 'model', id: 'acme/old-bert', commit: commitOf('old'), files: pickleOnly });
    await assert.rejects(resolveModel('acme/old-bert', { endpoint: hub.endpoint, cacheDir }), (error: Error) => {
      assert.match(error.message, /only as pytorch_model\.bin \(Python pickle\), which embedlab never loads/);
      assert.match(error.message, /model\.safetensors/);
      return true;
    });
    assert.ok(!hub.requests().some((r) => r.url.includes('pytorch_model.bin')));
  } finally {
    await hub.stop();
  }
});

test('hub: static models load from hub ids in both layouts — sentence-transformers StaticEmbedding and model2vec (weights + mapping folded)', async () => {
  await initBackend();
  // a small word-level tokenizer: [UNK] the cash flow rose fell
  const vocabulary = ['[UNK]', 'the', 'cash', 'flow', 'rose', 'fell'];
  const tokenizerJson = Buffer.from(JSON.stringify(wordLevelTokenizerJson(vocabulary)));
  const dim = 3;
  const table = Float32Array.from({ length: vocabulary.length * dim }, (_, i) => Math.sin(i + 1));
  const st: FakeFile[] = [
    { path: 'modules.json', bytes: Buffer.from(JSON.stringify([{ idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' }])), lfs: false },
    { path: '0_StaticEmbedding/tokenizer.json', bytes: tokenizerJson, lfs: false },
    { path: '0_StaticEmbedding/model.safetensors', bytes: Buffer.from(encodeSafetensors(new Map([['embedding.weight', { shape: [vocabulary.length, dim], data: table }]]))), lfs: true },
  ];
  // model2vec after vocabulary quantization: 2 distinct rows, a weight per token, a mapping token → row
  const rows = Float32Array.from([1, 2, 3, -1, 0.5, 0]);
  const weights = Float32Array.from([0, 0.5, 1, 2, 1.5, 1]);
  const mapping = Float32Array.from([0, 0, 1, 1, 0, 1]);
  const m2v: FakeFile[] = [
    { path: 'config.json', bytes: Buffer.from(JSON.stringify({ model_type: 'model2vec', architectures: ['StaticModel'], normalize: true, hidden_dim: dim })), lfs: false },
    { path: 'tokenizer.json', bytes: tokenizerJson, lfs: false },
    {
      path: 'model.safetensors',
      bytes: Buffer.from(encodeSafetensors(new Map([['embeddings', { shape: [2, dim], data: rows }], ['weights', { shape: [6], data: weights }], ['mapping', { shape: [6], data: mapping }]]))),
      lfs: true,
    },
  ];
  const hub = new FakeHub();
  await hub.start();
  hub.add({ kind: 'model', id: 'embedlab-test/static-st', commit: commitOf('static-st'), files: st });
  hub.add({ kind: 'model', id: 'embedlab-test/static-m2v', commit: commitOf('static-m2v'), files: m2v });
  const cacheDir = freshDir('cache');
  try {
    const stModel = await loadModel('embedlab-test/static-st', { endpoint: hub.endpoint, cacheDir });
    assert.equal(stModel.normalizes, false);
    // "The cash flow" → mean of rows 1, 2, 3
    const got = (await stModel.encode(['The cash flow'])).row(0);
    for (let k = 0; k < dim; k++) assert.ok(Math.abs(got[k]! - (table[3 + k]! + table[6 + k]! + table[9 + k]!) / 3) < 1e-6);
    stModel.dispose();

    const m2vModel = await loadModel('embedlab-test/static-m2v', { endpoint: hub.endpoint, cacheDir });
    assert.equal(m2vModel.normalizes, true, 'config.json normalize: true → a Normalize module');
    // model2vec's encode: mean of embeddings[mapping[id]] * weights[id], then L2-normalised
    const ids = [2, 4]; // cash, rose
    const mean = [0, 1, 2].map((k) => ids.reduce((s, id) => s + rows[mapping[id]! * dim + k]! * weights[id]!, 0) / ids.length);
    const norm = Math.hypot(...mean);
    const m2vGot = (await m2vModel.encode(['cash rose'])).row(0);
    mean.forEach((v, k) => assert.ok(Math.abs(m2vGot[k]! - v / norm) < 1e-6, `dim ${k}: ${m2vGot[k]} vs ${v / norm}`));
    m2vModel.dispose();
  } finally {
    await hub.stop();
  }
  // a mapping that points outside the table is refused with the file and tensor named
  const bad = freshDir('m2v-bad');
  mkdirSync(bad, { recursive: true });
  for (const f of m2v) writeFileSync(join(bad, f.path), f.bytes);
  writeFileSync(join(bad, 'model.safetensors'), encodeSafetensors(new Map([['embeddings', { shape: [2, dim], data: rows }], ['mapping', { shape: [6], data: Float32Array.from([0, 0, 1, 7, 0, 1]) }]])));
  await assert.rejects(loadModel(bad), /model\.safetensors: tensor "mapping" entry 3 is 7, not a row of "embeddings" \(0\.\.1\)/);
});
