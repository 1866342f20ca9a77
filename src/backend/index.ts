/**
 * Chooses the TensorFlow.js backend at run time and says which one and why.
 *
 * Order of preference: `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node`
 * (native TensorFlow on CPU), `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD),
 * then the pure-JS `cpu` backend. The native packages are optional
 * dependencies: they need libtensorflow (and CUDA 11.2 + cuDNN 8 for the GPU
 * build), so on many machines they are absent or fail to load — that is
 * reported, never hidden. `EMBEDLAB_BACKEND=gpu|node|wasm|cpu` forces one.
 *
 * @example
 * import { initBackend } from 'embedlab';
 * const info = await initBackend();
 * console.log(info.summary); // "backend: wasm (SIMD) — tfjs-node-gpu: not installed; tfjs-node: not installed"
 */
import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../util/errors';
import { encoderSummary } from './onnxRuntime';
import { registerFastKernels } from './ops';
import { startWasmBackend, wasmStartInfo } from './ops/wasmThreads';

/** A backend by what runs it: tfjs-node-gpu (CUDA), tfjs-node (native CPU), tfjs-backend-wasm, or pure-JS cpu. */
export type BackendChoice = 'gpu' | 'node' | 'wasm' | 'cpu';

/** The backend {@link initBackend} started, and why the better ones were not. */
export interface BackendInfo {
  /** Which of the four choices is active. */
  choice: BackendChoice;
  /** The tfjs backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Why each better choice was skipped, in preference order. */
  skipped: { choice: BackendChoice; reason: string }[];
  /** Whether the choice was forced by `EMBEDLAB_BACKEND` or an argument. */
  forced: boolean;
  /** One line for terminals and notebooks. */
  summary: string;
}

const ORDER: BackendChoice[] = ['gpu', 'node', 'wasm', 'cpu'];
const PACKAGES: Record<BackendChoice, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs (cpu)',
};

let active: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/**
 * The backend chosen by {@link initBackend}; when TensorFlow.js started one
 * by itself (a tensor made before `initBackend`), that one, with the reason.
 * Undefined only before any backend exists.
 *
 * @example
 * await initBackend();
 * backendInfo()?.summary; // one line: which backend is active and why
 */
export function backendInfo(): BackendInfo | undefined {
  if (active) return active;
  // reading the name does not start a backend, unlike tf.getBackend()
  const started = (tf.engine() as unknown as { backendName?: string | null }).backendName;
  if (!started) return undefined;
  const choice: BackendChoice = started === 'wasm' ? 'wasm' : started === 'cpu' ? 'cpu' : 'node';
  const info: BackendInfo = { choice, tfBackend: started, skipped: [], forced: false, summary: '' };
  info.summary = `${describe(info).replace(/ — .*$/, '')} — started by TensorFlow.js itself: call initBackend() before the first model or tensor to get the best one`;
  return info;
}

/**
 * Selects and initialises the backend once per process; later calls return
 * the same answer. Pass `choice` (or set `EMBEDLAB_BACKEND`) to force one;
 * a forced backend that cannot start is an error, not a silent fallback.
 *
 * @example
 * const { choice, summary } = await initBackend();   // best available
 * await initBackend('cpu');                           // or force one
 */
export function initBackend(choice?: BackendChoice): Promise<BackendInfo> {
  let requested: BackendChoice | undefined;
  try {
    requested = choice !== undefined ? parseBackendChoice(choice, 'initBackend(choice)') : parseBackendChoice(process.env.EMBEDLAB_BACKEND, 'EMBEDLAB_BACKEND');
  } catch (error) {
    return Promise.reject(error);
  }
  if (active && (!requested || requested === active.choice)) return Promise.resolve(active);
  if (pending && !requested) return pending;
  pending = select(requested).then((info) => (active = info));
  return pending;
}

/**
 * Starts the backend unless one is already started (by {@link initBackend} or
 * an earlier call): every entry point awaits it before making a tensor, so
 * the backend never switches half-way through the work.
 *
 * @example
 * await ensureBackend(); // the backend initBackend would choose, once per process
 */
export function ensureBackend(): Promise<BackendInfo> {
  if (active) return Promise.resolve(active);
  return pending ?? initBackend();
}

/**
 * A backend name as `--backend`, `EMBEDLAB_BACKEND` or `initBackend` take it
 * (also `cuda`, `tfjs-node`, `tensorflow`); an unknown name is an error that
 * names `source` and lists the choices. Empty or undefined means "best available".
 *
 * @example
 * parseBackendChoice('WASM', '--backend'); // 'wasm'
 */
