/**
 * Tells positions in a running cell's compiled JavaScript back to the cell
 * as written, for stack traces.
 *
 * tslab compiles a cell twice — TypeScript to an ES module by its
 * type-checking program, then to CommonJS by `ts.transpileModule` — and runs
 * the result with `vm.runInThisContext` under an anonymous name. The
 * launcher asks both compilations for source maps, runs each cell's script
 * under the cell's name (`Cell In[7]`), and composes the two maps (then the
 * launcher's own rewrites) to find the line the user wrote.
 */
import { currentCellRun, type CellRun } from './cellRun';
import { SourceMap } from './sourceMap';
import { writtenPosition } from './traceback';

/** The parts of tslab's TypeScript the launcher wraps. */
export interface CompilerApi {
  createWatchCompilerHost(...args: unknown[]): Record<string, unknown>;
  transpileModule(
    input: string,
    options: { fileName?: string; compilerOptions?: Record<string, unknown> },
  ): { outputText: string; sourceMapText?: string };
}

interface Builder {
  emit(sourceFile: unknown, writeFile?: (fileName: string, data: string, ...rest: unknown[]) => void, ...rest: unknown[]): unknown;
}

/** The maps of the latest compilation: the cell's own file is compiled last, just before it runs. */
let latest: { module?: string; commonJs?: string } = {};

/** The maps a cell's script was compiled with. */
const mapsOfRun = new WeakMap<CellRun, { module?: SourceMap; commonJs?: SourceMap; prefix: number }>();

function wrapEmit(builder: Builder): void {
  const emit = builder.emit;
  builder.emit = function (this: unknown, sourceFile, writeFile, ...rest) {
    const capture = writeFile && ((fileName: string, data: string, ...more: unknown[]) => {
      // tslab keeps only .js outputs; the main file's map is ours
      if (fileName.endsWith('/__tslab__.js.map') || fileName === '__tslab__.js.map') latest.module = data;
      if (!fileName.endsWith('.map')) writeFile(fileName, data, ...more);
    });
    return emit.call(this, sourceFile, capture, ...rest);
  };
}

/**
 * Makes tslab's compilations produce source maps and records them. The
 * TypeScript module's exports are read-only, so tslab's modules (loaded
 * after this) get a view of it with the two functions replaced: the module
 * cache entry at `modulePath` serves that view.
 */
export function recordSourceMaps(modulePath: string): void {
  const cached = require.cache[modulePath];
  if (!cached) return;
  const ts = cached.exports as CompilerApi;
  const createWatchCompilerHost = function (this: unknown, rootFiles: unknown, options: Record<string, unknown>, ...rest: unknown[]) {
    const host = ts.createWatchCompilerHost(rootFiles, { ...options, sourceMap: true }, ...rest);
    let after: ((builder: Builder) => void) | undefined;
    Object.defineProperty(host, 'afterProgramCreate', {
      configurable: true,
      get: () => after,
      set: (handler: (builder: Builder) => void) => {
        after = (builder) => {
          wrapEmit(builder);
          handler(builder);
        };
      },
    });
    return host;
  };
  const transpileModule: CompilerApi['transpileModule'] = (input, options) => {
    // tslab's ES module → CommonJS step names its input custom.js
    if (options.fileName !== 'custom.js') return ts.transpileModule(input, options);
    const result = ts.transpileModule(input, { ...options, compilerOptions: { ...options.compilerOptions, sourceMap: true } });
    latest.commonJs = result.sourceMapText;
    return result;
  };
  const replaced: Record<string | symbol, unknown> = { createWatchCompilerHost, transpileModule };
  cached.exports = new Proxy(ts, {
    get: (target, name, receiver) => (name in replaced ? replaced[name] : Reflect.get(target, name, receiver)),
  });
}

type RunInThisContext = (code: string, options?: Record<string, unknown>) => unknown;

/** Names each cell's script after the cell and keeps its code and maps. */
export function nameCellScripts(vm: { runInThisContext: RunInThisContext }): void {
  const run = vm.runInThisContext;
  vm.runInThisContext = function (this: unknown, code, options) {
    const cell = currentCellRun();
    // tslab's wrapper: "(async function(exports, require) { <cell> \n})(__tslab__.exports, __tslab__.require)"
    const prefix = /^\((?:async )?function\(exports, require\) \{ /.exec(typeof code === 'string' ? code : '');
    if (cell && prefix && options?.breakOnSigint) {
      cell.compiled = code;
      const maps = latest;
      latest = {};
      try {
        mapsOfRun.set(cell, {
          module: maps.module ? new SourceMap(maps.module) : undefined,
          commonJs: maps.commonJs ? new SourceMap(maps.commonJs) : undefined,
          prefix: prefix[0].length,
        });
      } catch {
        // an unreadable map only costs line numbers in tracebacks
      }
      return run.call(this, code, { ...options, filename: cell.name });
    }
    return run.call(this, code, options);
  } as RunInThisContext;
}

/** The 1-based position in the cell as written of a 1-based position in its script, if known. */
export function writtenCellPosition(run: CellRun, line: number, column: number): { line: number; column: number } | undefined {
  const maps = mapsOfRun.get(run);
  if (!maps?.module || !maps.commonJs) return undefined;
  const esm = maps.commonJs.original(line - 1, column - 1 - (line === 1 ? maps.prefix : 0));
  const checked = esm && maps.module.original(esm.line, esm.column);
  // the checked file starts with tslab's one-line "export {};" prefix
  if (!checked || checked.line < 1) return undefined;
  return writtenPosition(run, checked.line, checked.column + 1);
}
