/**
 * BERT weights under their Hugging Face `BertModel` names
 * (`embeddings.word_embeddings.weight`, `encoder.layer.N.attention.self.query.weight`, …).
 * Files store Linear weights `[out, in]` (torch `nn.Linear`); in memory they
 * are held transposed, `[in, out]`, so the forward pass is a plain `x·W`.
 */
import type * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../../util/errors';
import { sameShape, toVariable, transposeHost } from '../safetensors/hostTensor';
import type { HostTensor } from '../safetensors/dtypes';
import type { BertConfig } from './config';

export interface BertTensorSpec {
  /** Hugging Face name. */
  name: string;
  /** Shape as stored in the file (Linear: `[out, in]`). */
  shape: number[];
  /** A Linear weight: held as `[in, out]` in memory. */
  linear: boolean;
}

/** Every tensor of a BertModel, in Hugging Face order; the pooler last when `pooler`. */
export function bertTensorSpecs(config: BertConfig, pooler: boolean): BertTensorSpec[] {
  const h = config.hiddenSize;
  const specs: BertTensorSpec[] = [];
  const add = (name: string, shape: number[], linear = false) => specs.push({ name, shape, linear });
  const dense = (prefix: string, out: number, inp: number) => {
    add(`${prefix}.weight`, [out, inp], true);
    add(`${prefix}.bias`, [out]);
  };
  const norm = (prefix: string) => {
    add(`${prefix}.weight`, [h]);
    add(`${prefix}.bias`, [h]);
  };
  add('embeddings.word_embeddings.weight', [config.vocabSize, h]);
  add('embeddings.position_embeddings.weight', [config.maxPositionEmbeddings, h]);
  add('embeddings.token_type_embeddings.weight', [config.typeVocabSize, h]);
  norm('embeddings.LayerNorm');
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    dense(`${p}.attention.self.query`, h, h);
    dense(`${p}.attention.self.key`, h, h);
    dense(`${p}.attention.self.value`, h, h);
    dense(`${p}.attention.output.dense`, h, h);
    norm(`${p}.attention.output.LayerNorm`);
    dense(`${p}.intermediate.dense`, config.intermediateSize, h);
    dense(`${p}.output.dense`, h, config.intermediateSize);
    norm(`${p}.output.LayerNorm`);
  }
  if (pooler) dense('pooler.dense', h, h);
  return specs;
}

/** Names a checkpoint may use for `name`: with a `bert.` prefix, old LayerNorm gamma/beta. */
function candidateNames(name: string): string[] {
  const names = [name, `bert.${name}`];
  if (name.includes('LayerNorm.')) {
    const old = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
    names.push(old, `bert.${old}`);
  }
  return names;
}

/** Whether the checkpoint has a pooler (`pooler.dense.weight`, optionally prefixed). */
export function hasPooler(tensors: Map<string, HostTensor>): boolean {
  return candidateNames('pooler.dense.weight').some((n) => tensors.has(n));
}

/**
 * Variables for every spec, from checkpoint `tensors` read from `source`.
 * A missing tensor or a wrong shape is an error naming the tensor.
 */
export function bertVariables(config: BertConfig, tensors: Map<string, HostTensor>, source: string): Map<string, tf.Variable> {
  const specs = bertTensorSpecs(config, hasPooler(tensors));
  const found = specs.map((spec) => {
    const key = candidateNames(spec.name).find((n) => tensors.has(n));
    if (!key) throw new EmbedlabError(`${source}: missing tensor "${spec.name}" (shape [${spec.shape}]) needed by the BERT config`);
    const tensor = tensors.get(key)!;
    if (!sameShape(tensor.shape, spec.shape)) {
      throw new EmbedlabError(`${source}: tensor "${key}" has shape [${tensor.shape}], expected [${spec.shape}] from the config`);
    }
    return { spec, tensor };
  });
  return new Map(found.map(({ spec, tensor }) => [spec.name, toVariable(spec.linear ? transposeHost(tensor) : tensor)]));
}

/** The weights as the file stores them (Linear `[out, in]`), for saving. */
export async function bertHostTensors(config: BertConfig, variables: Map<string, tf.Variable>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const spec of bertTensorSpecs(config, variables.has('pooler.dense.weight'))) {
    const v = variables.get(spec.name)!;
    const host: HostTensor = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
    out.set(spec.name, spec.linear ? transposeHost(host) : host);
  }
  return out;
}
