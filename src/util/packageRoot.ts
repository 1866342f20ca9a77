/** Where this package lives: the built-in dataset, the kernel's launcher and installer. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The embedlab package root (this file is `<root>/dist/src/util/packageRoot.js`). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');

/** The package's `package.json` name and version. */
export function packageManifest(): { name: string; version: string } {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
}
