/**
 * Publishing a model folder to the Hugging Face Hub through @huggingface/hub:
 * create the repo when it does not exist, then one commit with every file.
 * Large and binary files (the weights) go through the Hub's Git LFS path with
 * plain (basic) transfers, small ones inline in the commit. The Hub applies a
 * commit whole or not at all, so an interrupted push leaves the repo as it was
 * and running it again completes it.
 *
 * @example
 * import { pushToHub } from 'embedlab';
 * const { url } = await pushToHub('runs/demo/model', 'my-org/bge-finance-matryoshka', { private: true });
 */
import { openAsBlob, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmbedlabError } from '../util/errors';
import { hubFetch, isNetworkError } from './http';
import { hubSettings } from './options';
import { isHubRepoId } from './repoId';
import { redact } from './token';

/** Options for {@link pushToHub}. */
export interface PushOptions {
  /**
   * Create the repo private. Applies only when the repo is created; an existing repo keeps its visibility.
   * @default false
   */
  private?: boolean;
  /**
   * Commit message.
   * @default "Upload model with embedlab"
   */
  commitMessage?: string;
  /**
   * Branch to commit to.
   * @default "main"
   */
  branch?: string;
  /**
   * Hub base URL.
   * @default $HF_ENDPOINT, else https://huggingface.co
   */
  endpoint?: string;
  /**
   * Access token with write permission. It is sent to the Hub only, and never printed or written.
   * @default $HF_TOKEN, else the token file huggingface_hub writes ($HF_TOKEN_PATH, $HF_HOME/token)
   */
  token?: string;
  /** Called as files are hashed and uploaded. */
  onProgress?: (progress: PushProgress) => void;
  /** Stops the upload; nothing is committed. */
  signal?: AbortSignal;
}

/** One progress report of a push. */
export interface PushProgress {
  /** Bytes uploaded (or confirmed already on the Hub) so far, over all files. */
  uploaded: number;
  /** Bytes of all files. */
  total: number;
  /** The file the report is about, when there is one. */
  file?: string;
  phase: 'preuploading' | 'hashing' | 'uploading' | 'committing' | 'done';
}

/** What {@link pushToHub} returns. */
export interface PushResult {
  /** `org/name`. */
  repoId: string;
  /** The repo's page. */
  url: string;
  /** The commit that holds the files. */
  commit: string;
  /** Whether this push created the repo. */
  created: boolean;
  /** Repo paths uploaded, sorted. */
  files: string[];
}

/** Paths never pushed: hidden files and folders (`.git`, editor state) and training checkpoints, which are not part of the model. */
function skipped(name: string, topLevel: boolean): boolean {
  return (name.startsWith('.') && name !== '.gitattributes') || (topLevel && (name === 'checkpoints' || /^checkpoint-\d+$/.test(name)));
}

/** The files of a model folder as repo paths (forward slashes), sorted. */
export function folderFiles(folder: string): { path: string; file: string; size: number }[] {
  const out: { path: string; file: string; size: number }[] = [];
  const visit = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skipped(entry.name, prefix === '')) continue;
      const file = join(dir, entry.name);
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      const stat = statSync(file);
      if (stat.isDirectory()) visit(file, path);
      else if (stat.isFile()) out.push({ path, file, size: stat.size });
    }
  };
  visit(folder, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Checks a repo id for pushing: it must name the owner, `org/name`. */
export function checkPushRepoId(repoId: string): void {
  if (!isHubRepoId(repoId) || !repoId.includes('/')) {
    throw new EmbedlabError(
      `${JSON.stringify(repoId)} is not a Hugging Face repo id to push to: expected "owner/name" (letters, digits, "-", "_", ".")`,
    );
  }
}

/** Checks the folder is a model to push: it exists and holds a model's files. */
export function checkPushFolder(folder: string): void {
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    throw new EmbedlabError(`${resolve(folder)} does not exist: pass the folder of a saved model`);
  }
  if (!isDir) throw new EmbedlabError(`${resolve(folder)} is a file: pass the folder of a saved model`);
  const names = new Set(readdirSync(folder));
  if (!names.has('modules.json') && !names.has('config.json')) {
    throw new EmbedlabError(`${resolve(folder)} holds no model (no modules.json or config.json): pass the folder a model was saved to`);
  }
}

