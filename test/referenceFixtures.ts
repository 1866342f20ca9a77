/**
 * Reference fixtures produced by the Python scripts in test/reference/.
 * The committed JSON under test/fixtures/ is what every run compares against
 * (CI has no torch); where /usr/bin/python3 can run a script, the test also
 * regenerates the fixture and checks the committed copy against it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(__dirname, '../..');
export const SHARED = join(REPO, '../shared');
const FIXTURES = join(REPO, 'test/fixtures');
const SCRIPTS = join(REPO, 'test/reference');
const PYTHON = '/usr/bin/python3';

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

const probes = new Map<string, string | undefined>();

/**
 * Why `/usr/bin/python3` cannot import `modules` (a skip reason), or
 * undefined when it can.
 */
export function pythonMissing(modules: string[] = []): string | undefined {
  const key = modules.join(',');
  if (!probes.has(key)) {
    try {
      execFileSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { stdio: 'pipe' });
      probes.set(key, undefined);
    } catch {
      probes.set(key, `${PYTHON} cannot import ${modules.join(', ') || 'the standard library'}; comparing with the committed fixture only`);
    }
  }
  return probes.get(key);
}

/**
 * Runs `test/reference/<script>` with `args` and an output folder as its
 * last argument; returns the folder (the caller removes it with `rmSync`).
 */
export function runReferenceScript(script: string, args: string[] = []): string {
  const out = mkdtempSync(join(tmpdir(), 'embedlab-reference-'));
  try {
    execFileSync(PYTHON, [join(SCRIPTS, script), ...args, out], { cwd: SCRIPTS, stdio: 'pipe', timeout: 120_000 });
  } catch (error) {
    rmSync(out, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`${script} failed: ${stderr || (error as Error).message}`);
  }
  return out;
}

/** Largest |a − b| over two equally long number arrays. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} vs ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}
