/**
 * The `onnx` scoring engine: the prefix dot products of a query block with a
 * corpus chunk at every Matryoshka dim in one onnxruntime run — one `Gemm`
 * (Bᵀ, MLAS on every core) per column segment, each dim's output the running
 * sum of the segments before it, as the `tf` engine computes them.
 *
 * The corpus chunk is padded with zero rows to a multiple of {@link PANEL}
 * documents: the GEMM sums a last, partial panel of columns in another order
 * than full ones, so two identical documents could otherwise score one
 * float32 ulp apart and break an exact tie the reference orders by corpus id.
 */
import { onnxRuntime } from '../backend/onnxRuntime';
import { availableParallelism } from 'node:os';
import { ONNX_FLOAT } from '../models/onnx/onnxProto';
import { GraphBuilder } from '../models/onnx/graphBuilder';
import type { Matrix } from '../util/matrix';

type Session = import('onnxruntime-node').InferenceSession;

/** Documents per padded block (a multiple of every MLAS SGEMM column panel). */
const PANEL = 64;

/** One session per segment layout (it holds no weights: a few kB each). */
const sessions = new Map<string, Promise<Session>>();

function segmentSession(lengths: number[]): Promise<Session> {
  const key = lengths.join(',');
  let session = sessions.get(key);
  if (!session) {
    const g = new GraphBuilder();
    let running: string | undefined;
    lengths.forEach((length, s) => {
      const q = g.input({ name: `q${s}`, elemType: ONNX_FLOAT, shape: ['queries', length] });
      const c = g.input({ name: `c${s}`, elemType: ONNX_FLOAT, shape: ['documents', length] });
      const part = g.op('Gemm', [q, c], { transB: { int: 1 } });
      running = running ? g.node('Add', [running, part], { named: [`dots${s}`] })[0]! : g.node('Identity', [part], { named: [`dots${s}`] })[0]!;
      g.output({ name: `dots${s}`, elemType: ONNX_FLOAT, shape: ['queries', 'documents'] });
    });
    const threads = availableParallelism();
    session = onnxRuntime()!.InferenceSession.create(g.encode(), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    sessions.set(key, session);
  }
  return session;
}

/** Columns [start, end) of rows [r0, r1) of `m`, packed. */
function columns(m: Matrix, r0: number, r1: number, start: number, end: number, rows = r1 - r0): Float32Array {
  const out = new Float32Array(rows * (end - start));
  for (let r = r0; r < r1; r++) out.set(m.data.subarray(r * m.cols + start, r * m.cols + end), (r - r0) * (end - start));
  return out;
}

/**
 * Prefix dots of the chunk against query blocks of `blockSize` rows: calls
 * `onBlock(q0, nq, width, dots)` with `dots[s]` the `[nq, width]` products
 * over columns `[0, dims[s])` (rows past `chunk.rows` are padding).
 */
export async function onnxPrefixDots(
  queries: Matrix,
  chunk: Matrix,
  dims: number[],
  blockSize: number,
  onBlock: (q0: number, nq: number, width: number, dots: Float32Array[]) => void,
): Promise<void> {
  const ort = onnxRuntime()!;
  const starts = dims.map((_, s) => (s === 0 ? 0 : dims[s - 1]!));
  const lengths = dims.map((end, s) => end - starts[s]!);
  const session = await segmentSession(lengths);
  const padded = Math.ceil(chunk.rows / PANEL) * PANEL;
  const corpus = Object.fromEntries(dims.map((end, s) => [`c${s}`, new ort.Tensor('float32', columns(chunk, 0, chunk.rows, starts[s]!, end, padded), [padded, lengths[s]!])]));
  for (let q0 = 0; q0 < queries.rows; q0 += blockSize) {
    const nq = Math.min(blockSize, queries.rows - q0);
    const feeds = { ...corpus };
    dims.forEach((end, s) => (feeds[`q${s}`] = new ort.Tensor('float32', columns(queries, q0, q0 + nq, starts[s]!, end), [nq, lengths[s]!])));
    const out = await session.run(feeds);
    onBlock(q0, nq, padded, dims.map((_, s) => out[`dots${s}`]!.data as Float32Array));
    for (const tensor of Object.values(out)) tensor.dispose();
  }
}
