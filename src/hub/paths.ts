import { homedir } from 'node:os';
import { join } from 'node:path';
import { EmbedlabError } from '../util/errors';

function expandUser(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface` (as huggingface_hub). */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['HF_HOME'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'huggingface');
  return expandUser(home);
}

/**
 * `$HF_HUB_CACHE`, else the legacy `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`.
 *
 * @example
 * hubCacheDir(); // "/home/me/.cache/huggingface/hub"
 */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return expandUser(env['HF_HUB_CACHE'] ?? env['HUGGINGFACE_HUB_CACHE'] ?? join(hfHome(env), 'hub'));
}

/**
 * Refuses a repo file name that could land outside the folder it is joined
 * onto: absolute or drive paths, `..` or `.` or empty segments, backslashes,
 * control characters. Names come from the server, so they are untrusted.
 */
export function assertSafeRelativePath(name: string, what: string): void {
  const problem =
    name === '' ? 'is empty'
    : name.includes('\\') ? 'contains a backslash'
    : name.startsWith('/') ? 'is an absolute path'
    : /^[a-zA-Z]:/.test(name) ? 'is a drive path'
    : /[\u0000-\u001f]/.test(name) ? 'contains a control character'
    : name.split('/').some((part) => part === '..') ? 'contains a ".." segment'
    : name.split('/').some((part) => part === '' || part === '.') ? 'contains an empty or "." segment'
    : undefined;
  if (problem) {
    throw new EmbedlabError(`refusing ${what} ${JSON.stringify(name)}: it ${problem} and could escape the cache folder`);
  }
}

/** A temp name beside `path`, unique to this process and call: `<path>.<pid>.<random>.<suffix>`. */
export function tempSibling(path: string, suffix: string): string {
  return `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.${suffix}`;
}
