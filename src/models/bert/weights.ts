/**
 * BERT weights under their Hugging Face `BertModel` names
 * (`embeddings.word_embeddings.weight`, `encoder.layer.N.attention.self.query.weight`, …),
 * read with or without the `bert.` prefix of task checkpoints. XLM-RoBERTa
 * uses the same names under `roberta.`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../safetensors/dtypes';
import { SpecList, hasTensor, hostTensorsFromSpecs, variablesFromSpecs, type TensorSpec } from '../transformer/weights';
import type { BertConfig } from './config';

/** Every tensor of a BertModel, in Hugging Face order; the pooler last when `pooler`. */
export function bertTensorSpecs(config: BertConfig, pooler: boolean): TensorSpec[] {
  const h = config.hiddenSize;
  const list = new SpecList()
    .add('embeddings.word_embeddings.weight', [config.vocabSize, h])
    .add('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, h])
    .add('embeddings.token_type_embeddings.weight', [config.typeVocabSize, h])
    .norm('embeddings.LayerNorm', h);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    list
      .dense(`${p}.attention.self.query`, h, h)
      .dense(`${p}.attention.self.key`, h, h)
      .dense(`${p}.attention.self.value`, h, h)
      .dense(`${p}.attention.output.dense`, h, h)
      .norm(`${p}.attention.output.LayerNorm`, h)
      .dense(`${p}.intermediate.dense`, config.intermediateSize, h)
      .dense(`${p}.output.dense`, h, config.intermediateSize)
      .norm(`${p}.output.LayerNorm`, h);
  }
  if (pooler) list.dense('pooler.dense', h, h);
  return list.specs;
}

/** Whether the checkpoint has a pooler (`pooler.dense.weight`, optionally prefixed). */
export function hasPooler(tensors: Map<string, HostTensor>, prefix = 'bert'): boolean {
  return hasTensor(tensors, 'pooler.dense.weight', prefix);
}

/**
 * Variables for every tensor of the config, from checkpoint `tensors` read
 * from `source`, names optionally under the base-model `prefix`.
 */
export function bertVariables(
  config: BertConfig,
  tensors: Map<string, HostTensor>,
  source: string,
  { prefix = 'bert', architecture = 'BERT' }: { prefix?: string; architecture?: string } = {},
): Map<string, tf.Variable> {
  return variablesFromSpecs(bertTensorSpecs(config, hasPooler(tensors, prefix)), tensors, source, { prefix, architecture });
}

/** The weights as the file stores them (Linear `[out, in]`), for saving. */
export function bertHostTensors(config: BertConfig, variables: Map<string, tf.Variable>): Promise<Map<string, HostTensor>> {
  return hostTensorsFromSpecs(bertTensorSpecs(config, variables.has('pooler.dense.weight')), variables);
}
