import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The upstream versions whose file formats embedlab writes: saved folders
 * follow sentence-transformers 5.1's layout and transformers 4.56's
 * `config.json`; they load unchanged there (and in older releases).
 */
export const FORMAT_VERSIONS = { sentence_transformers: '5.1.0', transformers: '4.56.1' } as const;

let cached: string | undefined;

/** embedlab's own version, from its package.json. */
export function embedlabVersion(): string {
  // this file is dist/src/util/versions.js; package.json is at the package root
  cached ??= (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
