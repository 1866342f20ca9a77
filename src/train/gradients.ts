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
  /**
   * Seeds the model's dropout masks (when the model offers `seedDropout`), per
   * column and mini-batch: GradCache's two passes then see the same masks
   * (as sentence-transformers' RandContext) and a resumed run replays them.
   */
  dropoutSeed?: number;
}

/** Models whose dropout masks can be seeded (e.g. the BERT SentenceTransformer). */
interface SeedableDropout {
  seedDropout(seed: number): void;
}

/** The dropout seed for `column`, mini-batch `chunk` of a batch seeded with `seed`. */
export function dropoutSeedFor(seed: number, column: number, chunk: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(column + 1, 0x165667b1) ^ Math.imul(chunk + 1, 0x9e3779b1);
  h ^= h >>> 13;
  return Math.imul(h, 0x85ebca6b) >>> 0;
}

function seedDropout(model: SentenceEmbedder, seed: number | undefined, column: number, chunk: number): void {
  const seedable = model as Partial<SeedableDropout>;
  if (seed === undefined || typeof seedable.seedDropout !== 'function') return;
  seedable.seedDropout(dropoutSeedFor(seed, column, chunk));
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

/**
 * Adds `grads` into `total` by weight name and returns the sum; the tensors it
 * replaces are disposed. With no `total` yet, `grads` itself becomes the sum.
 */
export function addGradients(total: Map<string, tf.Tensor> | undefined, grads: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  if (!total) return grads;
  for (const [name, g] of grads) {
    const previous = total.get(name);
    if (previous) {
      total.set(name, tf.add(previous, g));
      previous.dispose();
      g.dispose();
    } else {
      total.set(name, g);
    }
  }
  return total;
}

async function readScalar(t: tf.Tensor): Promise<number> {
  const value = (await t.data())[0]!;
  t.dispose();
  return value;
}

/** Forward every column with gradients, loss, backward: memory grows with the batch. */
async function direct(model: SentenceEmbedder, loss: Loss, batch: TextBatch, trainable: Trainable, options: BatchGradientOptions) {
  const { scale = 1, random, training = true, dropoutSeed } = options;
  const { value, grads } = tf.variableGrads(() => {
    const embeddings = batch.columns.map((texts, c) => {
      seedDropout(model, dropoutSeed, c, 0);
      return model.forward(model.tokenize(texts), { training });
    });
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
  const { scale = 1, random, training = true, dropoutSeed } = options;
  const rows = batch.columns[0]!.length;
  const starts: number[] = [];
  for (let s = 0; s < rows; s += miniBatchSize) starts.push(s);
  const chunk = (texts: string[], s: number) => texts.slice(s, s + miniBatchSize);

  // (1) embeddings without gradients (no tape is recorded outside variableGrads)
  const cached: tf.Tensor[] = [];
  let value: tf.Tensor;
  let embeddingGrads: tf.Tensor[];
  try {
    for (const [c, texts] of batch.columns.entries()) {
      cached.push(
        tf.tidy(() =>
          tf.concat(
            starts.map((s, k) => {
              seedDropout(model, dropoutSeed, c, k);
              return model.forward(model.tokenize(chunk(texts, s)), { training });
            }),
            0,
          ),
        ),
      );
    }

    // (2) the loss and its gradient w.r.t. the cached embeddings
    ({ value, grads: embeddingGrads } = tf.tidy(() => {
      const { labels, teacherScores } = lossInputs(batch);
      return tf.valueAndGrads((...embeddings: tf.Tensor[]) => {
        const out = loss.compute(embeddings as tf.Tensor2D[], labels, { teacherScores, random });
        return scale === 1 ? out : tf.mul(out, scale);
      })(cached);
    }));
  } finally {
    tf.dispose(cached);
  }
  let lossValue: number;
  try {
    lossValue = (await readScalar(value)) / scale;
  } catch (error) {
    tf.dispose(embeddingGrads);
    throw error;
  }

  // (3) re-embed each mini-batch with a tape; d/dθ Σ(E_mb ⊙ G_mb) = G_mb · ∂E_mb/∂θ
  const total = new Map<string, tf.Tensor>();
  try {
    for (let c = 0; c < batch.columns.length; c++) {
      for (const [k, s] of starts.entries()) {
        const texts = chunk(batch.columns[c]!, s);
        const g = tf.slice(embeddingGrads[c]!, [s, 0], [texts.length, -1]);
        try {
          seedDropout(model, dropoutSeed, c, k); // the same masks as in stage 1
          const { value: surrogate, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(model.forward(model.tokenize(texts), { training }), g)),
            trainable.map(([, v]) => v),
          );
          surrogate.dispose();
          addGradients(total, byWeightName(trainable, grads));
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
