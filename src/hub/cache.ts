import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../util/fs';
import { assertSafeRelativePath, tempSibling } from './paths';

const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** True for a full 40-hex git commit id. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/**
 * One repository's folder in the Hugging Face cache, laid out exactly as
 * huggingface_hub does, so Python and embedlab share downloads:
 *
 *     models--org--name/
 *       blobs/<etag>                      file contents, named by git sha1 or LFS sha256
 *       refs/main                         the commit id that "main" resolved to
 *       snapshots/<commit>/<path>         relative symlinks into blobs/
 */
export class RepoCache {
  constructor(readonly folder: string) {}

  snapshotFolder(commit: string): string {
    return join(this.folder, 'snapshots', commit);
  }

  blobPath(etag: string): string {
    return join(this.folder, 'blobs', etag);
  }

  /** The commit a branch or tag resolved to last time, if recorded. */
  readRef(revision: string): string | undefined {
    assertSafeRelativePath(revision, 'revision');
    const file = join(this.folder, 'refs', revision);
    if (!existsSync(file)) return undefined;
    const commit = readFileSync(file, 'utf8').trim();
    return isCommitHash(commit) ? commit : undefined;
  }

  /** Records what a branch or tag resolved to (written only once its snapshot is complete). */
  async writeRef(revision: string, commit: string): Promise<void> {
    assertSafeRelativePath(revision, 'revision');
    await writeFileAtomic(join(this.folder, 'refs', revision), commit);
  }

  /** The cached snapshot folder for a revision (commit id, branch or tag), if there is one. */
  cachedSnapshot(revision: string): string | undefined {
    const commit = isCommitHash(revision) ? revision : this.readRef(revision);
    if (!commit) return undefined;
    const folder = this.snapshotFolder(commit);
    return existsSync(folder) && statSync(folder).isDirectory() ? folder : undefined;
  }

  /** True when the blob is already downloaded. */
  hasBlob(etag: string): boolean {
    return existsSync(this.blobPath(etag));
  }

  /** True when the snapshot already has this file and its blob is present. */
  hasFile(commit: string, path: string): boolean {
    try {
      return statSync(join(this.snapshotFolder(commit), path)).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Points `snapshots/<commit>/<path>` at `blobs/<etag>` with a relative
   * symlink (created beside and renamed into place, so it is never half made).
   * Where symlinks are not allowed, the blob is copied instead, as huggingface_hub does.
   */
  async link(commit: string, path: string, etag: string): Promise<void> {
    const pointer = join(this.snapshotFolder(commit), path);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    const temp = tempSibling(pointer, 'link');
    try {
      await symlink(relative(dirname(pointer), blob), temp);
    } catch {
      await copyFile(blob, temp);
    }
    try {
      await rename(temp, pointer);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
