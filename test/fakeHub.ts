/**
 * A local HTTP server speaking the parts of the Hugging Face Hub API that
 * embedlab uses, well enough for the real clients: downloads (revision info,
 * recursive tree listing, resolve URLs with Range, ETag / X-Linked-Etag,
 * X-Repo-Commit and, for LFS files, a redirect to a second "CDN" origin) and
 * uploads as @huggingface/hub makes them (repo creation, preupload, the Git
 * LFS batch API with basic transfers, and the ndjson commit endpoint).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FakeFile {
  path: string;
  bytes: Buffer;
  lfs: boolean;
}

export interface FakeRepo {
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
  /** Created through the upload API as private. */
  private?: boolean;
  /** Commit messages, oldest first (upload API). */
  commits?: string[];
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization: string | undefined;
}

export const gitSha1 = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
export const etagOf = (file: FakeFile): string => (file.lfs ? sha256(file.bytes) : gitSha1(file.bytes));
export const commitOf = (seed: string): string => createHash('sha1').update(seed).digest('hex');

export function filesOf(folder: string, prefix = ''): FakeFile[] {
  const out: FakeFile[] = [];
  for (const entry of readdirSync(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesOf(folder, path));
    else out.push({ path, bytes: readFileSync(join(folder, path)), lfs: /\.(safetensors|bin|onnx)$/.test(path) });
  }
  return out;
}

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly log: LoggedRequest[] = [];
  /** Tokens allowed to create repos and commit. */
  readonly writeTokens = new Set<string>();
  /** LFS objects received through the batch API's upload actions, by sha256. */
  readonly lfsObjects = new Map<string, Buffer>();
  /** Hang up half way through the next LFS upload, as a dropped connection would. */
  interruptNextUpload = false;
  /** Every request body the servers received, as text (to check what was sent). */
  readonly bodies: string[] = [];
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
    if (req.method === 'POST') return void this.serveUpload(req, res, path);
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
    if (req.method === 'PUT') return void this.receiveLfsObject(req, res, url);
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

  // ---- upload API (what @huggingface/hub's createRepo and commit call) ----

  private async serveUpload(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    this.bodies.push(body.toString('utf8'));
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.writeTokens.has(token)) {
      // echoes the header back, as a careless server might: the client must not show it
      return json(res, 401, { error: `Invalid credentials in Authorization header: ${req.headers.authorization ?? 'none'}` });
    }
    if (path === '/api/repos/create') {
      const { name, organization, type, visibility } = JSON.parse(body.toString('utf8')) as Record<string, string>;
      const id = `${organization}/${name}`;
      const kind = (type ?? 'model') as 'model' | 'dataset';
      if (this.repos.has(`${kind}:${id}`)) return json(res, 409, { error: 'You already created this model repo', url: `${this.endpoint}/${id}` });
      this.add({ kind, id, commit: commitOf(`${id}@empty`), files: [], private: visibility === 'private', commits: [], ...(visibility === 'private' && { token }) });
      return json(res, 200, { url: `${this.endpoint}/${id}`, name: id, id: `id-${id}` });
    }
    const route = /^\/api\/(models|datasets)\/(.+?)\/(preupload|commit)\/([^/]+)$/.exec(path);
    const batch = /^\/(datasets\/)?(.+?)\.git\/info\/lfs\/objects\/batch$/.exec(path);
    const repo = route
      ? this.repos.get(`${route[1]!.slice(0, -1)}:${route[2]}`)
      : batch && this.repos.get(`${batch[1] ? 'dataset' : 'model'}:${batch[2]}`);
    if (!repo) return json(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
    if (batch) {
      const request = JSON.parse(body.toString('utf8')) as { transfers: string[]; objects: { oid: string; size: number }[] };
      return json(res, 200, {
        transfer: 'basic',
        objects: request.objects.map(({ oid, size }) => ({
          oid,
          size,
          ...(!this.lfsObjects.has(oid) && { actions: { upload: { href: `${this.cdnBase}/lfs/${oid}?size=${size}`, expires_in: 3600 } } }),
        })),
      });
    }
    if (route![3] === 'preupload') {
      const { files } = JSON.parse(body.toString('utf8')) as { files: { path: string; size: number; sample: string }[] };
      // as the Hub: binary content (a NUL byte in the first 512 bytes) or a large file goes to LFS
      const lfs = (f: { size: number; sample: string }) => f.size >= 10_000_000 || Buffer.from(f.sample, 'base64').includes(0);
      return json(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: lfs(f) ? 'lfs' : 'regular' })) });
    }
    // commit: one JSON object per line; applied all at once or not at all
    const lines = body.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, string> });
    const files = new Map(repo.files.map((f) => [f.path, f]));
    let summary = '';
    for (const { key, value } of lines) {
      if (key === 'header') summary = value.summary ?? '';
      else if (key === 'file') files.set(value.path!, { path: value.path!, bytes: Buffer.from(value.content!, value.encoding === 'base64' ? 'base64' : 'utf8'), lfs: false });
      else if (key === 'lfsFile') {
        const bytes = this.lfsObjects.get(value.oid!);
        if (!bytes) return json(res, 422, { error: `LFS object ${value.oid} for ${value.path} was never uploaded` });
        files.set(value.path!, { path: value.path!, bytes, lfs: true });
      } else if (key === 'deletedFile') files.delete(value.path!);
      else return json(res, 400, { error: `unknown commit operation ${key}` });
    }
    repo.files = [...files.values()];
    repo.commit = commitOf(`${repo.id}@${repo.commits?.length ?? 0}@${summary}`);
    (repo.commits ??= []).push(summary);
    json(res, 200, { success: true, commitOid: repo.commit, commitUrl: `${this.endpoint}/${repo.id}/commit/${repo.commit}` });
  }

  /** The presigned-URL PUT of a basic LFS transfer: the body must hash to the oid in the URL. */
  private async receiveLfsObject(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const oid = url.pathname.replace('/lfs/', '');
    if (this.interruptNextUpload) {
      this.interruptNextUpload = false;
      // read a little, then drop the connection
      req.once('data', () => req.socket.destroy());
      return;
    }
    const bytes = await readBody(req);
    if (sha256(bytes) !== oid || bytes.length !== Number(url.searchParams.get('size'))) {
      return json(res, 400, { error: `content does not match oid ${oid}` });
    }
    this.lfsObjects.set(oid, bytes);
    res.writeHead(200, { ETag: `"${oid}"` });
    res.end();
  }

  /** Private repos need the right token; a wrong one is echoed back in the error, as a careless server might. */
  private authorized(repo: FakeRepo, req: IncomingMessage, res: ServerResponse): boolean {
    if (repo.token === undefined || req.headers.authorization === `Bearer ${repo.token}`) return true;
    json(res, 401, { error: `Invalid credentials in Authorization header: ${req.headers.authorization ?? 'none'}` });
    return false;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
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
export function walk(folder: string, prefix = ''): [string, Buffer][] {
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

