/**
 * A clear error when the wasm heap is full, instead of memory corruption.
 *
 * The wasm backend's memory is capped at 4 GiB. When `malloc` cannot grow it
 * any further it returns 0, and tfjs-backend-wasm uses that as the tensor's
 * address: the tensor then overlaps the start of the heap, and the process
 * later aborts or (threaded build) hangs. This wraps the module's `_malloc`
 * so that a failed allocation throws a `WasmHeapExhaustedError` naming the
 * size and what to change; the backend stays usable after it.
 */
import { EmbedlabError } from '../../util/errors';
import type { WasmBackend } from './wasmBackend';

/**
 * A user-fixable error (smaller batch, GradCache), so the CLI and notebooks print it as one paragraph.
 *
 * @example
 * try {
 *   await finetune(model, rows, { batchSize: 256 });
 * } catch (error) {
 *   if (error instanceof WasmHeapExhaustedError) await finetune(model, rows, { loss: cachedMnrl({ miniBatchSize: 16 }), batchSize: 256 });
 * }
 */
export class WasmHeapExhaustedError extends EmbedlabError {
  override readonly name: string = 'WasmHeapExhaustedError';
}

const GUARDED = Symbol.for('embedlab.heapGuard');

type Malloc = ((bytes: number) => number) & { [GUARDED]?: true };

/** Installs the guard on `backend`'s module (idempotent). */
export function guardWasmHeap(backend: WasmBackend): void {
  const module = backend.wasm as unknown as { _malloc: Malloc; _free(ptr: number): void; HEAPU8: Uint8Array };
  if (module._malloc[GUARDED]) return;
  // Emscripten's first `_malloc` call replaces the export with the raw wasm
  // function; make that call now so the wrapper below stays in place.
  module._free(module._malloc(8));
  const malloc = module._malloc;
  const guarded: Malloc = (bytes: number) => {
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) {
      const heapMiB = Math.round(module.HEAPU8.length / 2 ** 20);
      throw new WasmHeapExhaustedError(
        `the wasm backend is out of memory: could not allocate ${(bytes / 2 ** 20).toFixed(1)} MiB ` +
          `(heap ${heapMiB} MiB, the limit is 4096 MiB). Use a smaller batch or max_seq_length; ` +
          `for training, cachedMnrl({ miniBatchSize }) keeps memory independent of the batch size.`,
      );
    }
    return pointer;
  };
  guarded[GUARDED] = true;
  module._malloc = guarded;
}
