/**
 * onnxruntime-node, the inference engine transformer models encode on when it
 * loads (its CPU library ships inside the npm package). `EMBEDLAB_ENCODER`
 * picks the engine: `onnx` (an error when it cannot load), `tfjs`, or unset
 * for onnx when available, else tfjs with the reason said once.
 */
import { availableParallelism } from 'node:os';
import { EmbedlabError } from '../util/errors';

export type OnnxRuntime = typeof import('onnxruntime-node');

/** Which engine runs gradient-free encoding. */
export type EncoderEngine = 'onnx' | 'tfjs';

export interface EncoderEngineInfo {
  engine: EncoderEngine;
  /** Why tfjs when it is not forced (onnxruntime-node missing or failing to load). */
  reason?: string;
  /** Whether `EMBEDLAB_ENCODER` chose it. */
  forced: boolean;
  /** onnxruntime-node's version when it loaded. */
  version?: string;
  /** Intra-op threads of every onnxruntime session (= cores). */
  threads: number;
}

let loaded: { ort?: OnnxRuntime; reason?: string } | undefined;

/** onnxruntime-node, loaded once; undefined (see {@link encoderEngine}'s reason) when it cannot load. */
export function onnxRuntime(): OnnxRuntime | undefined {
  if (!loaded) {
    try {
      loaded = { ort: require('onnxruntime-node') as OnnxRuntime };
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      const reason = err?.code === 'MODULE_NOT_FOUND' && /onnxruntime-node/.test(String(err.message)) ? 'not installed' : String(err?.message ?? error).split('\n')[0];
      loaded = { reason: `onnxruntime-node ${reason}` };
    }
  }
  return loaded.ort;
}

/** The engine `EMBEDLAB_ENCODER` (or availability) selects; a forced `onnx` that cannot load is an error. */
export function encoderEngine(): EncoderEngineInfo {
  const threads = availableParallelism();
  const requested = process.env.EMBEDLAB_ENCODER?.trim().toLowerCase() || undefined;
  if (requested !== undefined && requested !== 'onnx' && requested !== 'tfjs') {
    throw new EmbedlabError(`EMBEDLAB_ENCODER="${process.env.EMBEDLAB_ENCODER}": use onnx or tfjs`);
  }
  if (requested === 'tfjs') return { engine: 'tfjs', forced: true, threads };
  const ort = onnxRuntime();
  if (ort) return { engine: 'onnx', forced: requested === 'onnx', version: ort.env.versions?.node ?? '', threads };
  if (requested === 'onnx') throw new EmbedlabError(`EMBEDLAB_ENCODER=onnx, but ${loaded!.reason}`);
  return { engine: 'tfjs', forced: false, reason: loaded!.reason!, threads };
}

/** One line for the backend summary: which engine encodes and why. */
export function encoderSummary(): string {
  try {
    const info = encoderEngine();
    if (info.engine === 'onnx') return `encode: onnxruntime-node ${info.version} (${info.threads} threads${info.forced ? ', forced by EMBEDLAB_ENCODER' : ''})`;
    return `encode: tfjs (${info.forced ? 'forced by EMBEDLAB_ENCODER' : info.reason})`;
  } catch (error) {
    return `encode: ${(error as Error).message}`;
  }
}

let warned = false;

/** Says once on stderr that encoding falls back to tfjs, and why. */
export function warnEncoderFallback(reason: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(`embedlab: encoding on tfjs: ${reason}\n`);
}
