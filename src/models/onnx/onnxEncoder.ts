/**
 * Gradient-free encoding of a transformer on onnxruntime: the encoder's
 * {@link InferenceGraph} in an `InferenceSession` (one intra-op thread per
 * core), rebuilt when the weights change (training, a restored checkpoint) —
 * the session is checked against the weights' fingerprint before each batch.
 */
import * as tf from '@tensorflow/tfjs';
import { encoderEngine, onnxRuntime, warnEncoderFallback } from '../../backend/onnxRuntime';
import { EmbedlabError } from '../../util/errors';
import type { TokenBatch } from '../../tokenizer/types';
import { sameFingerprint, weightsFingerprint } from '../weightVersions';
import type { InferenceGraph } from './inferenceGraph';

type Session = import('onnxruntime-node').InferenceSession;

export interface GraphSource {
  readonly variables: Map<string, tf.Variable>;
  /** The inference graph over the current weights. */
  inferenceGraph(): InferenceGraph;
}

export class OnnxEncoder {
  private session: Session | undefined;
  private graph: InferenceGraph | undefined;
  private fingerprint: unknown[] | undefined;
  /** Set once onnxruntime failed for this model (then it encodes on tfjs). */
  private failed = false;

  constructor(private readonly source: GraphSource) {}

  /**
   * `last_hidden_state` `[batch, seq, hidden]` for `batch` as a tfjs tensor
   * (the caller disposes it), or undefined when this model encodes on tfjs.
   */
  async run(batch: TokenBatch): Promise<tf.Tensor3D | undefined> {
    if (this.failed) return undefined;
    const engine = encoderEngine();
    if (engine.engine === 'tfjs') {
      if (!engine.forced) warnEncoderFallback(engine.reason!);
      return undefined;
    }
    const ort = onnxRuntime()!;
    let session: Session;
    try {
      session = await this.currentSession(engine.threads);
    } catch (error) {
      const reason = `onnxruntime could not build this model's session (${String((error as Error).message).split('\n')[0]})`;
      if (engine.forced) throw new EmbedlabError(`EMBEDLAB_ENCODER=onnx, but ${reason}`);
      this.failed = true;
      warnEncoderFallback(reason);
      return undefined;
    }
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [name, { data, dims }] of Object.entries(this.graph!.feeds(batch))) feeds[name] = new ort.Tensor('int32', data, dims);
    const out = (await session.run(feeds)).last_hidden_state!;
    const hidden = tf.tensor3d(out.data as Float32Array, out.dims as [number, number, number], 'float32');
    out.dispose();
    return hidden;
  }

  private async currentSession(threads: number): Promise<Session> {
    const now = weightsFingerprint(this.source.variables.values());
    if (this.session && sameFingerprint(this.fingerprint, now)) return this.session;
    await this.release();
    const ort = onnxRuntime()!;
    this.graph = this.source.inferenceGraph();
    this.session = await ort.InferenceSession.create(this.graph.model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    // the session holds its own copy of the weights; the serialized graph can go
    this.graph = { model: new Uint8Array(0), feeds: this.graph.feeds };
    this.fingerprint = now;
    return this.session;
  }

  private async release(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.fingerprint = undefined;
    if (session) await session.release();
  }

  /** Frees the session (the model's dispose calls it). */
  dispose(): void {
    void this.release();
  }
}
