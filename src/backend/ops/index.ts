/**
 * Kernel and gradient registrations that make training fast (and possible)
 * on the wasm backend. {@link registerFastKernels} is called by
 * `initBackend()`; calling it again is harmless.
 *
 * - wasm `BatchMatMul` / `_FusedMatMul`: every transposed, batched or
 *   broadcast product goes through XNNPACK instead of the scalar fallback
 *   (see `wasmMatMul.ts`). This is what makes matMul gradients fast.
 * - wasm `Identity`, `Transpose` and `Sum` over leading axes at memory speed
 *   (see `wasmMemoryKernels.ts`): tfjs copies every tensor a taped op saves,
 *   transposes one element per cache line, and reduces leading axes by a
 *   full transpose first.
 * - wasm `UnsortedSegmentSum`: the gradient of `gather` (embedding lookups),
 *   missing from tfjs-backend-wasm.
 * - `BatchMatMul` gradient (all backends): tfjs's formulas, plus summing over
 *   broadcast batch axes (tfjs's own fails for `[B, S, H] · [H, N]`), folded
 *   into one product where possible.
 * - `GatherV2` gradient (all backends): the same sum as tfjs's, without the
 *   two full-table identity transposes tfjs does for `axis = 0`.
 *
 * - wasm heap guard: a failed allocation (the heap is capped at 4 GiB) throws
 *   a clear error instead of handing tfjs address 0 (memory corruption).
 *
 * `EMBEDLAB_FAST_KERNELS=0` leaves tfjs's own kernels in place (to compare, or
 * to rule these out when diagnosing a numeric difference).
 *
 * @example
 * import * as tf from '@tensorflow/tfjs';
 * import { registerFastKernels } from './backend/ops';
 * await tf.setBackend('wasm');
 * registerFastKernels();
 * // ['BatchMatMul', '_FusedMatMul', 'Sum', 'Transpose', 'Identity', 'UnsortedSegmentSum', 'BatchMatMul gradient', 'GatherV2 gradient']
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulGradConfig } from './batchMatMulGrad';
import { gatherGradConfig } from './gatherGrad';
import { guardWasmHeap } from './heapGuard';
import { unsortedSegmentSumWasmConfig } from './unsortedSegmentSum';
import { isWasmBackend, WasmBackend } from './wasmBackend';
import { createWasmMatMulKernels } from './wasmMatMul';
import { identityShared, sumKernel, transposeKernel } from './wasmMemoryKernels';

const MARK = Symbol.for('embedlab.fastKernel');

type MarkedConfig = tf.KernelConfig & { [MARK]?: true };

/** Kernels and gradients of this module that are in effect, for reports and tests. */
export function fastKernelsInEffect(): string[] {
  const names: string[] = [];
  for (const name of ['BatchMatMul', '_FusedMatMul', 'Sum', 'Transpose', 'Identity', 'UnsortedSegmentSum']) {
    const config = tf.getKernel(name, 'wasm') as MarkedConfig | undefined;
    if (config?.[MARK]) names.push(name);
  }
  for (const name of ['BatchMatMul', 'GatherV2']) {
    if ((tf.getGradient(name) as { [MARK]?: true } | undefined)?.[MARK]) names.push(`${name} gradient`);
  }
  return names;
}

/**
 * Registers the fast kernels for the backends that need them. Returns the
 * names in effect afterwards. Safe to call before or after the wasm backend
 * is initialised, and more than once.
 */
export function registerFastKernels(): string[] {
  // EMBEDLAB_FAST_KERNELS=0 keeps tfjs's own kernels (for comparisons and diagnosis)
  if (process.env.EMBEDLAB_FAST_KERNELS === '0') return fastKernelsInEffect();
  for (const config of [batchMatMulGradConfig, gatherGradConfig]) {
    if (!(tf.getGradient(config.kernelName) as { [MARK]?: true } | undefined)?.[MARK]) {
      tf.registerGradient(Object.assign({}, config, { [MARK]: true }));
    }
  }
  // tfjs-backend-wasm registers its kernels when imported
  if (tf.getKernel('BatchMatMul', 'wasm')) {
    registerWasmKernels();
    const wasmBackend = tf.findBackend('wasm');
    if (isWasmBackend(wasmBackend)) guardWasmHeap(wasmBackend);
  }
  return fastKernelsInEffect();
}

function registerWasmKernels(): void {
  replaceKernel(unsortedSegmentSumWasmConfig);
  replaceKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityShared as tf.KernelFunc });
  // the originals keep their setup (it binds their C functions when a backend starts)
  for (const [name, make] of [['Transpose', transposeKernel], ['Sum', sumKernel]] as const) {
    const original = tf.getKernel(name, 'wasm') as MarkedConfig;
    if (!original[MARK]) replaceKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(original.kernelFunc), setupFunc: original.setupFunc });
  }

  const originalBatchMatMul = tf.getKernel('BatchMatMul', 'wasm') as MarkedConfig;
  if (originalBatchMatMul[MARK]) return;
  const originalFused = tf.getKernel('_FusedMatMul', 'wasm') as MarkedConfig | undefined;
  // One set of kernel functions per backend instance (they cwrap its module).
  const perBackend = new WeakMap<object, ReturnType<typeof createWasmMatMulKernels>>();
  const kernelsFor = (backend: object) => {
    let kernels = perBackend.get(backend);
    if (!kernels) {
      if (!isWasmBackend(backend)) throw new Error('fast matMul kernels need the wasm backend');
      // The originals' setup (their own cwrap) ran when the backend started;
      // run it again in case this backend instance started after us.
      originalBatchMatMul.setupFunc?.(backend);
      originalFused?.setupFunc?.(backend);
      kernels = createWasmMatMulKernels(backend as WasmBackend, originalBatchMatMul.kernelFunc, originalFused?.kernelFunc);
      perBackend.set(backend, kernels);
    }
    return kernels;
  };
  replaceKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args) => kernelsFor(args.backend).batchMatMul(args),
  });
  if (originalFused) {
    replaceKernel({
      kernelName: '_FusedMatMul',
      backendName: 'wasm',
      kernelFunc: (args) => kernelsFor(args.backend).fusedMatMul(args),
    });
  }
}

/** Registers `config`, replacing an existing kernel without tfjs's warning. */
function replaceKernel(config: tf.KernelConfig): void {
  const existing = tf.getKernel(config.kernelName, config.backendName) as MarkedConfig | undefined;
  if (existing?.[MARK]) return;
  if (existing) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(Object.assign({}, config, { [MARK]: true }));
}
