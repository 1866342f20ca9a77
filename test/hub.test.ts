import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { resolveModel, resolveDataset, type DownloadProgress } from '../src/hub';
import { EmbedlabError } from '../src/util/errors';
import { initBackend } from '../src/backend';
import { encodeSafetensors, loadModel } from '../src/models';
import { wordLevelTokenizerJson } from '../src/tokenizer';

// A local HTTP server speaking the parts of the Hugging Face Hub API that a
// download uses: revision info, recursive tree listing, and resolve URLs with
// Range, ETag / X-Linked-Etag, X-Repo-Commit and (for LFS files) a redirect to
// a second "CDN" origin.

const GOLDEN_MODEL = join(__dirname, '../../../shared/golden/bert_forward');
const TOKEN = 'hf_embedlabTestSecret0123456789abcdef';

interface FakeFile {
  path: string;
  bytes: Buffer;
  lfs: boolean;
}

interface FakeRepo {
  kind: 'model' | 'dataset';
  id: string;
  commit: string;
  files: FakeFile[];
  /** Only this token may read the repo. */
  token?: string;
  /** Extra raw tree entries (e.g. hostile names). */
  extraTree?: object[];
  /** Sha returned by the revision API instead of the commit. */
  fakeSha?: string;
  /** Answer the API with a 500 whose body echoes the request headers, as a careless proxy might. */
  echoHeaders?: boolean;
  /** Send a body different from the listed content for this path. */
  corrupt?: string;
}

interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization: string | undefined;
}

const gitSha1 = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const etagOf = (file: FakeFile): string => (file.lfs ? sha256(file.bytes) : gitSha1(file.bytes));
const commitOf = (seed: string): string => createHash('sha1').update(seed).digest('hex');

function filesOf(folder: string, prefix = ''): FakeFile[] {
  const out: FakeFile[] = [];
  for (const entry of readdirSync(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesOf(folder, path));
    else out.push({ path, bytes: readFileSync(join(folder, path)), lfs: /\.(safetensors|bin|onnx)$/.test(path) });
  }
  return out;
}

