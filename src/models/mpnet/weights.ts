/**
 * MPNet weights under their Hugging Face `MPNetModel` names
 * (`encoder.layer.N.attention.attn.{q,k,v,o}`, `…attention.LayerNorm`,
 * `…intermediate.dense`, `…output.dense`, `…output.LayerNorm`, and the
 * relative position bias shared by all layers, `encoder.relative_attention_bias.weight`
 * `[buckets, heads]`), read with or without the `mpnet.` prefix.
 */
import type * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../safetensors/dtypes';
import { SpecList, hasTensor, hostTensorsFromSpecs, variablesFromSpecs, type TensorSpec } from '../transformer/weights';
import type { MpnetConfig } from './config';

/** Every tensor of an MPNetModel, in Hugging Face order; the pooler last when `pooler`. */
export function mpnetTensorSpecs(config: MpnetConfig, pooler: boolean): TensorSpec[] {
  const h = config.hiddenSize;
  const list = new SpecList()
    .add('embeddings.word_embeddings.weight', [config.vocabSize, h])
    .add('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, h])
    .norm('embeddings.LayerNorm', h);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    list
      .dense(`${p}.attention.attn.q`, h, h)
      .dense(`${p}.attention.attn.k`, h, h)
      .dense(`${p}.attention.attn.v`, h, h)
      .dense(`${p}.attention.attn.o`, h, h)
      .norm(`${p}.attention.LayerNorm`, h)
      .dense(`${p}.intermediate.dense`, config.intermediateSize, h)
      .dense(`${p}.output.dense`, h, config.intermediateSize)
      .norm(`${p}.output.LayerNorm`, h);
  }
  list.add('encoder.relative_attention_bias.weight', [config.relativeAttentionNumBuckets, config.numAttentionHeads]);
  if (pooler) list.dense('pooler.dense', h, h);
  return list.specs;
}

export function mpnetVariables(config: MpnetConfig, tensors: Map<string, HostTensor>, source: string): Map<string, tf.Variable> {
  const pooler = hasTensor(tensors, 'pooler.dense.weight', 'mpnet');
  return variablesFromSpecs(mpnetTensorSpecs(config, pooler), tensors, source, { prefix: 'mpnet', architecture: 'MPNet' });
}

export function mpnetHostTensors(config: MpnetConfig, variables: Map<string, tf.Variable>): Promise<Map<string, HostTensor>> {
  return hostTensorsFromSpecs(mpnetTensorSpecs(config, variables.has('pooler.dense.weight')), variables);
}
