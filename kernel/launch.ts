#!/usr/bin/env node
/**
 * The embedlab Jupyter kernel: this package's own tslab, with `embedlab`
 * importable from notebooks in any folder, the Jupyter protocol spoken in
 * full (errors, execution counts, busy/idle per cell), tracebacks in the
 * user's terms, rich display of a cell's last value, the backend started
 * before the first embedlab cell, and Kernel → Interrupt stopping embedlab's
 * long calls after the current step.
 *
 * Jupyter starts it as `node launch.js kernel --config-path {connection_file}`
 * (the argv of `tslab kernel`); see `kernel.template.json`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { inspect, parseArgs } from 'node:util';
import { enableInterrupts, interruptLongCalls, resetInterrupt } from '../src/util/interrupt';
import { richBundle } from '../widgets/display';
import { startBackendFor } from './backendStart';
import { cellRunNamed, executorConsole } from './cellRun';
import { nameCellScripts, recordSourceMaps, writtenCellPosition, type CompilerApi } from './compiledCells';
import { readableInspect } from './inspectText';
import { patchKernelInfo } from './kernelInfo';
import { linkPackageForNotebook, type TypeScriptSystem } from './moduleLink';
import { PACKAGE_ROOT, packageManifest } from '../src/util/packageRoot';
import { speakJupyterProtocol } from './protocol';
import { applyInserts, shorthandInserts, type Insert, type TypeScriptApi } from './shorthandProperties';
import { runtimeError } from './traceback';

/** The folder of the tslab this package depends on. */
export function tslabDir(): string {
  return dirname(require.resolve('tslab/package.json'));
}

interface Executor {
  interrupt(): void;
}
type CreateExecutor = (rootDir: string, converters: unknown, console: unknown) => Executor;

/** Creates tslab's executor with the console that records each cell's outcome; returns a getter for it. */
function recordOutcomes(executorModule: { createExecutor: CreateExecutor }): () => Executor | undefined {
  let executor: Executor | undefined;
  const create = executorModule.createExecutor;
  executorModule.createExecutor = (rootDir, converters) => (executor = create(rootDir, converters, executorConsole));
  return () => executor;
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
  const ts = fromTslab('@tslab/typescript-for-tslab') as TypeScriptApi & CompilerApi & { sys: TypeScriptSystem; version: string };
  linkPackageForNotebook({ name: pkg.name, target: PACKAGE_ROOT, fromDir: process.cwd(), tsSys: ts.sys });
  recordSourceMaps(fromTslab.resolve('@tslab/typescript-for-tslab'));
  nameCellScripts(require('node:vm') as Parameters<typeof nameCellScripts>[0]);
  const executor = recordOutcomes(fromTslab('./executor.js') as { createExecutor: CreateExecutor });
  enableInterrupts();

  // Kernel → Interrupt: embedlab's long calls stop after their current step; else (or a second time) tslab abandons the cell.
  const interrupt = () => {
    const stopping = interruptLongCalls();
    if (stopping) {
      const done = stopping.progress ? ` after ${stopping.progress}` : '';
      process.stderr.write(`\nInterrupting${done}: stopping at the end of the current step (interrupt again to abandon the cell)…\n`);
      return;
    }
    executor()?.interrupt();
  };

  const jupyter = fromTslab('./jupyter.js') as Record<string, unknown>;
  speakJupyterProtocol(jupyter, {
    prepare(code) {
      let inserts: Insert[] = [];
      try {
        inserts = shorthandInserts(ts, code);
      } catch {
        // leave the cell as written; tslab reports any syntax error itself
      }
      return { code: applyInserts(code, inserts), inserts };
    },
    async beforeCell(run, write) {
      resetInterrupt();
      await startBackendFor(run, write);
    },
    displayValue: (value) => ({ 'text/plain': inspect(value), ...richBundle(value) }),
    runtimeError: (value) =>
      runtimeError(value, {
        packageRoot: PACKAGE_ROOT,
        cellOf: cellRunNamed,
        mapPosition: writtenCellPosition,
        debug: Boolean(process.env.EMBEDLAB_DEBUG),
      }),
    interrupt,
  });
  readableInspect(jupyter);
  patchKernelInfo(jupyter, { typescriptVersion: ts.version, embedlabVersion: pkg.version, tslabVersion: version });

  const tslabMain = fromTslab('./main.js') as {
    startKernel(options: { configPath: string; enableFindLocal: boolean; jsKernel: boolean; globalVersion: string }): void;
  };
  const tslabHandlers = new Set(process.listeners('SIGINT'));
  // enableFindLocal: false — run this package's tslab, not one found above the notebook.
  tslabMain.startKernel({
    configPath: values['config-path'],
    enableFindLocal: false,
    jsKernel: values.js ?? false,
    globalVersion: version,
  });
  // tslab's own SIGINT handler abandons the cell at once, leaving its work running: ours replaces it
  for (const listener of process.listeners('SIGINT')) if (!tslabHandlers.has(listener)) process.off('SIGINT', listener);
  process.on('SIGINT', interrupt);
}

if (require.main === module) main();
