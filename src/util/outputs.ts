/**
 * The one output policy of every command and API that writes. Before any
 * work starts, {@link checkOutput} looks at each output location and refuses,
 * in one line naming the flag (or option) and the path, when writing there
 * could destroy something or would fail:
 *
 * - a file where a folder is needed, or a folder where a file is needed;
 * - a path that is, or is inside, something the same work reads (the input
 *   data, the model being read);
 * - a folder holding files embedlab did not write (no marker file), or an
 *   existing file embedlab did not write (no generator tag), unless
 *   overwriting was asked for — and even then nothing is deleted;
 * - a location that cannot be written (read-only disk, no permission).
 *
 * Folders embedlab writes carry a marker file ({@link OUTPUT_MARKER}), so a
 * notebook can be re-run into the same folder while a user's own folder is
 * never written into by accident.
 *
 * @example
 * const out = checkOutput({ path: values.output, kind: 'folder', name: '--output', reads: [{ name: '--model', path: values.model }] });
 * prepareOutputFolder(out); // creates it and marks it as embedlab's
 */
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { EmbedlabError } from './errors';
import { explainFsError } from './fsErrors';
import { writeFileAtomicSync } from './fs';

/** The file that marks a folder as written by embedlab. */
export const OUTPUT_MARKER = '.embedlab-output';

/** What marks an HTML page (report, chart) as written by embedlab. */
export const GENERATOR_META = '<meta name="generator" content="embedlab">';
/** What marks a JSON file (report.json) as written by embedlab. */
export const GENERATOR_FIELD = { generator: 'embedlab' } as const;

/** Whether the file at `path` says it was written by embedlab (a generator tag in its first KiB). */
export function isEmbedlabFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('utf8');
    return text.includes(GENERATOR_META) || /"generator":\s*"embedlab"/.test(text);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One output location to check. */
export interface OutputCheck {
  /** Where the output goes. */
  path: string;
  /** A single file, or a folder of files. */
  kind: 'file' | 'folder';
  /** How the user named it, for the message: a flag (`--output`) or an option (`outputDir`). */
  name: string;
  /** What the same work reads (input data, the model folder): the output may be none of them, nor inside one. Unset paths and hub ids (not on disk) are ignored. */
  reads?: ReadonlyArray<{ name: string; path: string | undefined }>;
  /**
   * Replace an existing file / write into a folder that holds other files.
   * @default false
   */
  overwrite?: boolean;
  /**
   * How the user asks to overwrite, for the message.
   * @default '--overwrite'
   */
  overwriteHint?: string;
  /**
   * The folder is an earlier run being continued: it must exist, and it may hold files.
   * @default false
   */
  resume?: boolean;
}

/** `path` with symlinks resolved as far as it exists, so two spellings of one file compare equal. */
function realPath(path: string): string {
  const absolute = resolve(path);
  let existing = absolute;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return absolute;
    existing = parent;
  }
  try {
    return join(realpathSync(existing), relative(existing, absolute));
  } catch {
    return absolute;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The nearest part of `path` that exists (itself, a parent, …). */
function nearestExisting(path: string): string {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  return existing;
}

function kindOf(path: string): 'file' | 'folder' | undefined {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}

/** Whether `dir` was written by embedlab (holds the marker file). */
export function isEmbedlabFolder(dir: string): boolean {
  return existsSync(join(dir, OUTPUT_MARKER));
}

/**
 * Checks an output location against the policy above; returns its absolute
 * path. Throws an {@link EmbedlabError} naming `check.name` and the path.
 */
export function checkOutput(check: OutputCheck): string {
  const { name, kind } = check;
  const shown = check.path;
  if (typeof shown !== 'string' || shown.trim() === '') throw new EmbedlabError(`${name} must be a ${kind} path, got ${JSON.stringify(shown)}`);
  const path = resolve(shown);
  const real = realPath(path);
  const fail = (why: string) => new EmbedlabError(`${name} ${shown}: ${why}`);

  for (const read of check.reads ?? []) {
    if (read.path === undefined || !existsSync(read.path)) continue;
    const readReal = realPath(read.path);
    if (real === readReal) throw fail(`is ${read.name} ${read.path}, which this reads; write the output somewhere else`);
    if (isInside(real, readReal)) throw fail(`is inside ${read.name} ${read.path}, which this reads; write the output somewhere else`);
  }

  const existing = nearestExisting(path);
  const existingKind = kindOf(existing);
  if (existing !== path && existingKind === 'file') {
    throw fail(`${existing} is a file, not a folder; choose a path whose folders are folders`);
  }
  const overwriteHint = check.overwriteHint ?? '--overwrite';
  if (existing === path) {
    if (kind === 'file' && existingKind === 'folder') throw fail(`is a folder; give a file path, e.g. ${join(shown, 'output')}`);
    if (kind === 'folder' && existingKind === 'file') throw fail('is a file; give a folder path (a new or empty folder)');
    if (kind === 'file' && !check.overwrite && !isEmbedlabFile(path)) {
      throw fail(`already exists; pass ${overwriteHint} to replace it, or choose another file name`);
    }
    if (kind === 'folder' && !check.overwrite && !check.resume && !isEmbedlabFolder(path)) {
      const names = readdirSync(path).filter((n) => n !== OUTPUT_MARKER);
      if (names.length > 0) {
        const listed = names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} entries)` : '');
        throw fail(`already exists and is not empty; pass ${overwriteHint} to write into it (nothing is deleted) or choose a new or empty folder (it holds files embedlab did not write: ${listed})`);
      }
    }
  } else if (check.resume) {
    throw fail('does not exist; there is no run to resume');
  }

  // writes go into the folder (temp file + rename), or create folders from the nearest existing one
  const writable = kind === 'folder' || existing !== path ? existing : dirname(path);
  try {
    accessSync(writable, constants.W_OK);
  } catch (error) {
    const explained = explainFsError(error, writable === path ? shown : writable);
    throw explained instanceof EmbedlabError ? new EmbedlabError(`${name} ${shown}: ${explained.message}`, { cause: error }) : explained;
  }
  return path;
}

/**
 * Creates the output folder (and its parents) when needed and marks it as
 * written by embedlab. Call it after {@link checkOutput}, when writing starts.
 */
export function prepareOutputFolder(dir: string, what = 'output'): void {
  if (isEmbedlabFolder(dir)) return;
  writeFileAtomicSync(
    join(dir, OUTPUT_MARKER),
    JSON.stringify({ writtenBy: 'embedlab', what, note: `embedlab wrote this folder (${basename(resolve(dir))}); it may write here again` }) + '\n',
  );
}
