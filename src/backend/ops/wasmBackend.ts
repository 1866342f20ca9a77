/**
 * Typed access to the parts of `@tensorflow/tfjs-backend-wasm`'s backend that
 * kernels written outside the package need: tensor ids, heap offsets, and the
 * C entry points. tfjs-backend-wasm exposes these on its `BackendWasm`
 * instance but does not type them publicly.
 */
import * as tf from '@tensorflow/tfjs';

/** One entry of the backend's data map. */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
  refCount: number;
}

export type CFunction = (...args: unknown[]) => unknown;

export interface WasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): CFunction;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
  HEAPU8: Uint8Array;
}

/** The `BackendWasm` instance as seen by a kernel. */
export interface WasmBackend extends tf.KernelBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: tf.DataId): WasmTensorData };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Whether `backend` looks like tfjs-backend-wasm's backend. */
export function isWasmBackend(backend: unknown): backend is WasmBackend {
  const b = backend as Partial<WasmBackend> | undefined;
  return !!b && typeof b.wasm?.cwrap === 'function' && typeof b.makeOutput === 'function' && !!b.dataIdMap;
}

/** Bytes of an int32 shape array, the form the C kernels take shapes in. */
export function shapeBytes(shape: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * Registers a temporary C-side tensor that aliases `size` float32 elements of
 * an existing tensor, starting `offsetElements` in. Nothing is copied. The
 * returned id must be released with {@link releaseView}, which also deletes
 * any XNNPACK operator the C side cached for it.
 */
export function createView(backend: WasmBackend, data: WasmTensorData, offsetElements: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, data.memoryOffset + offsetElements * 4);
  return id;
}

/** Unregisters a view made by {@link createView} (the memory stays with its owner). */
export function releaseView(backend: WasmBackend, id: number): void {
  backend.wasm.tfjs.disposeData(id);
}
