import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { downloadFile } from '@huggingface/hub';
import { EmbedlabError } from '../util/errors';
import { tempSibling } from './paths';
import type { HubRepo } from './repoId';

/** What the repo listing says about a file, used to name and check its blob. */
export interface ExpectedBlob {
  path: string;
  size: number;
  /** Blob name: LFS sha256 for large files, git blob sha1 otherwise (huggingface_hub's etag). */
  etag: string;
  /** True when `etag` is an LFS sha256 of the content; false when it is a git blob sha1. */
  lfs: boolean;
}

export interface BlobDownload {
  repo: HubRepo;
  commit: string;
  endpoint: string;
  fetch: typeof fetch;
  expected: ExpectedBlob;
  blobFile: string;
  onBytes?: (loaded: number) => void;
}

/**
 * Downloads one repo file into its blob: streams it to a temp file beside the
 * blob, checks size and checksum against the listing, then renames it into
 * place. On any failure the temp file is removed, so `blobs/` never holds a
 * partial or wrong file.
 */
export async function downloadBlob(job: BlobDownload): Promise<void> {
  const { expected } = job;
  const blob = await downloadFile({
    repo: { type: job.repo.kind, name: job.repo.id },
    path: expected.path.split('/').map(encodeURIComponent).join('/'),
    revision: job.commit,
    hubUrl: job.endpoint,
    fetch: job.fetch,
    // Plain HTTP through the resolve URL works with every hub mirror.
    xet: false,
  });
  if (!blob) throw new EmbedlabError(`${expected.path} is listed in ${job.repo.id} but the server has no such file`);

  await mkdir(dirname(job.blobFile), { recursive: true });
  const temp = tempSibling(job.blobFile, 'incomplete');
  const hash = expected.lfs ? createHash('sha256') : createHash('sha1').update(`blob ${expected.size}\0`);
  const file = await open(temp, 'w');
  let loaded = 0;
  try {
    try {
      const reader = blob.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        loaded += value.byteLength;
        if (loaded > expected.size) {
          await reader.cancel();
          throw new EmbedlabError(`${expected.path}: the server sent more than the ${expected.size} bytes the listing gives`);
        }
        hash.update(value);
        await file.write(value);
        job.onBytes?.(loaded);
      }
    } finally {
      await file.close();
    }
    if (loaded !== expected.size) {
      throw new EmbedlabError(`${expected.path}: download ended after ${loaded} of ${expected.size} bytes`);
    }
    const digest = hash.digest('hex');
    if (digest !== expected.etag) {
      throw new EmbedlabError(
        `${expected.path}: downloaded content does not match the repo's checksum ` +
          `(${expected.lfs ? 'sha256' : 'git sha1'} ${digest}, expected ${expected.etag})`,
      );
    }
    await rename(temp, job.blobFile);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof EmbedlabError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new EmbedlabError(
      `${expected.path}: the download broke off after ${loaded} of ${expected.size} bytes (${reason}); ` +
        `run again to continue (files already downloaded are kept)`,
      { cause: error },
    );
  }
}
