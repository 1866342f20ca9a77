import * as tf from '@tensorflow/tfjs';
import { leanGradients } from '../backend/gradients';
import type { TrainingRow } from '../data/types';
import type { BatchGradients, GradientContext, Loss, LossRequirements, TextBatch } from '../losses/types';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { Random } from '../util/random';
import type { AdamW } from './optimizer';
import { keptLayersForMemory, WASM_TRAINING_BUDGET } from './memoryBudget';
import { tokenizeWithPrompt } from './prompts';

/** What every step of a run shares. */
export interface StepSetup {
  model: SentenceEmbedder;
  loss: Loss;
  optimizer: AdamW;
  rows: TrainingRow[];
  /** Hard-negative columns per batch. */
  negatives: number;
  seed: number;
  maxGradNorm: number;
  /** Each column's prompt (`''` for none). */
  prompts?: string[];
}

/** Which step this is: it seeds the step's draws and locates a failure. */
export interface StepPosition {
  /** Optimizer steps done before this one. */
  globalStep: number;
  epoch: number;
  /** Index within the epoch of the step's first batch. */
  firstBatch: number;
  lr: number;
  /** Named when training stops, so the user knows where to resume from. */
  lastCheckpoint?: string;
}

/** What one optimizer step did. */
export interface StepResult {
  /** Mean loss over the step's batches. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Rows trained on. */
  examples: number;
}

/**
 * One optimizer update from `batches` (lists of row indices): each batch's
 * gradients, scaled by 1 / batches.length and summed (gradient accumulation;
 * each batch keeps its own in-batch negatives); the global norm clipped to
 * `maxGradNorm`; then an AdamW step. A non-finite loss or gradient norm stops
 * training before the weights change. The gradients are disposed.
 */
export async function optimizerStep(setup: StepSetup, batches: number[][], at: StepPosition): Promise<StepResult> {
  const { model, loss, optimizer } = setup;
  let grads: Map<string, tf.Tensor> | undefined;
  let lossSum = 0;
  let examples = 0;
  try {
    for (let k = 0; k < batches.length; k++) {
      const batch = makeBatch(setup.rows, batches[k]!, setup.negatives, loss.requires, setup.prompts);
      const seed = stepSeed(setup.seed, at.globalStep, k);
      const result = await batchGradients(model, loss, batch, { scale: 1 / batches.length, random: new Random(seed), dropoutSeed: seed });
      grads = addGradients(grads, result.grads);
      if (!Number.isFinite(result.loss)) throw trainingStopped(`the loss is ${result.loss}`, at, at.firstBatch + k);
      lossSum += result.loss;
      examples += batches[k]!.length;
    }
    const gradNorm = await clipGradNorm(grads!, setup.maxGradNorm);
    if (!Number.isFinite(gradNorm)) throw trainingStopped(`the gradient norm is ${gradNorm}`, at, at.firstBatch);
    optimizer.step(grads!, at.lr);
    return { loss: lossSum / batches.length, gradNorm, examples };
  } finally {
    if (grads) tf.dispose([...grads.values()]);
  }
}

/**
 * The 32-bit seed of batch `k` of optimizer step `step`. Every draw in a step
 * (Matryoshka `nDimsPerStep`, dropout masks) derives from it, so a resumed
 * run replays them without saving generator state.
 */
