import { EmbedlabError } from './errors';

/** The file-system failures a user can do something about, and what to do. */
const EXPLAINED: Record<string, (path: string, action: string) => string> = {
  ENOENT: (path, action) => `cannot ${action} ${path}: no such file or folder; check the path`,
  EISDIR: (path, action) => `cannot ${action} ${path}: it is a folder, not a file; give a file path`,
  ENOTDIR: (path, action) => `cannot ${action} ${path}: a part of the path is a file, not a folder; check the path`,
  EACCES: (path, action) => `cannot ${action} ${path}: permission denied; choose a location you can write to, or fix its permissions`,
  EPERM: (path, action) => `cannot ${action} ${path}: operation not permitted; choose another location, or fix its permissions`,
  EROFS: (path, action) => `cannot ${action} ${path}: the file system is read-only; choose a location on a writable disk`,
  ENOSPC: (path, action) => `cannot ${action} ${path}: no space left on the device; free some space or choose another disk`,
  EDQUOT: (path, action) => `cannot ${action} ${path}: disk quota exceeded; free some space or choose another disk`,
  EEXIST: (path, action) => `cannot ${action} ${path}: something already exists there; choose another path`,
  EMFILE: (path, action) => `cannot ${action} ${path}: too many open files; raise the limit (ulimit -n) or close other programs`,
};

/** Error codes {@link explainFsError} turns into a one-line {@link EmbedlabError}. */
export const EXPLAINED_FS_CODES: readonly string[] = Object.keys(EXPLAINED);

/** Whether `error` is a Node.js file-system error with one of `codes` (default: any explained code). */
export function isFsError(error: unknown, codes: readonly string[] = EXPLAINED_FS_CODES): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/**
 * A file-system error as one line naming the path and what to do, e.g.
 * `cannot write runs/a/model.safetensors: no space left on the device; free some space or choose another disk`.
 * `path` is the path the user knows (not a temp file beside it); errors that
 * are not explained file-system errors come back unchanged.
 *
 * @example
 * try { await writeFile(path, data); } catch (error) { throw explainFsError(error, path, 'write'); }
 */
export function explainFsError(error: unknown, path: string | undefined, action = 'write'): unknown {
  if (error instanceof EmbedlabError || !isFsError(error)) return error;
  const explained = new EmbedlabError(EXPLAINED[error.code!]!(path ?? error.path ?? 'a file', action), { cause: error });
  (explained as EmbedlabError & { code?: string }).code = error.code;
  return explained;
}

/** The code of a file-system error, also when it was explained into an {@link EmbedlabError}. */
export function fsErrorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}