/**
 * Pushes every file of `folder` (except hidden files and `checkpoint-*`
 * folders) to the model repo `repoId`, creating the repo when needed. Errors
 * are {@link EmbedlabError}s that never contain the token.
 */
export async function pushToHub(folder: string, repoId: string, options: PushOptions = {}): Promise<PushResult> {
  checkPushRepoId(repoId);
  checkPushFolder(folder);
  const { endpoint, token } = hubSettings({ ...(options.endpoint !== undefined && { endpoint: options.endpoint }), ...(options.token !== undefined && { token: options.token }) });
  if (!token) {
    throw new EmbedlabError('pushing needs a Hugging Face access token with write access: set HF_TOKEN (or log in with `huggingface-cli login`)');
  }
  if (!token.startsWith('hf_')) throw new EmbedlabError('the Hugging Face access token (HF_TOKEN) is malformed: tokens start with "hf_"');
  const files = folderFiles(folder);
  const total = files.reduce((sum, f) => sum + f.size, 0);
  // loaded only when pushing, so importing embedlab never pays for the hub client
  const hub = require('@huggingface/hub') as typeof import('@huggingface/hub');
  const fail = (error: unknown, doing: string): never => {
    if (error instanceof EmbedlabError) throw error;
    if ((error as Error)?.name === 'AbortError' || options.signal?.aborted) {
      throw new EmbedlabError(`push to ${repoId} stopped while ${doing}; nothing was committed — run it again to upload`);
    }
    if (isNetworkError(error)) {
      throw new EmbedlabError(`push to ${repoId} failed while ${doing}: cannot reach ${endpoint} (${redact(String((error as Error).cause ?? (error as Error).message), token)}); nothing was committed — run it again`);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 401 || status === 403) {
      throw new EmbedlabError(`${endpoint} refused the access token (HTTP ${status}) while ${doing}: it needs write access to ${repoId}`);
    }
    const detail = redact((error as Error)?.message ?? String(error), token).split('\n')[0];
    throw new EmbedlabError(`push to ${repoId} failed while ${doing}${status ? ` (HTTP ${status})` : ''}: ${detail}; nothing was committed`);
  };

  // redirects that leave the hub's origin never carry the token
  const fetch = hubFetch(endpoint, token);
  const repo = { type: 'model' as const, name: repoId };
  let created = false;
  try {
    await hub.createRepo({ repo, accessToken: token, hubUrl: endpoint, fetch, ...(options.private && { visibility: 'private' as const }) });
    created = true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) fail(error, `creating the repo`);
  }

  const report = (progress: PushProgress) => options.onProgress?.(progress);
  const done = new Map<string, number>();
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  const uploaded = () => [...done.values()].reduce((a, b) => a + b, 0);
  let doing = 'uploading';
  let output: Awaited<ReturnType<typeof hub.commit>> | undefined;
  try {
    const events = hub.uploadFilesWithProgress({
      repo,
      accessToken: token,
      hubUrl: endpoint,
      files: await Promise.all(files.map(async (f) => ({ path: f.path, content: await openAsBlob(f.file) }))),
      commitTitle: options.commitMessage ?? 'Upload model with embedlab',
      ...(options.branch !== undefined && { branch: options.branch }),
      // plain Git LFS: the stored objects are the files' own bytes, and any Hub-compatible server takes them
      useXet: false,
      ...(options.signal && { abortSignal: options.signal }),
    });
    for (;;) {
      const next = await events.next();
      if (next.done) {
        output = next.value;
        break;
      }
      const event = next.value;
      if (event.event === 'phase') {
        doing = event.phase === 'committing' ? 'committing' : 'uploading';
        report({ uploaded: uploaded(), total, phase: event.phase === 'uploadingLargeFiles' ? 'uploading' : event.phase });
      } else if (event.state !== 'error') {
        if (event.state === 'uploading') done.set(event.path, Math.round(event.progress * (sizes.get(event.path) ?? 0)));
        report({ uploaded: uploaded(), total, file: event.path, phase: event.state });
      }
    }
  } catch (error) {
    fail(error, doing);
  }
  report({ uploaded: total, total, phase: 'done' });
  return {
    repoId,
    url: `${endpoint}/${repoId}`,
    commit: output?.commit.oid ?? '',
    created,
    files: files.map((f) => f.path),
  };
}
