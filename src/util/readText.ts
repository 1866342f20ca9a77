import { readFileSync } from 'node:fs';
import { EmbedlabError } from './errors';

/** Reads a UTF-8 text file, turning "not found" and friends into an {@link EmbedlabError} naming it. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new EmbedlabError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