function stepSeed(seed: number, step: number, k: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35) ^ Math.imul(k + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

function trainingStopped(what: string, at: StepPosition, batch: number): EmbedlabError {
  return new EmbedlabError(
    `training stopped: ${what} at step ${at.globalStep + 1} (epoch ${at.epoch + 1}, batch ${batch + 1}). ` +
      `Try a lower learning rate (it was ${at.lr.toExponential(2)}; peak set by lr), a warm-up, or gradient clipping (maxGradNorm), ` +
      `and check the data for empty or extreme texts. ` +
      (at.lastCheckpoint ? `The last good checkpoint is ${at.lastCheckpoint}.` : 'No checkpoint was written.'),
  );
}

// ---------------------------------------------------------------------------
// The batch

/** Assembles the rows `indices` into a {@link TextBatch}, each column's texts behind its prompt. */
export function makeBatch(rows: TrainingRow[], indices: number[], negatives: number, requires: LossRequirements, prompts?: string[]): TextBatch {
  const picked = indices.map((i) => rows[i]!);
  const columns = [picked.map((r) => r.anchor), picked.map((r) => r.positive)];
  for (let k = 0; k < negatives; k++) columns.push(picked.map((r) => r.negatives[k]!));
  const batch: TextBatch = prompts?.some((p) => p) ? { columns: columns.map((texts, c) => texts.map((t) => prompts[c]! + t)), prompts } : { columns };
  if (requires.score) batch.labels = Float32Array.from(picked, (r) => r.score!);
  if (requires.teacherScores) batch.teacherScores = picked.map((r) => r.teacherScores!.slice(0, 1 + negatives));
  return batch;
}

// ---------------------------------------------------------------------------
// Gradients of one batch

/** Options for {@link batchGradients}. */
export interface BatchGradientOptions {
  /** Multiplies the loss before differentiation (1 / gradient-accumulation steps). */
  scale?: number;
  /** Seeded generator for this batch (Matryoshka `nDimsPerStep`). */
  random?: Random;
  /**
   * Forward in training mode (dropout on).
   * @default true
   */
  training?: boolean;
  /**
   * Seeds the model's dropout masks (when the model offers `seedDropout`), per
   * column and mini-batch: GradCache's two passes then see the same masks
   * (as sentence-transformers' RandContext) and a resumed run replays them.
   */
  dropoutSeed?: number;
  /**
   * Bytes of tensors the step may hold: layers of a recomputing model keep
   * their activations (no recomputation) as far as it allows
   * ({@link keptLayersForMemory}). 0 recomputes every layer.
   * @default WASM_TRAINING_BUDGET
   */
  memoryBudget?: number;
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
 * weight: in one forward-backward pass, or through the loss's own
 * {@link Loss.gradients} when it has one (GradCache, for
 * {@link CachedMultipleNegativesRankingLoss}) — the same result, with memory
 * bounded by the mini-batch.
 */
export async function batchGradients(
  model: SentenceEmbedder,
  loss: Loss,
  batch: TextBatch,
  options: BatchGradientOptions = {},
): Promise<BatchGradients> {
  const trainable = [...model.namedWeights()].filter(([, v]) => v.trainable);
  const context = gradientContext(model, loss, batch, trainable, options);
  return loss.gradients ? loss.gradients(context) : context.plain();
}

type Trainable = [string, tf.Variable][];

/** The model and the loss as {@link GradientContext} functions, for one batch. */
function gradientContext(model: SentenceEmbedder, loss: Loss, batch: TextBatch, trainable: Trainable, options: BatchGradientOptions): GradientContext {
  const { scale = 1, random, training = true, dropoutSeed, memoryBudget = WASM_TRAINING_BUDGET } = options;
  const tapedTexts = batch.columns.reduce((n, column) => n + column.length, 0);
  const context: GradientContext = {
    batch,
    scale,
    embed(texts, column, chunk) {
      seedDropout(model, dropoutSeed, column, chunk);
      const tokens = tokenizeWithPrompt(model, texts, batch.prompts?.[column]);
      const keptLayers = keptLayersForMemory(model, { passTexts: texts.length, tapedTexts, seqLength: tokens.seqLength, budgetBytes: memoryBudget });
      return model.forward(tokens, { training, keptLayers });
    },
    scaledLoss(embeddings) {
      const { labels, teacherScores } = lossInputs(batch);
      const out = loss.compute(embeddings, labels, { teacherScores, random });
      return scale === 1 ? out : tf.mul(out, scale);
    },
    addWeightGradients(f, total) {
      const { value, grads } = weightGradients(f, trainable);
      value.dispose();
      addGradients(total, grads);
    },
    async gradientsOf(f) {
      const { value, grads } = weightGradients(f, trainable);
      const loss = (await value.data())[0]!;
      value.dispose();
      return { loss: loss / scale, grads };
    },
    recomputesActivations: model.recomputesActivations ?? false,
    tokenCounts(texts) {
      const { attentionMask, seqLength } = model.tokenize(texts);
      return texts.map((_, row) => {
        let n = 0;
        for (let j = 0; j < seqLength; j++) n += attentionMask[row * seqLength + j]!;
        return n;
      });
    },
    plain: () => context.gradientsOf(() => context.scaledLoss(batch.columns.map((texts, c) => context.embed(texts, c, 0)))),
  };
  return context;
}

function lossInputs(batch: TextBatch) {
  return {
    labels: batch.labels ? tf.tensor1d(batch.labels) : undefined,
    teacherScores: batch.teacherScores ? tf.tensor2d(batch.teacherScores) : undefined,
  };
}

/**
 * `tf.variableGrads` with a backward pass that frees memory as it goes (see
 * {@link leanGradients}): the value of `f` and the gradients of the weights
 * it reaches, by weight name.
 */
function weightGradients(f: () => tf.Tensor, trainable: Trainable): { value: tf.Tensor; grads: Map<string, tf.Tensor> } {
  const { value, grads } = leanGradients(f, trainable.map(([, v]) => v));
  const out = new Map<string, tf.Tensor>();
  trainable.forEach(([name], i) => grads[i] && out.set(name, grads[i]!));
  return { value, grads: out };
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

// ---------------------------------------------------------------------------
// Clipping

/**
 * Scales gradients in place so their global L2 norm is at most `maxNorm`,
 * as `torch.nn.utils.clip_grad_norm_`: `coef = min(1, maxNorm / (norm + 1e-6))`.
 * Returns the norm before clipping (NaN/Infinity when a gradient is not finite).
 * Replaced tensors are disposed.
 */
export async function clipGradNorm(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<number> {
  if (grads.size === 0) return 0;
  const normTensor = tf.tidy(() => {
    const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(tf.addN(squares));
  });
  const norm = (await normTensor.data())[0]!;
  normTensor.dispose();
  if (maxNorm > 0 && Number.isFinite(norm)) {
    const coef = Math.min(1, maxNorm / (norm + 1e-6));
    if (coef < 1) {
      for (const [name, g] of grads) {
        grads.set(name, tf.mul(g, coef));
        g.dispose();
      }
    }
  }
  return norm;
}
