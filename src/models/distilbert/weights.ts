/**
 * DistilBERT weights under their Hugging Face `DistilBertModel` names
 * (`embeddings.word_embeddings.weight`, `transformer.layer.N.attention.q_lin.weight`,
 * `…sa_layer_norm`, `…ffn.lin1`, `…output_layer_norm`), read with or without
 * the `distilbert.` prefix. No token types, no pooler.
 */
import type * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../safetensors/dtypes';
import { SpecList, hostTensorsFromSpecs, variablesFromSpecs, type TensorSpec } from '../transformer/weights';
import type { DistilBertConfig } from './config';

/** Every tensor of a DistilBertModel, in Hugging Face order. */
export function distilBertTensorSpecs(config: DistilBertConfig): TensorSpec[] {
  const h = config.hiddenSize;
  const list = new SpecList()
    .add('embeddings.word_embeddings.weight', [config.vocabSize, h])
    .add('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, h])
    .norm('embeddings.LayerNorm', h);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `transformer.layer.${i}`;
    list
      .dense(`${p}.attention.q_lin`, h, h)
      .dense(`${p}.attention.k_lin`, h, h)
      .dense(`${p}.attention.v_lin`, h, h)
      .dense(`${p}.attention.out_lin`, h, h)
      .norm(`${p}.sa_layer_norm`, h)
      .dense(`${p}.ffn.lin1`, config.intermediateSize, h)
      .dense(`${p}.ffn.lin2`, h, config.intermediateSize)
      .norm(`${p}.output_layer_norm`, h);
  }
  return list.specs;
}

export function distilBertVariables(config: DistilBertConfig, tensors: Map<string, HostTensor>, source: string): Map<string, tf.Variable> {
  return variablesFromSpecs(distilBertTensorSpecs(config), tensors, source, { prefix: 'distilbert', architecture: 'DistilBERT' });
}

export function distilBertHostTensors(config: DistilBertConfig, variables: Map<string, tf.Variable>): Promise<Map<string, HostTensor>> {
  return hostTensorsFromSpecs(distilBertTensorSpecs(config), variables);
}