export function parseBackendChoice(value: string | undefined, source: string): BackendChoice | undefined {
  if (value === undefined || (typeof value === 'string' && value.trim() === '' && source === 'EMBEDLAB_BACKEND')) return undefined;
  if (typeof value !== 'string') throw new EmbedlabError(`${source} must be one of ${ORDER.join(', ')}, got ${String(value)}`);
  const normalized = value.trim().toLowerCase();
  const aliases: Record<string, BackendChoice> = {
    gpu: 'gpu', 'tfjs-node-gpu': 'gpu', cuda: 'gpu',
    node: 'node', 'tfjs-node': 'node', tensorflow: 'node',
    wasm: 'wasm', cpu: 'cpu',
  };
  const found = Object.hasOwn(aliases, normalized) ? aliases[normalized] : undefined;
  if (!found) {
    const shown = source === 'EMBEDLAB_BACKEND' ? `EMBEDLAB_BACKEND="${value}"` : `${source} "${value}"`;
    throw new EmbedlabError(`${shown} is not a backend; use one of: ${ORDER.join(', ')}`);
  }
  return found;
}

async function select(forced: BackendChoice | undefined): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  const candidates = forced ? [forced] : ORDER;
  for (const choice of candidates) {
    const reason = await tryStart(choice);
    if (reason === undefined) {
      // wasm: XNNPACK-backed transposed/batched matMuls and the missing gather gradient
      registerFastKernels();
      const info: BackendInfo = {
        choice,
        tfBackend: tf.getBackend(),
        skipped,
        forced: forced !== undefined,
        summary: '',
      };
      info.summary = describe(info);
      return info;
    }
    if (forced) {
      throw new EmbedlabError(`backend "${choice}" was requested but cannot start: ${reason}`);
    }
    skipped.push({ choice, reason });
  }
  throw new EmbedlabError('no TensorFlow.js backend could start');
}

/** Starts `choice`; returns undefined on success or the reason it failed. */
async function tryStart(choice: BackendChoice): Promise<string | undefined> {
  try {
    switch (choice) {
      case 'gpu':
      case 'node': {
        require(PACKAGES[choice]);
        if (!(await tf.setBackend('tensorflow'))) return 'the tensorflow backend did not initialise';
        if (choice === 'gpu' && !gpuVisible()) {
          return 'loaded, but TensorFlow sees no CUDA GPU (needs CUDA 11.2 + cuDNN 8)';
        }
        return undefined;
      }
      case 'wasm': {
        // threaded SIMD build when cores allow (EMBEDLAB_WASM_THREADS), else single-threaded
        return (await startWasmBackend()).ok ? undefined : 'the wasm backend did not initialise';
      }
      case 'cpu': {
        if (!(await tf.setBackend('cpu'))) return 'the cpu backend did not initialise';
        // chosen knowingly, and the summary says so: not tfjs's "install our node backend" banner
        (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
        return undefined;
      }
    }
  } catch (error) {
    if (error instanceof EmbedlabError) throw error; // e.g. a bad EMBEDLAB_WASM_THREADS
    return explainLoadFailure(error);
  }
}

function explainLoadFailure(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'MODULE_NOT_FOUND' && /tfjs-node/.test(err.message)) return 'not installed';
  const firstLine = String(err?.message ?? error).split('\n')[0]!;
  if (/libcud|libtensorflow|cudnn/i.test(firstLine)) return `native library missing (${firstLine})`;
  return firstLine;
}

/** Whether tfjs-node-gpu's TensorFlow reports a GPU device. */
function gpuVisible(): boolean {
  try {
    const binding = (tf.backend() as unknown as { binding?: { isUsingGpuDevice?: () => boolean } }).binding;
    return binding?.isUsingGpuDevice ? binding.isUsingGpuDevice() : true;
  } catch {
    return true;
  }
}

function wasmLabel(): string {
  const start = wasmStartInfo();
  if (start && start.threads > 1) return `wasm (XNNPACK, SIMD, ${start.threads} threads)`;
  return `wasm (XNNPACK, SIMD, single thread${start?.singleThreadReason ? `: ${start.singleThreadReason}` : ''})`;
}

function describe(info: BackendInfo): string {
  const label: Record<BackendChoice, string> = {
    gpu: 'tfjs-node-gpu (CUDA)',
    node: 'tfjs-node (native CPU)',
    wasm: wasmLabel(),
    cpu: 'cpu (pure JavaScript, slow)',
  };
  const why = info.forced
    ? 'forced by EMBEDLAB_BACKEND'
    : info.skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ') || 'best available';
  return `backend: ${label[info.choice]} — ${why}; ${encoderSummary()}`;
}
