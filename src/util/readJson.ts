import { existsSync } from 'node:fs';
import { EmbedlabError } from './errors';
import { readText } from './readText';

/** Parses a JSON file; a missing or malformed file is an EmbedlabError naming it. */
export function readJsonFile<T = Record<string, unknown>>(path: string): T {
  return parseJsonText<T>(readText(path), path);
}

/** Parses the `text` of the file at `path` (already read); malformed JSON is an EmbedlabError naming the file. */
export function parseJsonText<T = Record<string, unknown>>(text: string, path: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new EmbedlabError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** {@link readJsonFile}, or undefined when the file does not exist. */
export function readJsonIfExists<T = Record<string, unknown>>(path: string): T | undefined {
  return existsSync(path) ? readJsonFile<T>(path) : undefined;
}
