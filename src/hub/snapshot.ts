import { join } from 'node:path';
import { datasetInfo, HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { EmbedlabError } from '../util/errors';
import { RepoCache, isCommitHash } from './cache';
import { downloadBlob, type ExpectedBlob } from './download';
import { hubFetch, isNetworkError } from './http';
import { hubSettings, type HubOptions, type HubSettings } from './options';
import { assertSafeRelativePath } from './paths';
import { repoFolderName, type HubRepo } from './repoId';
import { isPickleFile, selectFiles } from './select';
import { redact } from './token';

/** How long to wait for a metadata answer before treating the hub as unreachable (huggingface_hub's default is 10 s). */
const METADATA_TIMEOUT_MS = 10_000;
const PARALLEL_DOWNLOADS = 4;

/**
 * Makes sure the cache holds the needed files of a hub repo at a revision and
 * returns its snapshot folder. Online: resolve the revision to a commit, list
 * the repo, download what is missing, record `refs/<revision>`. Offline, or
 * when the hub cannot be reached: use the cached snapshot, or fail naming the
 * cache folder.
 *
 * Built on @huggingface/hub's `modelInfo`/`datasetInfo`, `listFiles` and
 * `downloadFile`. Its `snapshotDownload` is not used because it fetches every
 * file of the repo (pickles and ONNX included), and its
 * `downloadFileToCacheDir` files a branch download under the commit that last
 * touched each file rather than the branch head, leaves `.incomplete` blobs
 * behind on failure and checks no checksum.
 */
export async function downloadSnapshot(repo: HubRepo, options: HubOptions = {}): Promise<string> {
  const settings = hubSettings(options);
  assertSafeRelativePath(settings.revision, 'revision');
  const cache = new RepoCache(join(settings.cacheDir, repoFolderName(repo)));
  const warn = options.onWarning ?? ((message: string) => process.stderr.write(`embedlab: ${message}\n`));
  const label = `${repo.kind} "${repo.id}" (revision ${settings.revision})`;

  if (settings.offline) {
    const cached = cache.cachedSnapshot(settings.revision);
    if (cached) return cached;
    throw new EmbedlabError(
      `${label} is not in the Hugging Face cache at ${cache.folder} and offline mode is on ` +
        `(HF_HUB_OFFLINE or the offline option): download it once with network access, or pass a local folder`,
    );
  }

  let commit: string;
  try {
    commit = await resolveCommit(repo, settings);
  } catch (error) {
    if (!isNetworkError(error)) throw hubError(error, label, settings);
    const cached = cache.cachedSnapshot(settings.revision);
    if (cached) {
      warn(`cannot reach ${redact(settings.endpoint, settings.token)}; using the cached ${label} from ${cached}`);
      return cached;
    }
    throw new EmbedlabError(
      `cannot reach ${redact(settings.endpoint, settings.token)} to download ${label}, ` +
        `and it is not in the Hugging Face cache at ${cache.folder} (set HF_ENDPOINT for a mirror, or pass a local folder)`,
    );
  }

  try {
    const wanted = await listWantedFiles(repo, commit, settings, options);
    const missing = wanted.filter((file) => !cache.hasFile(commit, file.path));
    const fetchFiles = hubFetch(settings.endpoint, settings.token);
    let left = missing.length;
    await runPool(missing, PARALLEL_DOWNLOADS, async (file) => {
      const blobFile = cache.blobPath(file.etag);
      if (!cache.hasBlob(file.etag)) {
        await downloadBlob({
          repo,
          commit,
          endpoint: settings.endpoint,
          fetch: fetchFiles,
          expected: file,
          blobFile,
          onBytes: (loaded) =>
            options.onProgress?.({ repo: repo.id, file: file.path, loaded, total: file.size, filesLeft: left }),
        });
      }
      await cache.link(commit, file.path, file.etag);
      left--;
    });
    if (settings.revision !== commit) await cache.writeRef(settings.revision, commit);
    return cache.snapshotFolder(commit);
  } catch (error) {
    throw hubError(error, label, settings);
  }
}

/** Asks the hub which commit a revision points at (`GET /api/{models|datasets}/{id}/revision/{rev}`). */
async function resolveCommit(repo: HubRepo, settings: HubSettings): Promise<string> {
  const params = {
    name: repo.id,
    revision: settings.revision,
    hubUrl: settings.endpoint,
    fetch: hubFetch(settings.endpoint, settings.token, METADATA_TIMEOUT_MS),
    additionalFields: ['sha' as const],
  };
  const info = repo.kind === 'model' ? await modelInfo(params) : await datasetInfo(params);
  const commit = (info as { sha?: unknown }).sha;
  if (typeof commit !== 'string' || !isCommitHash(commit)) {
    throw new EmbedlabError(`the hub answered with an invalid commit id ${JSON.stringify(commit)} for ${repo.id}`);
  }
  return commit;
}

/** Lists the repo at a commit (tree API) and keeps the files to download, each with its checked blob name. */
async function listWantedFiles(
  repo: HubRepo,
  commit: string,
  settings: HubSettings,
  options: HubOptions,
): Promise<ExpectedBlob[]> {
  const entries = new Map<string, ExpectedBlob>();
  for await (const entry of listFiles({
    repo: { type: repo.kind, name: repo.id },
    revision: commit,
    recursive: true,
    hubUrl: settings.endpoint,
    fetch: hubFetch(settings.endpoint, settings.token, METADATA_TIMEOUT_MS),
  })) {
    // Every listed name is checked, not only the chosen ones: a repo naming a
    // file "../x" is hostile whatever we meant to fetch from it.
    assertSafeRelativePath(entry.path, `repo file name in ${repo.id}`);
    if (entry.type !== 'file') continue;
    const lfs = entry.lfs !== undefined;
    const etag = entry.lfs?.oid ?? entry.oid ?? '';
    entries.set(entry.path, { path: entry.path, size: entry.size, etag, lfs });
  }
  const chosen = selectFiles([...entries.keys()], repo.kind, options.allowPatterns);
  for (const path of chosen) {
    const file = entries.get(path)!;
    if (!(file.lfs ? /^[0-9a-f]{64}$/ : /^[0-9a-f]{40}$/).test(file.etag)) {
      throw new EmbedlabError(`the hub listed ${path} in ${repo.id} with an invalid checksum ${JSON.stringify(file.etag)}`);
    }
    if (!Number.isSafeInteger(file.size) || file.size < 0) {
      throw new EmbedlabError(`the hub listed ${path} in ${repo.id} with an invalid size ${JSON.stringify(file.size)}`);
    }
  }
  if (repo.kind === 'model') assertHasSafetensors(repo, [...entries.keys()], chosen, options);
  if (chosen.length === 0) {
    const some = [...entries.keys()].slice(0, 10).join(', ');
    throw new EmbedlabError(`${repo.id} has none of the files embedlab needs (it has: ${some || 'no files'})`);
  }
  return chosen.map((path) => entries.get(path)!);
}

/** A model repo with only pickle weights gets a clear explanation instead of a half-usable snapshot. */
function assertHasSafetensors(repo: HubRepo, all: string[], chosen: string[], options: HubOptions): void {
  if (options.allowPatterns) return;
  if (chosen.some((path) => path.endsWith('.safetensors'))) return;
  const pickles = all.filter(isPickleFile);
  if (pickles.length === 0) return;
  throw new EmbedlabError(
    `${repo.id} has weights only as ${pickles.join(', ')} (Python pickle), which embedlab never loads because ` +
      `unpickling can run arbitrary code. Use a revision with model.safetensors (the hub's safetensors conversion ` +
      `opens a "refs/pr/N" branch: pass it as revision), or convert locally with ` +
      `python -c "from sentence_transformers import SentenceTransformer as S; S('${repo.id}').save('out', safe_serialization=True)"`,
  );
}

/** Runs jobs with at most `width` in flight; the first failure stops new jobs and is rethrown. */
async function runPool<T>(items: readonly T[], width: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await job(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(width, items.length) }, worker));
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** Turns a hub failure into a clear EmbedlabError with every trace of the token removed. */
function hubError(error: unknown, label: string, settings: HubSettings): EmbedlabError {
  const clean = (text: string): string => redact(text, settings.token);
  const endpoint = clean(settings.endpoint);
  if (error instanceof HubApiError) {
    const status = error.statusCode;
    if (status === 401 || status === 403) {
      return new EmbedlabError(
        settings.token
          ? `${endpoint} refused the access token for ${label} (HTTP ${status}): check that it is valid and has access to this repo`
          : `${label} at ${endpoint} needs an access token (HTTP ${status}): it is private or gated; set HF_TOKEN or run huggingface-cli login`,
      );
    }
    if (status === 404) {
      return new EmbedlabError(
        `${label} was not found at ${endpoint}, and there is no local folder of that name either ` +
          `(HTTP 404: ${clean(error.message)})`,
      );
    }
  }
  const network = isNetworkError(error);
  const reason = network ? 'the connection was lost' : error instanceof Error ? error.message : String(error);
  return new EmbedlabError(
    `downloading ${label} from ${endpoint} failed: ${clean(reason)}` +
      (network ? '; run again to continue (files already downloaded are kept)' : ''),
  );
}
