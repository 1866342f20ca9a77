import * as tf from '@tensorflow/tfjs';
import { markWeightWritten } from '../models/weightVersions';
import { writableValues } from '../backend/writableValues';
import { EmbedlabError } from '../util/errors';

/** Options for {@link AdamW}. Defaults are those of the Hugging Face Trainer. */
export interface AdamWOptions {
  /**
   * Decoupled weight decay (the HF `TrainingArguments` default; torch's own default is 0.01).
   * @default 0
   */
  weightDecay?: number;
  /**
   * Decay rate of the first-moment (mean) estimate.
   * @default 0.9
   */
  beta1?: number;
  /**
   * Decay rate of the second-moment (squared gradient) estimate.
   * @default 0.999
   */
  beta2?: number;
  /**
   * Added to the denominator for numerical stability.
   * @default 1e-8
   */
  eps?: number;
  /**
   * Which weights get no weight decay, as the HF Trainer's
   * `get_decay_parameter_names` decides.
   * @default {@link defaultNoDecay}: biases and normalisation weights (names containing `bias`, `LayerNorm`, `layer_norm`, or of a `norm` / `*_norm` module)
   */
  noDecay?: (name: string) => boolean;
}

/** Optimizer state (for checkpoints). */
export interface AdamWState {
  step: number;
  /** First moments (`exp_avg`) by weight name. */
  expAvg: Map<string, { shape: number[]; data: Float32Array }>;
  /** Second moments (`exp_avg_sq`) by weight name. */
  expAvgSq: Map<string, { shape: number[]; data: Float32Array }>;
}

/** HF Trainer rule: no decay for biases and LayerNorm / RMSNorm weights. */
export function defaultNoDecay(name: string): boolean {
  return /bias/i.test(name) || /layer_?norm|rms_?norm|(^|\.)norm(\.|$)|_norm(\.|$)/i.test(name);
}

/**
 * AdamW with decoupled weight decay, step for step as `torch.optim.AdamW`:
 *
 * ```text
 * θ ← θ · (1 − lr · λ)                      (decoupled decay, skipped for biases / norms)
 * m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
 * θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * ```
 *
 * Weights without a gradient in a step are left untouched (no decay either), as torch does.
 *
 * The moments live in host memory, not in the backend's: on wasm they would
 * take two thirds of the weights' share of the 4 GiB heap (880 MB for a
 * bge-base model). Each weight is updated in one pass over its elements
 * (float64 arithmetic, float32 storage), in place in the wasm heap (else
 * through one new tensor per weight).
 *
 * @example
 * const opt = new AdamW(model.namedWeights(), { weightDecay: 0.01 });
 * opt.step(grads, 2e-5); // grads: Map<name, tf.Tensor>
 */
export class AdamW {
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly noDecay: (name: string) => boolean;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private stepCount = 0;

  constructor(
    private readonly weights: Map<string, tf.Variable>,
    options: AdamWOptions = {},
  ) {
    this.weightDecay = options.weightDecay ?? 0;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.noDecay = options.noDecay ?? defaultNoDecay;
    if (!Number.isFinite(this.weightDecay) || this.weightDecay < 0) {
      throw new EmbedlabError(`weightDecay must be a non-negative number, got ${this.weightDecay}`);
    }
    for (const [key, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new EmbedlabError(`${key} must be in [0, 1), got ${b}`);
    }
    if (!(this.eps > 0)) throw new EmbedlabError(`eps must be positive, got ${this.eps}`);
  }

  /** Updates completed so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** One update with learning rate `lr`. Does not dispose `grads`. */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const stepSize = lr / (1 - this.beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    const { beta1, beta2, eps } = this;
    for (const [name, grad] of grads) {
      const param = this.weights.get(name);
      if (!param) continue;
      const m = this.moment(this.m, name, param.size);
      const v = this.moment(this.v, name, param.size);
      const g = grad.dataSync() as Float32Array;
      // the weight's own memory where the backend allows it (no second copy), else a new tensor
      const inPlace = writableValues(param);
      const p = inPlace ?? (param.dataSync() as Float32Array);
      const next = inPlace ?? new Float32Array(p.length);
      const decay = this.noDecay(name) ? 1 : 1 - lr * this.weightDecay;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gi);
        const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi);
        next[i] = p[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
      }
      if (!inPlace) tf.tidy(() => param.assign(tf.tensor(next, param.shape, 'float32')));
      // copies of the weights (the onnxruntime inference session) refresh on their next use
      markWeightWritten(param);
    }
  }

  private moment(store: Map<string, Float32Array>, name: string, size: number): Float32Array {
    let moment = store.get(name);
    if (!moment) {
      moment = new Float32Array(size);
      store.set(name, moment);
    }
    return moment;
  }

  /** The state, copied. */
  async exportState(): Promise<AdamWState> {
    const copy = (store: Map<string, Float32Array>) => {
      const out = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const [name, data] of store) out.set(name, { shape: [...this.weights.get(name)!.shape], data: data.slice() });
      return out;
    };
    return { step: this.stepCount, expAvg: copy(this.m), expAvgSq: copy(this.v) };
  }

  /** Restores a state from {@link exportState} (shapes must match the weights). */
  importState(state: AdamWState): void {
    this.disposeMoments();
    for (const [store, source, label] of [[this.m, state.expAvg, 'exp_avg'], [this.v, state.expAvgSq, 'exp_avg_sq']] as const) {
      for (const [name, { shape, data }] of source) {
        const param = this.weights.get(name);
        if (!param) throw new EmbedlabError(`optimizer state has ${label} for "${name}", which the model does not have`);
        if (shape.join(',') !== param.shape.join(',') || data.length !== param.size) {
          throw new EmbedlabError(`optimizer state ${label} for "${name}" has shape [${shape}], the model's weight is [${param.shape}]`);
        }
        store.set(name, Float32Array.from(data));
      }
    }
    this.stepCount = state.step;
  }

  private disposeMoments(): void {
    this.m.clear();
    this.v.clear();
  }

  /** Frees the moments. */
  dispose(): void {
    this.disposeMoments();
  }
}
