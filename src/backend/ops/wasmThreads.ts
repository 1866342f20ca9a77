/**
 * Starts tfjs-backend-wasm with its threaded SIMD build under Node.
 *
 * tfjs ships a pthreads build (XNNPACK spreads matMuls over a thread pool) but
 * never uses it under Node: its feature flag says "no threads" for Node, the
 * build creates its pthread Worker from a `blob:` URL that Node's `Worker`
 * rejects, and it hands the workers its main script as a `Blob` they cannot
 * `importScripts`. Its thread count is also capped at half of
 * `os.cpus().length` (it assumes two hyper-threads per core).
 *
 * This starts it anyway: the worker script is written to a file (once per
 * tfjs version, in the OS temp folder) and handed out instead of the blob
 * URL; the workers load the package's own threaded script file; the core
 * count is reported doubled during start-up so the cap is the real count; and
 * the idle workers are `unref`ed so they do not keep Node alive. If any of
 * that fails, the single-threaded SIMD build starts instead and the reason is
 * kept for the backend summary.
 *
 * `EMBEDLAB_WASM_THREADS=n` picks the thread count (1 = single-threaded
 * build); the default is the number of available cores (at most 8, the size
 * of the build's worker pool). Threads help only with idle cores: on a
 * machine already busy with other work, one thread can be faster.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../../util/fs';
import { EmbedlabError } from '../../util/errors';

/** The most threads the threaded build can run (its pre-created worker pool). */
export const MAX_WASM_THREADS = 8;

export interface WasmStart {
  /** Whether the wasm backend is active. */
  ok: boolean;
  /** Threads in XNNPACK's pool (1 = single-threaded build). */
  threads: number;
  /** Why the threaded build is not in use, when it is not. */
  singleThreadReason?: string;
}

let lastStart: WasmStart | undefined;

/** The outcome of the last {@link startWasmBackend}, for the backend summary. */
export function wasmStartInfo(): WasmStart | undefined {
  return lastStart;
}

/** Thread count asked for by `EMBEDLAB_WASM_THREADS`, or the available cores. */
export function requestedWasmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.EMBEDLAB_WASM_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new EmbedlabError(`EMBEDLAB_WASM_THREADS="${raw}" is not a whole number of threads (1 or more)`);
    }
    return Math.min(n, MAX_WASM_THREADS);
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, MAX_WASM_THREADS));
}

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  version_wasm: string;
}

/**
 * Selects the wasm backend, threaded when more than one thread is asked for
 * and the threaded build starts; otherwise single-threaded.
 */
export async function startWasmBackend(threads = requestedWasmThreads()): Promise<WasmStart> {
  const wasmPackage = require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  let singleThreadReason: string | undefined;
  if (threads > 1) {
    try {
      const started = await startThreaded(wasmPackage, threads);
      if (started) {
        lastStart = { ok: true, threads: wasmPackage.getThreadsCount() };
        return lastStart;
      }
      singleThreadReason = 'the threaded build did not start';
    } catch (error) {
      singleThreadReason = `threaded build failed: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
    }
  } else {
    singleThreadReason = process.env.EMBEDLAB_WASM_THREADS ? 'EMBEDLAB_WASM_THREADS=1' : 'one core available';
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmPackage.setThreadsCount(1);
  const ok = await tf.setBackend('wasm');
  lastStart = { ok, threads: ok ? 1 : 0, singleThreadReason };
  return lastStart;
}

async function startThreaded(wasmPackage: WasmPackage, threads: number): Promise<boolean> {
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available');
  const workerFile = writeWorkerScript(wasmPackage.version_wasm);
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;
  // tfjs makes exactly one `application/javascript` blob URL: the pthread worker.
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerFile : realCreateObjectURL(obj);
  // The build caps threads at cores/2; report twice the cores while it starts.
  const osModule = require('node:os') as { cpus: typeof os.cpus };
  osModule.cpus = () => {
    const cpus = realCpus();
    return [...cpus, ...cpus];
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmPackage.setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) return false;
  } finally {
    URL.createObjectURL = realCreateObjectURL;
    osModule.cpus = realCpus;
  }
  unrefWorkers();
  return true;
}

/** Lets Node exit while the (idle) pthread workers are still alive. */
function unrefWorkers(): void {
  const wasm = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers?: unknown[]; unusedWorkers?: unknown[] } } }).wasm;
  const pthread = wasm?.PThread;
  for (const worker of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) {
    (worker as { unref?: () => void }).unref?.();
  }
}

/**
 * Writes the threaded build's worker script to a file Node's `Worker` can
 * load. The script is tfjs's own; two things are added: its `\n` escapes are
 * restored (tfjs does the same before making its blob), and the "load"
 * message's main-script Blob is replaced by the package's script file.
 */
function writeWorkerScript(version: string): string {
  const mainScript = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const workerModule = join(dirname(mainScript), 'tfjs-backend-wasm-threaded-simd.worker.js');
  const { wasmWorkerContents } = require(workerModule) as { wasmWorkerContents: string };
  const script =
    wasmWorkerContents.replace(/\n/g, '\\n') +
    '\n;(function () {\n' +
    '  var handle = self.onmessage;\n' +
    '  self.onmessage = function (e) {\n' +
    '    if (e.data && e.data.cmd === "load" && typeof e.data.urlOrBlob !== "string") {\n' +
    `      e.data.urlOrBlob = ${JSON.stringify(mainScript)};\n` +
    '    }\n' +
    '    return handle(e);\n' +
    '  };\n' +
    '})();\n';
  const dir = join(os.tmpdir(), `embedlab-tfjs-wasm-${version}`);
  const file = join(dir, 'threaded-simd.worker.cjs');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== script) {
    writeFileAtomicSync(file, script);
  }
  return file;
}
