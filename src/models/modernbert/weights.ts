/**
 * ModernBERT weights under their Hugging Face `ModernBertModel` names
 * (`embeddings.tok_embeddings.weight`, `layers.N.attn.Wqkv.weight`,
 * `layers.N.mlp.Wi.weight`, `final_norm.weight`, …), read with or without
 * the `model.` prefix of `ModernBertForMaskedLM` checkpoints (whose
 * `head.*` / `decoder.*` tensors are not part of the encoder). Biases exist
 * only where the config says (`norm_bias`, `attention_bias`, `mlp_bias`);
 * layer 0 has no `attn_norm`. Files store Linear weights `[out, in]`; in
 * memory they are held `[in, out]`, so a layer is a plain `x·W`.
 */
import type * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../../util/errors';
import { sameShape, toVariable, transposeHost } from '../safetensors/hostTensor';
import type { HostTensor } from '../safetensors/dtypes';
import type { ModernBertConfig } from './config';

export interface ModernBertTensorSpec {
  /** Hugging Face name (without the `model.` prefix). */
  name: string;
  /** Shape as stored in the file (Linear: `[out, in]`). */
  shape: number[];
  /** A Linear weight: held as `[in, out]` in memory. */
  linear: boolean;
}

/** Every tensor of a ModernBertModel with this config, in module order. */
export function modernBertTensorSpecs(config: ModernBertConfig): ModernBertTensorSpec[] {
  const h = config.hiddenSize;
  const specs: ModernBertTensorSpec[] = [];
  const add = (name: string, shape: number[], linear = false) => specs.push({ name, shape, linear });
  const dense = (prefix: string, out: number, inp: number, bias: boolean) => {
    add(`${prefix}.weight`, [out, inp], true);
    if (bias) add(`${prefix}.bias`, [out]);
  };
  const norm = (prefix: string) => {
    add(`${prefix}.weight`, [h]);
    if (config.normBias) add(`${prefix}.bias`, [h]);
  };
  add('embeddings.tok_embeddings.weight', [config.vocabSize, h]);
  norm('embeddings.norm');
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `layers.${i}`;
    if (i > 0) norm(`${p}.attn_norm`);
    dense(`${p}.attn.Wqkv`, 3 * h, h, config.attentionBias);
    dense(`${p}.attn.Wo`, h, h, config.attentionBias);
    norm(`${p}.mlp_norm`);
    dense(`${p}.mlp.Wi`, 2 * config.intermediateSize, h, config.mlpBias);
    dense(`${p}.mlp.Wo`, h, config.intermediateSize, config.mlpBias);
  }
  norm('final_norm');
  return specs;
}

/**
 * Variables for every spec, from checkpoint `tensors` read from `source`.
 * A missing tensor or a wrong shape is an error naming the tensor.
 */
export function modernBertVariables(config: ModernBertConfig, tensors: Map<string, HostTensor>, source: string): Map<string, tf.Variable> {
  const found = modernBertTensorSpecs(config).map((spec) => {
    const key = [spec.name, `model.${spec.name}`].find((n) => tensors.has(n));
    if (!key) throw new EmbedlabError(`${source}: missing tensor "${spec.name}" (shape [${spec.shape}]) needed by the ModernBERT config`);
    const tensor = tensors.get(key)!;
    if (!sameShape(tensor.shape, spec.shape)) {
      throw new EmbedlabError(`${source}: tensor "${key}" has shape [${tensor.shape}], expected [${spec.shape}] from the config`);
    }
    return { spec, tensor };
  });
  return new Map(found.map(({ spec, tensor }) => [spec.name, toVariable(spec.linear ? transposeHost(tensor) : tensor)]));
}

/** The weights as `ModernBertModel` stores them (no prefix, Linear `[out, in]`), for saving. */
export async function modernBertHostTensors(config: ModernBertConfig, variables: Map<string, tf.Variable>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of modernBertTensorSpecs(config)) {
    const v = variables.get(spec.name)!;
    const host: HostTensor = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
    out.set(spec.name, spec.linear ? transposeHost(host) : host);
  }
  return out;
}
