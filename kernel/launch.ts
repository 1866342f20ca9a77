#!/usr/bin/env node
/**
 * The embedlab Jupyter kernel: this package's own tslab, with `embedlab`
 * importable from notebooks in any folder and cell tracking for charts.
 *
 * Jupyter starts it as `node launch.js kernel --config-path {connection_file}`
 * (the argv of `tslab kernel`); see `kernel.template.json`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { linkPackageForNotebook, type TypeScriptSystem } from './moduleLink';
import { trackCells } from './cellTracking';
import { patchKernelInfo } from './kernelInfo';
import { PACKAGE_ROOT, packageManifest } from '../src/util/packageRoot';
import { honourStopOnError } from './stopOnError';
import { rewriteShorthandProperties, type TypeScriptApi } from './shorthandProperties';

/** The folder of the tslab this package depends on. */
export function tslabDir(): string {
  return dirname(require.resolve('tslab/package.json'));
}

function main(): void {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { 'config-path': { type: 'string' }, js: { type: 'boolean', default: false } },
  });
  if (positionals[0] !== 'kernel' || !values['config-path']) {
    console.error('usage: launch.js kernel --config-path <connection file> [--js]');
    process.exit(2);
  }
  const tslab = tslabDir();
  const fromTslab = createRequire(join(tslab, 'dist', 'converter.js'));
  const pkg = packageManifest();
  const { version } = JSON.parse(readFileSync(join(tslab, 'package.json'), 'utf8')) as { version: string };
  const ts = fromTslab('@tslab/typescript-for-tslab') as TypeScriptApi & { sys: TypeScriptSystem; version: string };
  linkPackageForNotebook({ name: pkg.name, target: PACKAGE_ROOT, fromDir: process.cwd(), tsSys: ts.sys });
  const jupyter = fromTslab('./jupyter.js') as Record<string, unknown>;
  // Innermost first: cell tracking and stop_on_error see the request as sent.
  rewriteShorthandProperties(jupyter, ts);
  trackCells(jupyter);
  honourStopOnError(jupyter, fromTslab('./util.js') as Record<string, unknown>);
  patchKernelInfo(jupyter, { typescriptVersion: ts.version, embedlabVersion: pkg.version, tslabVersion: version });

  const tslabMain = fromTslab('./main.js') as {
    startKernel(options: { configPath: string; enableFindLocal: boolean; jsKernel: boolean; globalVersion: string }): void;
  };
  // enableFindLocal: false — run this package's tslab, not one found above the notebook.
  tslabMain.startKernel({
    configPath: values['config-path'],
    enableFindLocal: false,
    jsKernel: values.js ?? false,
    globalVersion: version,
  });
}

if (require.main === module) main();
