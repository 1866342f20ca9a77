/**
 * embedlab's side of the benchmark, one backend per process (a tfjs backend,
 * and the threaded wasm build, start once per process). `bench/run.ts` runs
 * it; it can also be run alone:
 *
 *   node dist/bench/tfjsBench.js --backend wasm --model minilm --what encode,train
 *   node dist/bench/tfjsBench.js --backend wasm --layers 2 --batch 8 --what train --profile bench/profile-after.json
 *
 * Prints progress on stderr and one JSON object on the last stdout line.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend, type BackendChoice } from '../src/backend';
import { encoderSummary } from '../src/backend/onnxRuntime';
import { fastKernelsInEffect } from '../src/backend/ops';
import { WasmHeapExhaustedError } from '../src/backend/ops/heapGuard';
import { cachedMnrl, matryoshka, mnrl } from '../src/losses';
import { createRandomBert, createStaticModel } from '../src/models';
import type { SentenceTransformer } from '../src/models';
import { AdamW, batchGradients, miniBatchForMemory } from '../src/train';
import { writeFileAtomicSync } from '../src/util/fs';
import { MODELS, STATIC, TOKENIZER_DIR, forwardFlops, longTexts, trainStepFlops, type ModelShape } from './workload';

export interface KernelProfile {
  /**
   * kernel name → total ms and calls over the profiled step. Names ending in
   * `__op` are custom-gradient wrappers whose time includes kernels listed
   * separately (e.g. `fusedMatMul__op` around `_FusedMatMul`).
   */
  kernels: Record<string, { ms: number; calls: number }>;
  totalKernelMs: number;
  wallMs: number;
}