class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly log: LoggedRequest[] = [];
  private hub!: Server;
  private cdn!: Server;
  endpoint = '';
  private cdnBase = '';

  async start(): Promise<void> {
    this.cdn = createServer((req, res) => this.serveCdn(req, res));
    this.hub = createServer((req, res) => this.serveHub(req, res));
    this.cdnBase = `http://127.0.0.1:${await listen(this.cdn)}`;
    this.endpoint = `http://127.0.0.1:${await listen(this.hub)}`;
  }

  async stop(): Promise<void> {
    for (const server of [this.hub, this.cdn]) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  }

  add(repo: FakeRepo): FakeRepo {
    this.repos.set(`${repo.kind}:${repo.id}`, repo);
    return repo;
  }

  requests(server: 'hub' | 'cdn' = 'hub'): LoggedRequest[] {
    return this.log.filter((r) => r.server === server);
  }

  private record(server: 'hub' | 'cdn', req: IncomingMessage): void {
    this.log.push({ server, method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
  }

  private serveHub(req: IncomingMessage, res: ServerResponse): void {
    this.record('hub', req);
    const url = new URL(req.url ?? '/', this.endpoint);
    const path = decodeURIComponent(url.pathname);
    const api = /^\/api\/(models|datasets)\/(.+?)\/(revision|tree)\/([^/]+)$/.exec(path);
    if (api) {
      const repo = this.repos.get(`${api[1]!.slice(0, -1)}:${api[2]}`);
      if (!repo) return json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      if (!this.authorized(repo, req, res)) return;
      if (repo.echoHeaders) return json(res, 500, { error: `upstream failed for ${JSON.stringify(req.headers)}` });
      if (api[4] !== 'main' && api[4] !== repo.commit) return json(res, 404, { error: 'Invalid rev id' });
      if (api[3] === 'revision') {
        return json(res, 200, {
          _id: `id-${repo.id}`,
          id: repo.id,
          sha: repo.fakeSha ?? repo.commit,
          private: repo.token !== undefined,
          lastModified: '2024-01-01T00:00:00.000Z',
          siblings: repo.files.map((f) => ({ rfilename: f.path })),
        });
      }
      const tree: object[] = [];
      const dirs = new Set<string>();
      for (const f of repo.files) {
        for (let d = dirname(f.path); d !== '.'; d = dirname(d)) dirs.add(d);
        tree.push({
          type: 'file',
          oid: gitSha1(f.lfs ? Buffer.from(`lfs pointer ${sha256(f.bytes)}`) : f.bytes),
          size: f.bytes.length,
          path: f.path,
          ...(f.lfs ? { lfs: { oid: sha256(f.bytes), size: f.bytes.length, pointerSize: 134 } } : {}),
        });
      }
      for (const d of dirs) tree.push({ type: 'directory', oid: commitOf(d), size: 0, path: d });
      return json(res, 200, [...tree, ...(repo.extraTree ?? [])]);
    }
    const resolve = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve) {
      const repo = this.repos.get(`${resolve[1] ? 'dataset' : 'model'}:${resolve[2]}`);
      if (!repo) return json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      if (!this.authorized(repo, req, res)) return;
      const file = repo.files.find((f) => f.path === resolve[4]);
      if (!file || (resolve[3] !== 'main' && resolve[3] !== repo.commit)) {
        return json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      }
      const common = { 'X-Repo-Commit': repo.commit };
      if (file.lfs) {
        res.writeHead(302, {
          ...common,
          Location: `${this.cdnBase}/blobs/${sha256(file.bytes)}?repo=${encodeURIComponent(repo.id)}`,
          'X-Linked-Etag': `"${sha256(file.bytes)}"`,
          'X-Linked-Size': String(file.bytes.length),
        });
        return void res.end();
      }
      const body = repo.corrupt === file.path ? Buffer.from(file.bytes).fill(0x20) : file.bytes;
      return sendBytes(req, res, body, { ...common, ETag: `"${gitSha1(file.bytes)}"` });
    }
    json(res, 404, { error: `no route ${path}` });
  }

  private serveCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record('cdn', req);
    const url = new URL(req.url ?? '/', this.cdnBase);
    const hash = url.pathname.replace('/blobs/', '');
    const repo = this.repos.get(`model:${url.searchParams.get('repo')}`) ?? this.repos.get(`dataset:${url.searchParams.get('repo')}`);
    const file = repo?.files.find((f) => f.lfs && sha256(f.bytes) === hash);
    if (!repo || !file) return json(res, 404, { error: 'no such blob' });
    if (repo.corrupt === file.path && req.headers.range !== 'bytes=0-0') {
      // Announce the full length but hang up half way: a broken download.
      res.writeHead(200, { 'Content-Length': String(file.bytes.length), ETag: `"${hash}"` });
      res.write(file.bytes.subarray(0, file.bytes.length >> 1));
      return void setTimeout(() => res.destroy(), 20);
    }
    sendBytes(req, res, file.bytes, { ETag: `"${hash}"` });
  }

  /** Private repos need the right token; a wrong one is echoed back in the error, as a careless server might. */
  private authorized(repo: FakeRepo, req: IncomingMessage, res: ServerResponse): boolean {
    if (repo.token === undefined || req.headers.authorization === `Bearer ${repo.token}`) return true;
    json(res, 401, { error: `Invalid credentials in Authorization header: ${req.headers.authorization ?? 'none'}` });
    return false;
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, headers: Record<string, string>): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    res.writeHead(206, {
      ...headers,
      'Accept-Ranges': 'bytes',
      'Content-Range': `bytes ${start}-${end}/${bytes.length}`,
      'Content-Length': String(end - start + 1),
    });
    return void res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
  }
  res.writeHead(200, { ...headers, 'Accept-Ranges': 'bytes', 'Content-Length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Every file under a folder (following symlinks), as [relative path, bytes]. */
function walk(folder: string, prefix = ''): [string, Buffer][] {
  if (!existsSync(folder)) return [];
  const out: [string, Buffer][] = [];
  for (const name of readdirSync(join(folder, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const full = join(folder, rel);
    if (lstatSync(full).isDirectory()) out.push(...walk(folder, rel));
    else out.push([rel, readFileSync(full)]);
  }
  return out;
}

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
