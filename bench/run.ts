/**
 * `npm run bench`: embedlab next to PyTorch on this machine, in one run.
 *
 * For each model shape (MiniLM: 6 layers, hidden 384; bge-small: 12 layers,
 * hidden 384; bge-base: 12 layers, hidden 768; random init, 128-token texts,
 * batch 32), and for a StaticEmbedding (vs nn.EmbeddingBag):
 * - encoding throughput (texts/s);
 * - one training step of Matryoshka(MNRL) with AdamW (pairs/s, tokens/s, GFLOP/s);
 * and once: IR evaluation of 700 queries × 7,000 docs at 5 Matryoshka dims
 * (`bench/eval.ts`). embedlab runs on each available backend (the cpu backend
 * with small batches only: it is ~100× slower); PyTorch runs
 * `bench/torch_bench.py` with Debian's python3-torch. Prints a table and
 * writes `bench/results.json` with the ratios to PyTorch.
 *
 *   npm run bench                                   # everything (~25 min on 2 idle cores)
 *   npm run bench -- --models minilm --backends wasm
 *   npm run bench -- --profile                      # per-kernel profiles, before/after the fast kernels
 *   npm run bench -- --what encode,eval             # some measures only
 *
 * Options: --models a,b  --backends wasm,cpu  --rounds N (alternations with
 * PyTorch, default 2)  --repeats N (timed runs per process, default 2)
 * --python PATH  --out FILE  --no-eval  --profile.
 */
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { writeFileAtomicSync } from '../src/util/fs';
import type { KernelProfile } from './tfjsBench';

const run = promisify(execFile);
const REPO = join(__dirname, '../..');

interface Row {
  model: string;
  measure: 'encode' | 'train' | 'eval';
  engine: string;
  /** texts/s (encode), pairs/s (train), seconds (eval). */
  value: number;
  unit: string;
  gflopsPerS?: number;
  tokensPerS?: number;
  /** value / PyTorch's (higher is better: for eval, PyTorch seconds / ours). */
  vsPytorch?: number;
  /** Peak wasm heap of the process that measured the row (MiB). */
  heapMiB?: number;
  note?: string;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Runs a command that prints one JSON object on its last stdout line. */
async function jsonFrom(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutS = 1800): Promise<any> {
  log(`$ ${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${command} ${args.join(' ')}`);
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: REPO,
      env: { ...process.env, ...env },
      timeout: timeoutS * 1000,
      maxBuffer: 64 * 2 ** 20,
    });
    if (stderr.trim()) log(stderr.trim().split('\n').map((l) => `  ${l}`).join('\n'));
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    if (result.engine === 'pytorch') {
      const parts = [
        result.encode && `encode ${fmt(result.encode.texts_per_s)} texts/s`,
        result.train && `train ${fmt(result.train.examples_per_s)} pairs/s`,
        result.eval && `eval ${fmt(result.eval.median_s, 3)} s`,
      ].filter(Boolean);
      log(`  PyTorch (${result.threads} threads, BLAS ${result.blas?.[0] ?? '?'}): ${parts.join(', ')}`);
    }
    return result;
  } catch (error) {
    const err = error as { stderr?: string; message?: string };
    const detail = (err.stderr || err.message || String(error)).trim().split('\n').slice(-3).join(' | ');
    log(`  failed: ${detail}`);
    return { error: detail };
  }
}

/** Parses `bench/eval.js` output lines like `engine tf: median 1.234 s (...)`. */
async function evalTimes(env: NodeJS.ProcessEnv, repeats: number): Promise<Record<string, number> | { error: string }> {
  const args = [join(REPO, 'dist/bench/eval.js'), '--engine', 'all', '--repeats', String(repeats)];
  log(`$ ${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}node ${args.join(' ')}`);
  try {
    const { stdout } = await run(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, timeout: 1800_000 });
    log(stdout.trim().split('\n').map((l) => `  ${l}`).join('\n'));
    const times: Record<string, number> = {};
    for (const m of stdout.matchAll(/engine (\w+): median ([\d.]+) s/g)) times[m[1]!] = Number(m[2]);
    if (Object.keys(times).length === 0) return { error: `no "engine …: median … s" line in: ${stdout.slice(0, 200)}` };
    return times;
  } catch (error) {
    return { error: String((error as Error).message).split('\n')[0]! };
  }
}