export interface TfjsResult {
  engine: 'embedlab';
  backend: string;
  summary: string;
  /** Which engine `model.encode` ran on (onnxruntime-node or tfjs), with its threads. */
  encoder: string;
  fastKernels: string[];
  model: string;
  layers: number;
  batch: number;
  seq: number;
  dropout: number;
  /** GradCache mini-batch of the training step (0: plain MNRL). */
  miniBatch: number;
  encode?: { seconds: number[]; median_s: number; texts_per_s: number; gflops_per_s: number; encodeBatch: number; heapMiB?: number };
  /** Why encoding at the full batch failed, when it did. */
  encodeError?: string;
  train?: { seconds: number[]; median_s: number; examples_per_s: number; tokens_per_s: number; gflops_per_s: number; loss: number; heapMiB?: number };
  profile?: KernelProfile;
  wasmHeapMiB?: number;
  error?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timed(fn: () => Promise<void>, repeats: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return times;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function makeModel(shape: ModelShape, seq: number, dropout: number): SentenceTransformer {
  return createRandomBert(
    {
      hidden_size: shape.hidden,
      num_hidden_layers: shape.layers,
      num_attention_heads: shape.heads,
      intermediate_size: shape.intermediate,
      hidden_dropout_prob: dropout,
      attention_probs_dropout_prob: dropout,
    },
    TOKENIZER_DIR,
    { seed: 42, maxSeqLength: seq, pooler: false },
  );
}

/**
 * One training step: Matryoshka(MNRL) forward + backward over anchors and
 * positives, then AdamW. With `miniBatch` > 0 and smaller than the batch, MNRL
 * runs as GradCache (same loss and gradients; memory set by the mini-batch).
 */
function trainStep(model: SentenceTransformer, shape: ModelShape, batch: number, seq: number, miniBatch: number) {
  const inner = miniBatch > 0 && miniBatch < batch ? cachedMnrl({ miniBatchSize: miniBatch }) : mnrl();
  const loss = matryoshka(inner, { dims: shape.dims.filter((d) => d <= shape.hidden) });
  const optimizer = new AdamW(model.namedWeights(), { weightDecay: 0.01 });
  const columns = [longTexts(batch, seq, 2), longTexts(batch, seq, 3)];
  let lastLoss = NaN;
  const step = async () => {
    const { loss: value, grads } = await batchGradients(model, loss, { columns }, { training: true, dropoutSeed: 7 });
    optimizer.step(grads, 2e-5);
    tf.dispose([...grads.values()]);
    lastLoss = value;
  };
  return { step, lastLoss: () => lastLoss };
}

/** Size of the wasm heap in MiB: it only grows, so this is the peak so far (undefined off wasm). */
function wasmHeapMiB(): number | undefined {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length;
  return heap ? Math.round(heap / 2 ** 20) : undefined;
}

/** `--model static`: training steps of the StaticEmbedding row (see {@link STATIC}). */
async function staticTrain(repeats: number, warmup: number): Promise<TfjsResult['train']> {
  const model = createStaticModel(TOKENIZER_DIR, { dim: STATIC.dim, seed: 42 });
  try {
    const loss = matryoshka(mnrl(), { dims: STATIC.dims });
    const optimizer = new AdamW(model.namedWeights(), { weightDecay: 0.01 });
    const columns = [longTexts(STATIC.batch, STATIC.seq, 2), longTexts(STATIC.batch, STATIC.seq, 3)].map((texts) =>
      texts.map((t) => t.split(' ').slice(0, STATIC.seq).join(' ')),
    );
    let lastLoss = NaN;
    const step = async () => {
      const { loss: value, grads } = await batchGradients(model, loss, { columns });
      optimizer.step(grads, STATIC.lr);
      tf.dispose([...grads.values()]);
      lastLoss = value;
    };
    const seconds = await timed(step, repeats, warmup);
    const m = median(seconds);
    return { seconds, median_s: m, examples_per_s: STATIC.batch / m, tokens_per_s: (2 * STATIC.batch * STATIC.seq) / m, gflops_per_s: 0, loss: lastLoss, heapMiB: wasmHeapMiB() };
  } finally {
    model.dispose();
  }
}

async function profileStep(step: () => Promise<void>): Promise<KernelProfile> {
  const start = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - start;
  const kernels: KernelProfile['kernels'] = {};
  let totalKernelMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = (kernels[k.name] ??= { ms: 0, calls: 0 });
    entry.ms += ms;
    entry.calls += 1;
    // `x__op` (customGrad) and unnamed scopes wrap kernels that are listed too
    if (!k.name.endsWith('__op') && k.name !== 'unnamed scope') totalKernelMs += ms;
  }
  const sorted = Object.fromEntries(
    Object.entries(kernels)
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([name, v]) => [name, { ms: Math.round(v.ms * 10) / 10, calls: v.calls }]),
  );
  return { kernels: sorted, totalKernelMs: Math.round(totalKernelMs), wallMs: Math.round(wallMs) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      model: { type: 'string', default: 'minilm' },
      what: { type: 'string', default: 'encode,train' },
      repeats: { type: 'string', default: '3' },
      batch: { type: 'string', default: '32' },
      seq: { type: 'string', default: '128' },
      layers: { type: 'string' },
      dropout: { type: 'string', default: '0.1' },
      profile: { type: 'string' },
      warmup: { type: 'string', default: '1' },
      // GradCache mini-batch (default: what miniBatchForMemory picks for the
      // wasm heap, plain MNRL when the batch fits; 0 = plain MNRL)
      'mini-batch': { type: 'string', default: '' },
    },
  });
  if (values.model === 'static') {
    const info = await initBackend(values.backend as BackendChoice);
    log(info.summary);
    const result: TfjsResult = {
      engine: 'embedlab', backend: info.choice, summary: info.summary, encoder: 'static embeddings: tfjs', fastKernels: fastKernelsInEffect(), model: STATIC.name,
      layers: 0, batch: STATIC.batch, seq: STATIC.seq, dropout: 0, miniBatch: 0,
    };
    try {
      result.train = await staticTrain(Number(values.repeats), Math.max(3, Number(values.warmup)));
      log(`train: ${result.train!.examples_per_s.toFixed(1)} pairs/s (${result.train!.seconds.map((x) => x.toFixed(3)).join(', ')} s)`);
    } catch (error) {
      result.error = String((error as Error)?.message ?? error).split('\n')[0];
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const base = MODELS[values.model!];
  if (!base) throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}, static`);
  const shape: ModelShape = values.layers ? { ...base, layers: Number(values.layers) } : base;
  const batch = Number(values.batch);
  const seq = Number(values.seq);
  const repeats = Number(values.repeats);
  const dropout = Number(values.dropout);
  const warmup = Number(values.warmup);
  const explicitMiniBatch = values['mini-batch'] ? Number(values['mini-batch']) : undefined;
  const what = values.what!.split(',');

  const info = await initBackend(values.backend as BackendChoice);
  log(info.summary);
  const result: TfjsResult = {
    engine: 'embedlab',
    backend: info.choice,
    summary: info.summary,
    encoder: encoderSummary(),
    fastKernels: fastKernelsInEffect(),
    model: shape.name,
    layers: shape.layers,
    batch,
    seq,
    dropout,
    miniBatch: 0,
  };
  const model = makeModel(shape, seq, dropout);
  // GradCache only where the memory budget calls for it (the trainer's own choice on wasm)
  const miniBatch = explicitMiniBatch ?? (info.choice === 'wasm' ? (miniBatchForMemory(model, batch, { seqLength: seq }) ?? batch) : batch);
  result.miniBatch = miniBatch > 0 && miniBatch < batch ? miniBatch : 0;
  try {
    if (what.includes('encode')) {
      const texts = longTexts(batch, seq, 1);
      // A forward pass keeps every intermediate until it ends; when a batch
      // does not fit the wasm heap, encode the same texts in smaller batches.
      for (let encodeBatch = batch; encodeBatch >= 1; encodeBatch = Math.floor(encodeBatch / 2)) {
        try {
          const seconds = await timed(async () => void (await model.encode(texts, { batchSize: encodeBatch })), repeats, warmup);
          const m = median(seconds);
          result.encode = {
            seconds, median_s: m, texts_per_s: batch / m, gflops_per_s: (forwardFlops(shape, seq) * batch) / m / 1e9, encodeBatch,
            heapMiB: wasmHeapMiB(),
          };
          log(`encode: ${result.encode.texts_per_s.toFixed(2)} texts/s in batches of ${encodeBatch} (${seconds.map((s) => s.toFixed(2)).join(', ')} s)`);
          break;
        } catch (error) {
          if (!(error instanceof WasmHeapExhaustedError) || encodeBatch === 1) throw error;
          result.encodeError = `batch ${encodeBatch}: ${error.message.split(':')[0]}`;
          log(`encode: batch ${encodeBatch} does not fit the wasm heap; trying ${Math.floor(encodeBatch / 2)}`);
        }
      }
    }
    if (what.includes('train')) {
      const { step, lastLoss } = trainStep(model, shape, batch, seq, miniBatch);
      // --repeats 0: one warm-up step only (e.g. before profiling a slow configuration)
      const seconds = await timed(step, repeats, Math.max(warmup, repeats === 0 ? 1 : 0));
      if (seconds.length > 0) {
        const m = median(seconds);
        result.train = {
          seconds,
          median_s: m,
          examples_per_s: batch / m,
          tokens_per_s: (2 * batch * seq) / m,
          gflops_per_s: trainStepFlops(shape, batch, seq) / m / 1e9,
          loss: lastLoss(),
          heapMiB: wasmHeapMiB(),
        };
        log(`train: ${result.train.examples_per_s.toFixed(2)} pairs/s (${seconds.map((s) => s.toFixed(2)).join(', ')} s)`);
      }
      if (values.profile) {
        result.profile = await profileStep(step);
        writeFileAtomicSync(values.profile, `${JSON.stringify(result, null, 2)}\n`);
        log(`profile (${result.profile.wallMs} ms step) written to ${values.profile}`);
      }
    }
  } catch (error) {
    result.error = String((error as Error)?.message ?? error).split('\n')[0];
    log(`failed: ${result.error}`);
    if (process.env.EMBEDLAB_BENCH_STACK) log(String((error as Error)?.stack));
  }
  result.wasmHeapMiB = wasmHeapMiB();
  model.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
