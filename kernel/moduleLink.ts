/**
 * Makes `import ... from 'embedlab'` work in a notebook kept in any folder.
 *
 * tslab resolves a cell's imports twice: the type-checker (its bundled
 * TypeScript, `moduleResolution: Node10`) looks for `node_modules/embedlab`
 * in the notebook's folder and its ancestors, and the cell's `require` does
 * the same at run time. A notebook in /tmp finds neither. When the notebook's
 * folder cannot already resolve `embedlab`, the kernel adds a virtual
 * `<cwd>/node_modules/embedlab` link to this package for both: the checker's
 * file system sees it as a symlink (so the package's own dependencies resolve
 * from its real location) and Node's resolver falls back to it.
 */
import Module from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** The subset of TypeScript's `System` the link patches. */
export interface TypeScriptSystem {
  fileExists(path: string): boolean;
  directoryExists(path: string): boolean;
  readFile(path: string, encoding?: string): string | undefined;
  realpath?(path: string): string;
  getDirectories(path: string): string[];
  readDirectory(path: string, ...rest: unknown[]): string[];
}

export interface PackageLink {
  /** The folder whose `node_modules/<name>` is faked (the notebook's folder). */
  fromDir: string;
  /** The virtual path `<fromDir>/node_modules/<name>`. */
  linkPath: string;
  /** The package root it points to. */
  target: string;
  /** False when `fromDir` already resolves the package, so nothing was patched. */
  active: boolean;
}

/**
 * The `node_modules/<name>` folder that `dir` or one of its ancestors holds,
 * as both Node and TypeScript's Node10 resolution would find it, or undefined.
 */
export function findInstalledCopy(dir: string, name: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/** Maps paths under `linkPath` onto `target`; other paths are returned unchanged. */
export function makeForwarder(linkPath: string, target: string): (path: string) => string {
  // TypeScript hands us forward slashes on every platform.
  const link = linkPath.split(sep).join('/');
  const real = target.split(sep).join('/');
  return (path: string) => {
    if (path === link) return real;
    if (path.startsWith(link + '/')) return real + path.slice(link.length);
    return path;
  };
}

/** Patches a TypeScript `System` so that `linkPath` behaves as a symlink to `target`. */
export function patchTypeScriptSystem(sys: TypeScriptSystem, linkPath: string, target: string): void {
  const forward = makeForwarder(linkPath, target);
  const fileExists = sys.fileExists.bind(sys);
  const directoryExists = sys.directoryExists.bind(sys);
  const readFile = sys.readFile.bind(sys);
  const realpath = sys.realpath?.bind(sys) ?? ((p: string) => p);
  const getDirectories = sys.getDirectories.bind(sys);
  const readDirectory = sys.readDirectory.bind(sys);
  sys.fileExists = (p) => fileExists(forward(p));
  sys.directoryExists = (p) => directoryExists(forward(p));
  sys.readFile = (p, encoding) => readFile(forward(p), encoding);
  sys.realpath = (p) => realpath(forward(p));
  sys.getDirectories = (p) => getDirectories(forward(p));
  sys.readDirectory = (p, ...rest) => readDirectory(forward(p), ...rest);
}

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

/** Lets Node's `require(name)` / `require(name/sub)` fall back to `target` when normal resolution fails. */
export function addRuntimeFallback(name: string, target: string): void {
  const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (request, parent, isMain, options) {
    try {
      return original.call(this, request, parent, isMain, options);
    } catch (error) {
      const ours = request === name || request.startsWith(name + '/');
      if (!ours || (error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
      return original.call(this, target + request.slice(name.length), parent, isMain, options);
    }
  };
}

/**
 * Links package `name` (at `target`) into `fromDir` for tslab's type-checker
 * (`tsSys`, the `sys` of tslab's TypeScript) and for Node's `require`.
 *
 * @example
 * const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
 * linkPackageForNotebook({ name: 'embedlab', target: packageRoot, fromDir: process.cwd(), tsSys: ts.sys });
 */
export function linkPackageForNotebook(options: {
  name: string;
  target: string;
  fromDir: string;
  tsSys: TypeScriptSystem;
}): PackageLink {
  const fromDir = resolve(options.fromDir);
  const target = resolve(options.target);
  const linkPath = join(fromDir, 'node_modules', options.name);
  // A notebook inside a project that installed the package keeps its own copy.
  const active = findInstalledCopy(fromDir, options.name) === undefined;
  if (active) {
    patchTypeScriptSystem(options.tsSys, linkPath, target);
    addRuntimeFallback(options.name, target);
  }
  return { fromDir, linkPath, target, active };
}
