import * as tf from '@tensorflow/tfjs';
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
   * @default {@link defaultNoDecay}: biases and normalisation weights (names containing `bias`, `LayerNorm`, `layer_norm`, `norm.`)
   */
  noDecay?: (name: string) => boolean;
}

/** Optimizer state in host memory (for checkpoints). */
export interface AdamWState {
  step: number;
  /** First moments (`exp_avg`) by weight name. */
  expAvg: Map<string, { shape: number[]; data: Float32Array }>;
  /** Second moments (`exp_avg_sq`) by weight name. */
  expAvgSq: Map<string, { shape: number[]; data: Float32Array }>;
}

/** HF Trainer rule: no decay for biases and LayerNorm / RMSNorm weights. */
export function defaultNoDecay(name: string): boolean {
  return /bias/i.test(name) || /layer_?norm|rms_?norm|(^|\.)norm\./i.test(name);
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
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
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
    for (const [name, grad] of grads) {
      const param = this.weights.get(name);
      if (!param) continue;
      const m = this.moment(this.m, name, param);
      const v = this.moment(this.v, name, param);
      tf.tidy(() => {
        const decay = this.noDecay(name) ? 0 : this.weightDecay;
        const decayed = decay > 0 ? tf.mul(param, 1 - lr * decay) : param;
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt), this.eps);
        m.assign(mNew);
        v.assign(vNew);
        param.assign(tf.sub(decayed, tf.mul(tf.div(mNew, denom), stepSize)));
      });
    }
  }

  private moment(store: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let moment = store.get(name);
    if (!moment) {
      moment = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      store.set(name, moment);
    }
    return moment;
  }

  /** The state, copied to host memory. */
  async exportState(): Promise<AdamWState> {
    const copy = async (store: Map<string, tf.Variable>) => {
      const out = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const [name, variable] of store) out.set(name, { shape: [...variable.shape], data: (await variable.data()) as Float32Array });
      return out;
    };
    return { step: this.stepCount, expAvg: await copy(this.m), expAvgSq: await copy(this.v) };
  }

  /** Restores a state from {@link exportState} (shapes must match the weights). */
  importState(state: AdamWState): void {
    this.disposeMoments();
    for (const [store, source, label] of [[this.m, state.expAvg, 'exp_avg'], [this.v, state.expAvgSq, 'exp_avg_sq']] as const) {
      for (const [name, { shape, data }] of source) {
        const param = this.weights.get(name);
        if (!param) throw new EmbedlabError(`optimizer state has ${label} for "${name}", which the model does not have`);
        if (shape.join(',') !== param.shape.join(',')) {
          throw new EmbedlabError(`optimizer state ${label} for "${name}" has shape [${shape}], the model's weight is [${param.shape}]`);
        }
        store.set(name, tf.tidy(() => tf.variable(tf.tensor(data, shape), false)));
      }
    }
    this.stepCount = state.step;
  }

  private disposeMoments(): void {
    for (const store of [this.m, this.v]) {
      for (const variable of store.values()) variable.dispose();
      store.clear();
    }
  }

  /** Frees the moment tensors. */
  dispose(): void {
    this.disposeMoments();
  }
}
