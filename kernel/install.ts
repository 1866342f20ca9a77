/**
 * Installs the "TypeScript (embedlab)" kernelspec with Jupyter's own
 * `jupyter kernelspec install` (no IPython needed), removes it, reports it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EmbedlabError } from '../src/util/errors';
import { PACKAGE_ROOT, packageManifest } from '../src/util/packageRoot';

/** Default kernel name (`jupyter kernelspec list` shows it). */
export const DEFAULT_KERNEL_NAME = 'embedlab';
/** Default name shown in the notebook's kernel picker. */
export const DEFAULT_DISPLAY_NAME = 'TypeScript (embedlab)';

const KERNEL_SOURCE_DIR = join(PACKAGE_ROOT, 'kernel');
const LOGOS = ['logo-32x32.png', 'logo-64x64.png', 'logo-svg.svg'];

/** A Jupyter kernelspec (`kernel.json`). */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode?: string;
  env?: Record<string, string>;
  metadata?: { embedlab?: { packageRoot: string; version: string } } & Record<string, unknown>;
}

export interface KernelSpecOptions {
  /**
   * Shown in the kernel picker.
   * @default "TypeScript (embedlab)"
   */
  displayName?: string;
  /**
   * Node binary Jupyter runs.
   * @default the one running now
   */
  node?: string;
}

/** The launcher Jupyter runs: `dist/kernel/launch.js`. */
export function launcherPath(): string {
  return join(PACKAGE_ROOT, 'dist', 'kernel', 'launch.js');
}

/**
 * Builds `kernel.json` from `kernel/kernel.template.json` with absolute paths,
 * so Jupyter starts the kernel whatever its PATH and working directory.
 *
 * @example
 * buildKernelSpec().argv; // ['/usr/bin/node', '/…/dist/kernel/launch.js', 'kernel', '--config-path', '{connection_file}']
 */
export function buildKernelSpec(options: KernelSpecOptions = {}): KernelSpec {
  const values: Record<string, string> = {
    $NODE: options.node ?? process.execPath,
    $LAUNCHER: launcherPath(),
    $DISPLAY_NAME: options.displayName ?? DEFAULT_DISPLAY_NAME,
    $PACKAGE_ROOT: PACKAGE_ROOT,
    $VERSION: packageManifest().version,
  };
  const template = readFileSync(join(KERNEL_SOURCE_DIR, 'kernel.template.json'), 'utf8');
  return JSON.parse(template, (_key, value: unknown) =>
    typeof value === 'string' && value in values ? values[value] : value,
  ) as KernelSpec;
}

/** Where `jupyter kernelspec install` puts the spec. */
export type KernelLocation = { user: true } | { sysPrefix: true } | { prefix: string };

export interface KernelInstallOptions extends KernelSpecOptions {
  /**
   * Kernel name, `[a-z0-9._-]+`.
   * @default "embedlab"
   */
  name?: string;
  /**
   * @default the per-user kernels folder
   */
  location?: KernelLocation;
  /**
   * The `jupyter` command.
   * @default `$JUPYTER`, else `jupyter` on PATH
   */
  jupyter?: string;
}

function validateName(name: string): string {
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new EmbedlabError(`kernel name "${name}" is invalid: use letters, digits, ".", "_" and "-" only`);
  }
  return name;
}

function jupyterCommand(jupyter?: string): string {
  return jupyter ?? process.env.JUPYTER ?? 'jupyter';
}

/** Runs `jupyter <args>`; a missing Jupyter or a failed command becomes an EmbedlabError. */
export function runJupyter(args: string[], jupyter?: string): Promise<{ stdout: string; stderr: string }> {
  const command = jupyterCommand(jupyter);
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolvePromise({ stdout, stderr });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new EmbedlabError(
            `"${command}" was not found: install Jupyter (e.g. apt-get install jupyter-client jupyter-notebook, ` +
              `or pip install jupyter) or pass --jupyter <path to jupyter>`,
          ),
        );
        return;
      }
      const detail = (stderr || stdout || String(error)).trim().split('\n').slice(-3).join(' ');
      reject(new EmbedlabError(`"${command} ${args.join(' ')}" failed: ${detail}`));
    });
  });
}

function locationArgs(location: KernelLocation | undefined): string[] {
  if (!location || 'user' in location) return ['--user'];
  if ('sysPrefix' in location) return ['--sys-prefix'];
  return ['--prefix', resolve(location.prefix)];
}

/** The result of {@link installKernel}. */
export interface InstalledKernel {
  name: string;
  /** The folder Jupyter copied the spec into. */
  resourceDir: string;
  spec: KernelSpec;
}

