import * as tf from '@tensorflow/tfjs';
import type { BatchGradients, GradientContext } from './types';

/**
 * GradCache (Gao et al., 2021): (1) embed each column in mini-batches without a
 * tape; (2) the loss on the stacked embeddings and G = ∂(scale·L)/∂E; (3) for
 * each mini-batch, re-embed with a tape and back-propagate Σ(E_mb ⊙ G_mb),
 * summing the weight gradients. The loss and gradients are those of one pass
 * over the whole batch; peak memory is that of one mini-batch. A batch that
 * fits in one mini-batch takes the plain path.
 */
export async function gradCache(context: GradientContext, miniBatchSize: number): Promise<BatchGradients> {
  const { batch } = context;
  const rows = batch.columns[0]!.length;
  if (miniBatchSize >= rows) return context.plain();
  const starts: number[] = [];
  for (let s = 0; s < rows; s += miniBatchSize) starts.push(s);
  const chunk = (texts: string[], s: number) => texts.slice(s, s + miniBatchSize);

  // (1) embeddings without gradients (no tape is recorded outside variableGrads)
  const cached: tf.Tensor[] = [];
  let value: tf.Tensor;
  let embeddingGrads: tf.Tensor[];
  try {
    for (const [c, texts] of batch.columns.entries()) {
      cached.push(tf.tidy(() => tf.concat(starts.map((s, k) => context.embed(chunk(texts, s), c, k)), 0)));
    }
    // (2) the loss and its gradient w.r.t. the cached embeddings
    ({ value, grads: embeddingGrads } = tf.tidy(() =>
      tf.valueAndGrads((...embeddings: tf.Tensor[]) => context.scaledLoss(embeddings as tf.Tensor2D[]))(cached),
    ));
  } finally {
    tf.dispose(cached); // a column that failed half-way leaves the finished ones to free
  }
  let lossValue: number;
  try {
    lossValue = (await value.data())[0]! / context.scale;
  } catch (error) {
    tf.dispose(embeddingGrads);
    throw error;
  } finally {
    value.dispose();
  }

  // (3) re-embed each mini-batch with a tape; d/dθ Σ(E_mb ⊙ G_mb) = G_mb · ∂E_mb/∂θ
  const total = new Map<string, tf.Tensor>();
  try {
    for (let c = 0; c < batch.columns.length; c++) {
      for (const [k, s] of starts.entries()) {
        const texts = chunk(batch.columns[c]!, s);
        const g = tf.slice(embeddingGrads[c]!, [s, 0], [texts.length, -1]);
        try {
          // embed replays stage 1's dropout masks for (c, k)
          context.addWeightGradients(() => tf.sum(tf.mul(context.embed(texts, c, k), g)), total);
        } finally {
          g.dispose();
        }
      }
    }
  } catch (error) {
    // a mini-batch failed: the partial sums are nobody's
    tf.dispose([...total.values()]);
    throw error;
  } finally {
    tf.dispose(embeddingGrads);
  }
  return { loss: lossValue, grads: total };
}
