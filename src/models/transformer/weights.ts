/**
 * Checkpoint tensors ↔ encoder variables, for every architecture. Files store
 * Linear weights `[out, in]` (torch `nn.Linear`); in memory they are held
 * transposed, `[in, out]`, so a layer is a plain `x·W`. A checkpoint saved from
 * a task model (`…ForMaskedLM`, `…ForSequenceClassification`) prefixes the
 * encoder's names with the base-model prefix (`bert.`, `roberta.`, `distilbert.`,
 * `mpnet.`); both spellings load, and saving writes the bare names, as the
 * base model (`BertModel`, …) saves them.
 */
import type * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../../util/errors';
import { sameShape, toVariable, transposeHost } from '../safetensors/hostTensor';
import type { HostTensor } from '../safetensors/dtypes';

export interface TensorSpec {
  /** Hugging Face name, without the base-model prefix. */
  name: string;
  /** Shape as stored in the file (Linear: `[out, in]`). */
  shape: number[];
  /** A Linear weight: held as `[in, out]` in memory. */
  linear: boolean;
}

/** Collects specs: `dense` adds a Linear weight + bias, `norm` a LayerNorm weight + bias. */
export class SpecList {
  readonly specs: TensorSpec[] = [];

  add(name: string, shape: number[], linear = false): this {
    this.specs.push({ name, shape, linear });
    return this;
  }

  dense(prefix: string, out: number, inp: number): this {
    return this.add(`${prefix}.weight`, [out, inp], true).add(`${prefix}.bias`, [out]);
  }

  norm(prefix: string, size: number): this {
    return this.add(`${prefix}.weight`, [size]).add(`${prefix}.bias`, [size]);
  }
}

/** Names a checkpoint may use for `name`: with the base-model prefix, and TF-era LayerNorm gamma/beta. */
export function candidateNames(name: string, prefix: string): string[] {
  const names = [name, `${prefix}.${name}`];
  if (name.includes('LayerNorm.')) {
    const old = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
    names.push(old, `${prefix}.${old}`);
  }
  return names;
}

/** Whether the checkpoint holds `name` under any of its spellings. */
export function hasTensor(tensors: Map<string, HostTensor>, name: string, prefix: string): boolean {
  return candidateNames(name, prefix).some((n) => tensors.has(n));
}

/**
 * Variables for every spec, from checkpoint `tensors` read from `source`.
 * A missing tensor or a wrong shape is an error naming the tensor; tensors
 * the encoder does not use (heads, buffers) are ignored.
 */
export function variablesFromSpecs(
  specs: TensorSpec[],
  tensors: Map<string, HostTensor>,
  source: string,
  options: { prefix: string; architecture: string },
): Map<string, tf.Variable> {
  const found = specs.map((spec) => {
    const key = candidateNames(spec.name, options.prefix).find((n) => tensors.has(n));
    if (!key) throw new EmbedlabError(`${source}: missing tensor "${spec.name}" (shape [${spec.shape}]) needed by the ${options.architecture} config`);
    const tensor = tensors.get(key)!;
    if (!sameShape(tensor.shape, spec.shape)) {
      throw new EmbedlabError(`${source}: tensor "${key}" has shape [${tensor.shape}], expected [${spec.shape}] from the config`);
    }
    return { spec, tensor };
  });
  return new Map(found.map(({ spec, tensor }) => [spec.name, toVariable(spec.linear ? transposeHost(tensor) : tensor)]));
}

/** The variables as the file stores them (Linear `[out, in]`), in spec order, for saving. */
export async function hostTensorsFromSpecs(specs: TensorSpec[], variables: Map<string, tf.Variable>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of specs) {
    const v = variables.get(spec.name)!;
    const host: HostTensor = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
    out.set(spec.name, spec.linear ? transposeHost(host) : host);
  }
  return out;
}