/**
 * Writes `kernel.json` and the logos into a temp folder and runs
 * `jupyter kernelspec install <dir> --name <name> [--user|--sys-prefix|--prefix P]`.
 *
 * @example
 * const { resourceDir } = await installKernel({ location: { user: true } });
 */
export async function installKernel(options: KernelInstallOptions = {}): Promise<InstalledKernel> {
  const name = validateName(options.name ?? DEFAULT_KERNEL_NAME);
  if (!existsSync(launcherPath())) {
    throw new EmbedlabError(`the kernel launcher ${launcherPath()} is missing: build the package first (npm run build)`);
  }
  const spec = buildKernelSpec(options);
  const staging = mkdtempSync(join(tmpdir(), 'embedlab-kernel-'));
  try {
    const dir = join(staging, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
    for (const logo of LOGOS) copyFileSync(join(KERNEL_SOURCE_DIR, logo), join(dir, logo));
    const args = ['kernelspec', 'install', dir, '--name', name, ...locationArgs(options.location)];
    const { stdout, stderr } = await runJupyter(args, options.jupyter);
    // jupyter prints "[InstallKernelSpec] Installed kernelspec NAME in DIR" (on stderr, via its logger).
    const match = /Installed kernelspec \S+ in (.+)$/m.exec(stderr + '\n' + stdout);
    const resourceDir = match ? match[1]!.trim() : (await findKernel(name, options.jupyter))?.resourceDir ?? '';
    return { name, resourceDir, spec };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Runs `jupyter kernelspec uninstall -y <name>`; returns the folder removed. */
export async function uninstallKernel(options: { name?: string; jupyter?: string } = {}): Promise<string> {
  const name = validateName(options.name ?? DEFAULT_KERNEL_NAME);
  const found = await findKernel(name, options.jupyter);
  if (!found) throw new EmbedlabError(`no kernel named "${name}" is installed (see \`jupyter kernelspec list\`)`);
  await runJupyter(['kernelspec', 'uninstall', '-y', name], options.jupyter);
  return found.resourceDir;
}

/** An installed kernelspec as `jupyter kernelspec list --json` reports it. */
export interface FoundKernel {
  name: string;
  resourceDir: string;
  spec: KernelSpec;
}

/** Looks a kernel up in `jupyter kernelspec list --json` (which honours JUPYTER_PATH). */
export async function findKernel(name: string, jupyter?: string): Promise<FoundKernel | undefined> {
  const { stdout } = await runJupyter(['kernelspec', 'list', '--json'], jupyter);
  const start = stdout.indexOf('{');
  const listing = JSON.parse(stdout.slice(start)) as {
    kernelspecs: Record<string, { resource_dir: string; spec: KernelSpec }>;
  };
  const entry = listing.kernelspecs[name];
  return entry ? { name, resourceDir: entry.resource_dir, spec: entry.spec } : undefined;
}

/** The result of {@link kernelStatus}. */
export interface KernelStatus {
  name: string;
  installed: boolean;
  resourceDir?: string;
  /** The package root the installed spec runs (from its metadata). */
  packageRoot?: string;
  /** Whether the installed spec starts this package's launcher with a node that exists. */
  upToDate: boolean;
  /** What is wrong, in words (empty when all is well). */
  problems: string[];
}

/**
 * Checks whether the kernel is installed and starts this package's launcher.
 *
 * @example
 * const status = await kernelStatus();
 * if (!status.upToDate) console.log(status.problems.join('\n'));
 */
export async function kernelStatus(options: { name?: string; jupyter?: string } = {}): Promise<KernelStatus> {
  const name = validateName(options.name ?? DEFAULT_KERNEL_NAME);
  const found = await findKernel(name, options.jupyter);
  if (!found) {
    return { name, installed: false, upToDate: false, problems: [`no kernel named "${name}" is installed`] };
  }
  const problems: string[] = [];
  const [node, launcher] = found.spec.argv;
  if (!node || !existsSync(node)) problems.push(`its node binary ${node ?? '(none)'} does not exist`);
  if (!launcher || !existsSync(launcher)) problems.push(`its launcher ${launcher ?? '(none)'} does not exist`);
  else if (resolve(launcher) !== launcherPath()) {
    problems.push(`it runs another copy of embedlab (${launcher}); reinstall to use ${launcherPath()}`);
  }
  return {
    name,
    installed: true,
    resourceDir: found.resourceDir,
    packageRoot: found.spec.metadata?.embedlab?.packageRoot,
    upToDate: problems.length === 0,
    problems,
  };
}
