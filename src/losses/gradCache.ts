import * as tf from '@tensorflow/tfjs';
import type { BatchGradients, GradientContext } from './types';

/**
 * GradCache (Gao et al., 2021): (1) embed each column in mini-batches without a
 * tape; (2) the loss on the stacked embeddings and G = ∂(scale·L)/∂E; (3) for
 * each mini-batch, re-embed with a tape and back-propagate Σ(E_mb ⊙ G_mb),
 * summing the weight gradients. The loss and gradients are those of one pass
 * over the whole batch; peak memory is that of one mini-batch. A batch that
 * fits in one mini-batch takes the plain path, and a model that recomputes
 * its layers in the backward pass takes {@link onePass}.
 */
export async function gradCache(context: GradientContext, miniBatchSize: number): Promise<BatchGradients> {
  const { batch } = context;
  const rows = batch.columns[0]!.length;
  if (miniBatchSize >= rows) return context.plain();
  if (context.recomputesActivations) return onePass(context, miniBatchSize);
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

/**
 * GradCache's result in one taped pass, for models whose layers keep only
 * their input on the tape and are recomputed in the backward pass. Each
 * column is embedded in mini-batches (seeded as GradCache's passes are), the
 * loss runs on the concatenated embeddings and one backward pass follows: it
 * re-runs one layer of one mini-batch at a time, so memory stays near
 * GradCache's (plus each mini-batch's layer inputs) without its extra
 * forward pass. Rows are grouped into mini-batches by token count, longest
 * first, to cut padding; the batch keeps the same rows, and the embeddings
 * are put back in row order before the loss.
 */
async function onePass(context: GradientContext, miniBatchSize: number): Promise<BatchGradients> {
  return context.gradientsOf(() => {
    const embeddings = context.batch.columns.map((texts, c) => {
      const counts = context.tokenCounts(texts);
      const order = texts.map((_, row) => row).sort((a, b) => counts[b]! - counts[a]! || a - b);
      const parts: tf.Tensor2D[] = [];
      for (let k = 0, s = 0; s < texts.length; k++, s += miniBatchSize) {
        parts.push(context.embed(order.slice(s, s + miniBatchSize).map((row) => texts[row]!), c, k));
      }
      const sorted = tf.concat(parts, 0) as tf.Tensor2D;
      if (order.every((row, i) => row === i)) return sorted;
      const position = new Int32Array(order.length);
      order.forEach((row, i) => (position[row] = i));
      return tf.gather(sorted, tf.tensor1d(position, 'int32')) as tf.Tensor2D;
    });
    return context.scaledLoss(embeddings);
  });
}
