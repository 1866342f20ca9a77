import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../models/safetensors';
import type { SentenceEmbedder } from '../models/types';

/** The trainable weights copied to host memory, by `namedWeights()` name, exactly as the model holds them. */
export async function copyTrainableWeights(model: SentenceEmbedder): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, v] of model.namedWeights()) {
    if (v.trainable) out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
  }
  return out;
}

/** Puts host copies back into the model's weights of the same names. */
export function assignWeights(model: SentenceEmbedder, weights: Map<string, HostTensor>): void {
  const named = model.namedWeights();
  for (const [name, { shape, data }] of weights) {
    tf.tidy(() => named.get(name)!.assign(tf.tensor(data, shape)));
  }
}
