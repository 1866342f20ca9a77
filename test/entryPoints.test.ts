import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './notebooksHarness';

type TypeScript = typeof import('typescript');

/** tslab's own TypeScript (it type-checks notebook cells), else the project's. */
function notebookTypeScript(): TypeScript {
  try {
    return require(require.resolve('@tslab/typescript-for-tslab', { paths: [REPO_ROOT] })) as TypeScript;
  } catch {
    return require('typescript') as TypeScript;
  }
}

/** A folder outside the repo whose `node_modules/embedlab` is this package, as an installed copy would be. */
function projectWithEmbedlab(): string {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-entry-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'embedlab'), 'dir');
  return dir;
}

/** Every `import { … } from 'embedlab…'` in the README, the notebooks and the doc examples, by module. */
function documentedImports(): Map<string, Set<string>> {
  const texts: string[] = [readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), readFileSync(join(REPO_ROOT, 'notebooks', 'README.md'), 'utf8')];
  for (const name of readdirSync(join(REPO_ROOT, 'notebooks')).filter((n) => n.endsWith('.ipynb'))) {
    const notebook = JSON.parse(readFileSync(join(REPO_ROOT, 'notebooks', name), 'utf8')) as { cells: { source: string[] | string }[] };
    for (const cell of notebook.cells) texts.push(Array.isArray(cell.source) ? cell.source.join('') : cell.source);
  }
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) texts.push(readFileSync(path, 'utf8').replace(/^\s*\* ?/gm, ''));
    }
  };
  for (const folder of ['src', 'widgets', 'kernel']) walk(join(REPO_ROOT, folder));
  const imports = new Map<string, Set<string>>();
  for (const text of texts) {
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](embedlab(?:\/advanced)?)['"]/g)) {
      const names = m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
      const set = imports.get(m[2]!) ?? new Set<string>();
      for (const n of names) set.add(n);
      imports.set(m[2]!, set);
    }
  }
  return imports;
}

test('entry points: every name the README, notebooks and doc examples import type-checks as tslab checks it (Node10)', () => {
  const imports = documentedImports();
  assert.ok((imports.get('embedlab')?.size ?? 0) >= 30, 'the documentation imports from embedlab');
  assert.ok(imports.get('embedlab/advanced')?.size, 'the documentation imports from embedlab/advanced');
  const ts = notebookTypeScript();
  const dir = projectWithEmbedlab();
  const cell = join(dir, 'cell.ts');
  // one import per name, as a notebook cell writes it: it fails only when the module lacks the name
  const lines = [...imports].flatMap(([module, names]) => [...names].map((n) => `import { ${n} } from '${module}';`));
  writeFileSync(cell, lines.join('\n') + '\nexport {};\n');
  const program = ts.createProgram([cell], {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: [],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === cell || !d.file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(problems, []);
});

test('entry points: embedlab and embedlab/advanced load at run time from an installed copy and share no name', () => {
  const dir = projectWithEmbedlab();
  const script = `
    const main = require('embedlab');
    const advanced = require('embedlab/advanced');
    console.log(JSON.stringify({ main: Object.keys(main), advanced: Object.keys(advanced),
      finetune: typeof main.finetune, batchGradients: typeof advanced.batchGradients }));`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { main: string[]; advanced: string[]; finetune: string; batchGradients: string };
  assert.equal(out.finetune, 'function');
  assert.equal(out.batchGradients, 'function');
  assert.deepEqual(out.main.filter((n) => out.advanced.includes(n)), []);
  assert.ok(!out.main.includes('batchGradients') && !out.main.includes('SafetensorsFile') && !out.main.includes('LiveDisplay'));
});
