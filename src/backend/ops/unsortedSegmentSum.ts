/**
 * `UnsortedSegmentSum` for the wasm backend, which ships without it.
 *
 * It is the gradient of `gather` — every embedding lookup — so without it no
 * model with an embedding table can train on wasm. The sum runs in
 * JavaScript directly on the wasm heap: `out[segmentIds[i], ...] += x[i, ...]`,
 * ids outside `[0, numSegments)` dropped, as TensorFlow does.
 */
import * as tf from '@tensorflow/tfjs';
import { WasmBackend } from './wasmBackend';

export const unsortedSegmentSumWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, got ${x.dtype}`);
  }
  const idsRank = segmentIds.shape.length;
  const innerShape = x.shape.slice(idsRank);
  const inner = tf.util.sizeFromShape(innerShape);
  const out = wasm.makeOutput([numSegments, ...innerShape], x.dtype);
  // Views are taken after makeOutput: allocating may grow (and detach) the heap.
  const outValues = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xValues = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = wasm.typedArrayFromHeap(segmentIds);
  outValues.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) outValues[dst + j] += xValues[src + j]!;
  }
  return out;
};

export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm,
};
