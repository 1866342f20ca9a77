import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { EmbedlabError } from '../util/errors';
import type { HubOptions } from './options';
import { looksLikeLocalPath, parseRepoId, type RepoKind } from './repoId';

/**
 * Resolves a local folder or a hub id of the given kind to a local folder.
 * An existing folder is returned as is; a path-like name that does not exist
 * is an error; anything else must be a valid hub id and is fetched into the cache.
 */
export async function resolveRepo(idOrPath: string, kind: RepoKind, options: HubOptions): Promise<string> {
  if (idOrPath.trim() === '') throw new EmbedlabError(`no ${kind} given: pass a local folder or a Hugging Face ${kind} id`);
  if (existsSync(idOrPath)) {
    if (statSync(idOrPath).isDirectory()) return idOrPath;
    throw new EmbedlabError(`${kind} path ${idOrPath} is a file; pass the folder that holds the ${kind} files`);
  }
  if (looksLikeLocalPath(idOrPath)) {
    throw new EmbedlabError(`${kind} folder ${resolvePath(idOrPath)} does not exist`);
  }
  const repo = parseRepoId(idOrPath, kind);
  // the hub client is loaded only for hub ids, so importing embedlab and loading local folders never pay for it
  const { downloadSnapshot } = require('./snapshot') as typeof import('./snapshot');
  return downloadSnapshot(repo, options);
}
