import * as tf from '@tensorflow/tfjs';
import type { Loss } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import type { Random } from '../util/random';
import type { TextBatch } from './rows';

/** The loss of one batch and its gradients w.r.t. the model weights (by HF name). */
export interface BatchGradients {
  /** The unscaled loss value. */
  loss: number;
  /** Gradients of `scale · loss`; the caller disposes them. Weights the loss does not reach are absent. */
  grads: Map<string, tf.Tensor>;
}

/** Options for {@link batchGradients}. */
export interface BatchGradientOptions {
  /** Multiplies the loss before differentiation (1 / gradient-accumulation steps). */
  scale?: number;
  /** Seeded generator for this batch (Matryoshka `nDimsPerStep`). */
  random?: Random;
  /** Forward in training mode (dropout on); default true. */
  training?: boolean;
}

/**
 * Computes the loss of `batch` and its gradients w.r.t. every trainable
 * weight. When the loss sets `miniBatchSize` this uses GradCache (see
 * {@link CachedMultipleNegativesRankingLoss}); the result is the same, with
 * memory bounded by the mini-batch.
 */
export async function batchGradients(
  model: SentenceEmbedder,
  loss: Loss,
  batch: TextBatch,
  options: BatchGradientOptions = {},
): Promise<BatchGradients> {
  const trainable = [...model.namedWeights()].filter(([, v]) => v.trainable);
  return loss.miniBatchSize !== undefined && loss.miniBatchSize < batch.columns[0]!.length
    ? gradCache(model, loss, batch, trainable, loss.miniBatchSize, options)
    : direct(model, loss, batch, trainable, options);
}

type Trainable = [string, tf.Variable][];

function lossInputs(batch: TextBatch) {
  return {
    labels: batch.labels ? tf.tensor1d(batch.labels) : undefined,
    teacherScores: batch.teacherScores ? tf.tensor2d(batch.teacherScores) : undefined,
  };
}

/** Gradients keyed by tfjs variable name → keyed by HF weight name. */
function byWeightName(trainable: Trainable, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, variable] of trainable) {
    const g = grads[variable.name];
    if (g) out.set(name, g);
  }
  return out;
}

async function readScalar(t: tf.Tensor): Promise<number> {
  const value = (await t.data())[0]!;
  t.dispose();
  return value;
}

/** Forward every column with gradients, loss, backward: memory grows with the batch. */
async function direct(model: SentenceEmbedder, loss: Loss, batch: TextBatch, trainable: Trainable, options: BatchGradientOptions) {
  const { scale = 1, random, training = true } = options;
  const { value, grads } = tf.variableGrads(() => {
    const embeddings = batch.columns.map((texts) => model.forward(model.tokenize(texts), { training }));
    const { labels, teacherScores } = lossInputs(batch);
    const out = loss.compute(embeddings, labels, { teacherScores, random });
    return scale === 1 ? out : tf.mul(out, scale);
  }, trainable.map(([, v]) => v));
  return { loss: (await readScalar(value)) / scale, grads: byWeightName(trainable, grads) };
}

/**
 * GradCache (Gao et al., 2021): (1) embed each column in mini-batches without a
 * tape; (2) the loss on the stacked embeddings and G = ∂(scale·L)/∂E; (3) for
 * each mini-batch, re-embed with a tape and back-propagate Σ(E_mb ⊙ G_mb),
 * summing the weight gradients.
 */
async function gradCache(
  model: SentenceEmbedder,
  loss: Loss,
  batch: TextBatch,
  trainable: Trainable,
  miniBatchSize: number,
  options: BatchGradientOptions,
) {
  const { scale = 1, random, training = true } = options;
  const rows = batch.columns[0]!.length;
  const starts: number[] = [];
  for (let s = 0; s < rows; s += miniBatchSize) starts.push(s);
  const chunk = (texts: string[], s: number) => texts.slice(s, s + miniBatchSize);

  // (1) embeddings without gradients (no tape is recorded outside variableGrads)
  const cached = batch.columns.map((texts) =>
    tf.tidy(() => tf.concat(starts.map((s) => model.forward(model.tokenize(chunk(texts, s)), { training })), 0)),
  );

  // (2) the loss and its gradient w.r.t. the cached embeddings
  const { value, grads: embeddingGrads } = tf.tidy(() => {
    const { labels, teacherScores } = lossInputs(batch);
    return tf.valueAndGrads((...embeddings: tf.Tensor[]) => {
      const out = loss.compute(embeddings as tf.Tensor2D[], labels, { teacherScores, random });
      return scale === 1 ? out : tf.mul(out, scale);
    })(cached);
  });
  tf.dispose(cached);
  const lossValue = (await readScalar(value)) / scale;

  // (3) re-embed each mini-batch with a tape; d/dθ Σ(E_mb ⊙ G_mb) = G_mb · ∂E_mb/∂θ
  const total = new Map<string, tf.Tensor>();
  try {
    for (let c = 0; c < batch.columns.length; c++) {
      for (const s of starts) {
        const texts = chunk(batch.columns[c]!, s);
        const g = tf.slice(embeddingGrads[c]!, [s, 0], [texts.length, -1]);
        const { value: surrogate, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(model.forward(model.tokenize(texts), { training }), g)),
          trainable.map(([, v]) => v),
        );
        surrogate.dispose();
        g.dispose();
        for (const [name, grad] of byWeightName(trainable, grads)) {
          const previous = total.get(name);
          if (previous) {
            total.set(name, tf.add(previous, grad));
            previous.dispose();
            grad.dispose();
          } else {
            total.set(name, grad);
          }
        }
      }
    }
  } finally {
    tf.dispose(embeddingGrads);
  }
  return { loss: lossValue, grads: total };
}
