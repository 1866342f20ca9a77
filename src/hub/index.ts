import { existsSync, statSync } from 'node:fs';
import { EmbedlabError } from '../util/errors';

/** Options shared by model and dataset resolution. */
export interface ResolveOptions {
  revision?: string;
}

/**
 * Resolves a model id or a local folder to a local folder.
 * (Local folders only for now; hub downloads come with the hub module.)
 */
export async function resolveModel(idOrPath: string, _options: ResolveOptions = {}): Promise<string> {
  if (existsSync(idOrPath) && statSync(idOrPath).isDirectory()) return idOrPath;
  throw new EmbedlabError(`model "${idOrPath}" is not a local folder`);
}