function ratio(value: number | undefined, reference: number | undefined): number | undefined {
  return value !== undefined && reference ? Math.round((value / reference) * 1000) / 1000 : undefined;
}

function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| model | measure | engine | value | GFLOP/s | peak wasm heap | vs PyTorch |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.measure} | ${r.engine} | ${fmt(r.value)} ${r.unit}${r.note ? ` (${r.note})` : ''} | ${fmt(r.gflopsPerS, 1)} | ${r.heapMiB ? `${r.heapMiB} MiB` : '—'} | ${r.vsPytorch === undefined ? '—' : `${fmt(r.vsPytorch, 3)}×`} |`,
    ),
  ];
  return lines.join('\n');
}

async function profiles(): Promise<void> {
  const common = ['--model', 'minilm', '--layers', '2', '--batch', '8', '--what', 'train', '--repeats', '0'];
  const script = join(REPO, 'dist/bench/tfjsBench.js');
  await jsonFrom(process.execPath, [script, ...common, '--profile', join(REPO, 'bench/profile-before.json')], {
    EMBEDLAB_FAST_KERNELS: '0',
    EMBEDLAB_WASM_THREADS: '1',
    EMBEDLAB_BACKEND: 'wasm',
  });
  await jsonFrom(process.execPath, [script, ...common, '--profile', join(REPO, 'bench/profile-after-1thread.json')], {
    EMBEDLAB_WASM_THREADS: '1',
    EMBEDLAB_BACKEND: 'wasm',
  });
  await jsonFrom(process.execPath, [script, ...common, '--profile', join(REPO, 'bench/profile-after.json')], { EMBEDLAB_BACKEND: 'wasm' });
  console.log(profileTable(['before', 'after-1thread', 'after'].map((name) => join(REPO, `bench/profile-${name}.json`))));
}

/** Markdown table of kernel ms per profile file (the top kernels of each). */
export function profileTable(files: string[]): string {
  const profiles = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as { summary: string; profile: KernelProfile });
  const names: string[] = [];
  for (const { profile } of profiles) {
    for (const name of Object.keys(profile.kernels).slice(0, 12)) if (!names.includes(name)) names.push(name);
  }
  const header = profiles.map(({ summary }, i) => `${basename(files[i]!, '.json')} (${summary.replace(/^backend: /, '').replace(/ — .*/, '')})`);
  const lines = [
    `| kernel | ${header.join(' | ')} |`,
    `|---|${header.map(() => '---:').join('|')}|`,
    ...names.map((name) => `| ${name} | ${profiles.map(({ profile }) => (profile.kernels[name] ? `${profile.kernels[name]!.ms.toFixed(0)} ms` : '—')).join(' | ')} |`),
    `| **kernels total** | ${profiles.map(({ profile }) => `${profile.totalKernelMs} ms`).join(' | ')} |`,
    `| **step (wall)** | ${profiles.map(({ profile }) => `${profile.wallMs} ms`).join(' | ')} |`,
  ];
  return lines.join('\n');
}

interface EngineSpec {
  /** Label prefix in the table. */
  key: string;
  run(model: string, what: string[], repeats: number, warmup?: number): Promise<any>;
}

/** One engine's encode and train results from separate processes, as one. */
function mergeResults(encode: any, train: any): any {
  return { ...encode, ...train, encode: encode?.encode, train: train?.train, error: train?.error ?? encode?.error };
}

/**
 * StaticEmbedding training (bench/workload.ts `STATIC`): PyTorch's
 * `nn.EmbeddingBag(mode="mean")` and embedlab, alternating for `rounds`.
 */
async function staticRows(torch: EngineSpec, engines: EngineSpec[], rounds: number, rows: Row[], record: (key: string, value: unknown) => void): Promise<void> {
  const perRound: Record<string, any[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const engine of [torch, ...engines]) {
      const result = await engine.run('static', ['train'], 20, 3);
      (perRound[engine.key] ??= []).push(result);
      record(`${engine.key}/static`, result);
    }
  }
  const torchValues = (perRound.pytorch ?? []).map((r) => r?.train?.examples_per_s as number | undefined);
  const model = 'StaticEmbedding 128-d';
  for (const engine of [torch, ...engines]) {
    const runs = perRound[engine.key] ?? [];
    const values = runs.map((r) => r?.train?.examples_per_s as number | undefined);
    const value = median(values.map((v) => v ?? NaN));
    const label = engine.key === 'pytorch' ? 'PyTorch nn.EmbeddingBag(mode="mean")' : `embedlab ${(runs[0]?.summary ?? engine.key).replace(/^backend: /, '').replace(/ — .*/, '')}`;
    if (value === undefined) {
      rows.push({ model, measure: 'train', engine: label, value: NaN, unit: '', note: `failed: ${runs.find((r) => r?.error)?.error ?? 'no result'}` });
      continue;
    }
    const ratios = values.map((v, r) => (v !== undefined && torchValues[r] ? v / torchValues[r]! : NaN));
    const heaps = runs.map((r) => r?.train?.heapMiB).filter((h): h is number => typeof h === 'number');
    rows.push({
      model, measure: 'train', engine: label, value, unit: 'pairs/s', vsPytorch: engine.key === 'pytorch' ? 1 : median(ratios),
      note: `batch 64 × 64 tokens, 3 dims; ${runsNote(values)}`, heapMiB: heaps.length ? Math.max(...heaps) : undefined,
    });
  }
}

function runsNote(values: (number | undefined)[]): string {
  const done = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return `${done.length} run${done.length === 1 ? '' : 's'}: ${done.map((v) => fmt(v)).join(', ')}`;
}

function median(xs: number[]): number | undefined {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'minilm,bge-small,bge-base,static' },
      backends: { type: 'string', default: 'wasm,cpu' },
      repeats: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '2' },
      python: { type: 'string', default: '/usr/bin/python3' },
      out: { type: 'string', default: join(REPO, 'bench/results.json') },
      'no-eval': { type: 'boolean', default: false },
      what: { type: 'string', default: 'encode,train,eval' },
      profile: { type: 'boolean', default: false },
    },
  });
  const python = values.python!;
  if (values.profile) return profiles();
  const models = values.models!.split(',');
  const backends = values.backends!.split(',');
  const repeats = Number(values.repeats);
  const rounds = Number(values.rounds);
  const started = new Date();
  const loadBefore = os.loadavg();
  const rows: Row[] = [];
  const raw: Record<string, unknown[]> = {};
  const script = join(REPO, 'dist/bench/tfjsBench.js');
  const torchScript = join(REPO, 'bench/torch_bench.py');
  const record = (key: string, value: unknown) => (raw[key] ??= []).push(value);

  const torch: EngineSpec = {
    key: 'pytorch',
    run: (model, what, reps) => jsonFrom(python, [torchScript, '--model', model, '--what', what.join(','), '--repeats', String(reps)]),
  };
  const tfjs = (backend: string, env: NodeJS.ProcessEnv, extra: string[] = []): EngineSpec => ({
    key: `embedlab-${backend}${env.EMBEDLAB_WASM_THREADS ? `-${env.EMBEDLAB_WASM_THREADS}thread` : ''}`,
    run: (model, what, reps, warmup = 1) =>
      jsonFrom(process.execPath, [script, '--backend', backend, '--model', model, '--what', what.join(','), '--repeats', String(reps), '--warmup', String(warmup), ...extra], {
        EMBEDLAB_BACKEND: backend,
        ...env,
      }),
  });
  // The wasm build is timed with its default thread count and with one thread:
  // threads pay off on idle cores and cost a lot on a machine busy with other work.
  // The default engine encodes on onnxruntime-node when it loads; the one-thread
  // engine encodes on tfjs (EMBEDLAB_ENCODER=tfjs), so both encoders are in the table.
  const wasmEngines = backends.includes('wasm')
    ? [tfjs('wasm', {}), ...(os.cpus().length > 1 ? [tfjs('wasm', { EMBEDLAB_WASM_THREADS: '1', EMBEDLAB_ENCODER: 'tfjs' })] : [tfjs('wasm', { EMBEDLAB_ENCODER: 'tfjs' })])]
    : [];

  for (const [index, model] of models.entries()) {
    if (model === 'static') {
      await staticRows(torch, backends.includes('wasm') ? [tfjs('wasm', {})] : [], rounds, rows, record);
      continue;
    }
    const big = model !== 'minilm';
    const measures = values.what!.split(',');
    const what = ['encode', 'train'].filter((m) => measures.includes(m));
    // Rounds alternate the engines (PyTorch, embedlab, …, PyTorch, …) so that
    // a change in machine load hits all of them; ratios are taken per round.
    // The 12-layer models train for minutes per step: one round, with the
    // default wasm build only, and encode and train in separate processes so
    // each row's peak heap is its own.
    const engines = big ? [torch, ...wasmEngines.slice(0, 1)] : [torch, ...wasmEngines];
    const perRound: Record<string, any[]> = {};
    for (let round = 0; round < (big ? 1 : rounds); round++) {
      for (const engine of engines) {
        if (what.length === 0) continue;
        const result = big
          ? mergeResults(
              what.includes('encode') ? await engine.run(model, ['encode'], repeats) : undefined,
              what.includes('train') ? await engine.run(model, ['train'], 1, model === 'bge-base' ? 0 : 1) : undefined,
            )
          : await engine.run(model, what, repeats);
        (perRound[engine.key] ??= []).push(result);
        record(`${engine.key}/${model}`, result);
      }
    }
    const torchRuns = perRound.pytorch ?? [];
    const torchLabel = `PyTorch ${torchRuns[0]?.version ?? ''} (${torchRuns[0]?.threads ?? '?'} threads)`;
    for (const measure of what as ('encode' | 'train')[]) {
      const pick = (r: any) => (measure === 'encode' ? r?.encode?.texts_per_s : r?.train?.examples_per_s) as number | undefined;
      const torchValues = torchRuns.map(pick);
      for (const key of engines.map((e) => e.key)) {
        const runs = perRound[key] ?? [];
        const values = runs.map(pick);
        const ratios = values.map((v, r) => (v !== undefined && torchValues[r] ? v / torchValues[r]! : NaN));
        const first = runs.find((r) => r?.[measure]);
        const backendLabel = `embedlab ${(runs[0]?.summary ?? key).replace(/^backend: /, '').replace(/ — .*/, '')}`;
        const onOnnx = measure === 'encode' && /onnxruntime/.test(runs[0]?.encoder ?? '');
        const label = key === 'pytorch' ? torchLabel : onOnnx ? `embedlab ${String(runs[0].encoder).replace(/^encode: /, '')}` : backendLabel;
        const value = median(values.map((v) => v ?? NaN));
        if (value === undefined) {
          const failure = runs.find((r) => r?.error || r?.[measure] === undefined);
          if (measure === 'train' || key === 'pytorch' || failure) {
            rows.push({ model, measure, engine: label, value: NaN, unit: '', note: `failed: ${failure?.error ?? 'no result'}${failure?.wasmHeapMiB ? `, wasm heap ${failure.wasmHeapMiB} MiB` : ''}` });
          }
          continue;
        }
        const gflops = median(runs.map((r) => r?.[measure]?.gflops_per_s ?? NaN));
        const note = [
          measure === 'train' && key !== 'pytorch' ? (first?.miniBatch ? `GradCache mini-batch ${first.miniBatch}` : 'whole batch per pass') : '',
          measure === 'encode' && first?.encode?.encodeBatch && first.encode.encodeBatch !== first.batch
            ? `batch ${first.batch} exceeds the wasm heap: encoded in batches of ${first.encode.encodeBatch}`
            : '',
          first?.wasmHeapMiB && !onOnnx ? `wasm heap ${first.wasmHeapMiB} MiB` : '',
          runsNote(values),
        ].filter(Boolean).join('; ');
        const heaps = runs.map((r) => r?.[measure]?.heapMiB).filter((h): h is number => typeof h === 'number');
        rows.push({
          model, measure, engine: label, value, unit: measure === 'encode' ? 'texts/s' : 'pairs/s', gflopsPerS: gflops,
          tokensPerS: measure === 'train' ? median(runs.map((r) => r?.train?.tokens_per_s ?? NaN)) : undefined,
          vsPytorch: key === 'pytorch' ? 1 : median(ratios), note, heapMiB: heaps.length ? Math.max(...heaps) : undefined,
        });
      }
    }

    if (backends.includes('cpu') && !big && what.length === 2) {
      // pure JS: ~100× slower, so a few texts / pairs, once
      const enc = await jsonFrom(process.execPath, [script, '--backend', 'cpu', '--model', model, '--what', 'encode', '--repeats', '1', '--warmup', '0', '--batch', '4'], { EMBEDLAB_BACKEND: 'cpu' });
      const tr = await jsonFrom(process.execPath, [script, '--backend', 'cpu', '--model', model, '--what', 'train', '--repeats', '1', '--warmup', '0', '--batch', '2'], { EMBEDLAB_BACKEND: 'cpu' });
      record(`embedlab-cpu/${model}`, { encode: enc, train: tr });
      const torchEncode = median(torchRuns.map((r) => r?.encode?.texts_per_s ?? NaN));
      const torchTrain = median(torchRuns.map((r) => r?.train?.examples_per_s ?? NaN));
      const label = 'embedlab cpu (pure JavaScript)';
      rows.push(enc.encode
        ? { model, measure: 'encode', engine: label, value: enc.encode.texts_per_s, unit: 'texts/s', gflopsPerS: enc.encode.gflops_per_s, vsPytorch: ratio(enc.encode.texts_per_s, torchEncode), note: `batch ${enc.batch}, 1 run` }
        : { model, measure: 'encode', engine: label, value: NaN, unit: '', note: `failed: ${enc.error}` });
      rows.push(tr.train
        ? { model, measure: 'train', engine: label, value: tr.train.examples_per_s, unit: 'pairs/s', gflopsPerS: tr.train.gflops_per_s, vsPytorch: ratio(tr.train.examples_per_s, torchTrain), note: `batch ${tr.batch}, 1 run` }
        : { model, measure: 'train', engine: label, value: NaN, unit: '', note: `failed: ${tr.error}` });
    }

    if (index === 0 && !values['no-eval'] && measures.includes('eval')) {
      const torchEval = await jsonFrom(python, [torchScript, '--what', 'eval', '--repeats', String(Math.max(3, repeats))]);
      record('pytorch/eval', torchEval);
      const torchSeconds = torchEval.eval?.median_s as number | undefined;
      if (torchSeconds !== undefined) rows.push({ model: '700×7,000 ×5 dims', measure: 'eval', engine: torchLabel, value: torchSeconds, unit: 's', vsPytorch: 1 });
      if (backends.includes('wasm')) {
        const times = await evalTimes({ EMBEDLAB_BACKEND: 'wasm' }, Math.max(3, repeats));
        record('embedlab-wasm/eval', times);
        if ('error' in times) {
          rows.push({ model: '700×7,000 ×5 dims', measure: 'eval', engine: 'embedlab wasm', value: NaN, unit: '', note: `failed: ${times.error}` });
        } else {
          for (const [engineName, seconds] of Object.entries(times)) {
            rows.push({ model: '700×7,000 ×5 dims', measure: 'eval', engine: `embedlab wasm (${engineName} engine)`, value: seconds, unit: 's', vsPytorch: ratio(torchSeconds, seconds) });
          }
        }
      }
    }
  }

  const table = markdownTable(rows);
  const torchBlas = Object.entries(raw).filter(([key]) => key.startsWith('pytorch/')).flatMap(([, runs]) => runs).map((r: any) => r?.blas).find((b) => Array.isArray(b)) as string[] | undefined;
  const blasLine = `PyTorch BLAS: ${torchBlas?.length ? torchBlas.join(', ') : 'unknown'}${torchBlas?.some((b) => /openblas|mkl|blis/i.test(b)) ? '' : ' — NOT an optimized BLAS: PyTorch is ~10× slower than it should be (apt-get install libopenblas0-pthread)'}`;
  const results = {
    generatedBy: 'npm run bench',
    date: started.toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
      loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
      pytorchBlas: torchBlas ?? null,
    },
    settings: { batch: 32, seq: 128, repeats, rounds, dropout: 0.1, optimizer: 'AdamW lr 2e-5 wd 0.01', loss: 'Matryoshka(MNRL, scale 20)', static: 'StaticEmbedding 128-d, batch 64 × 64 tokens, Matryoshka(MNRL) over 128/64/32, AdamW lr 0.05 wd 0.01' },
    notes: [
      'Each engine runs in its own process, alternating with PyTorch round by round; values are medians over rounds of per-process medians (after one warm-up), vsPytorch the median of per-round ratios.',
      'GFLOP/s counts matmul FLOPs only (2·m·k·n; a training step = 3× forward), the same formula for every engine (GradCache re-runs the forward: its real work is 4/3 of that).',
      'embedlab times include tokenization; PyTorch is fed token ids.',
      'eval: seconds, vsPytorch = PyTorch seconds / ours.',
    ],
    table: rows,
    raw,
  };
  writeFileAtomicSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
  console.log(table);
  console.log(`\n${blasLine}`);
  console.log('vs PyTorch: throughput ratio (eval: PyTorch seconds / ours); > 1 means embedlab is faster. Peak wasm heap: the 4 GiB wasm memory at its largest in the process that measured the row.');
  console.log(`\nload average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`written ${values.out}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
