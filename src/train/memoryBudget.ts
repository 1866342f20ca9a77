import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';

/** Options for {@link miniBatchForMemory}. */
export interface MemoryBudgetOptions {
  /**
   * Bytes of tensors a training step may hold in backend memory.
   * @default {@link WASM_TRAINING_BUDGET}
   */
  budgetBytes?: number;
  /** Token length of the texts. @default the model's maxSeqLength */
  seqLength?: number;
  /** Text columns per batch (anchor, positive, negatives). @default 2 */
  columns?: number;
}

/**
 * The default training budget: 3 GiB. tfjs-wasm's heap stops at 4 GiB, and
 * the estimates it is checked against run 5–10% above the heap measured
 * (MiniLM at batch 32 × 128 tokens: 5 of 6 layers keep their activations,
 * heap ≈ 2.5 GiB).
 */
export const WASM_TRAINING_BUDGET = 3 * 2 ** 30;

/**
 * The GradCache mini-batch (texts per forward pass) for training `model` on
 * batches of `batchSize` rows within a memory budget, from the model's own
 * estimate (`trainingMemory`): as large as fits, then evened out so the
 * mini-batches of a column are about the same size. Returns `batchSize`
 * when the whole batch fits (no GradCache needed), and undefined when the
 * model gives no estimate.
 *
 * @example
 * const miniBatchSize = miniBatchForMemory(model, 32); // 32 (the whole batch) for MiniLM at 128 tokens, 16 for bge-base
 * const loss = miniBatchSize < 32 ? cachedMnrl({ miniBatchSize }) : mnrl();
 */
export function miniBatchForMemory(model: SentenceEmbedder, batchSize: number, options: MemoryBudgetOptions = {}): number | undefined {
  const { budgetBytes = WASM_TRAINING_BUDGET, seqLength = model.maxSeqLength, columns = 2 } = options;
  checkBudget(budgetBytes);
  const memory = model.trainingMemory?.(seqLength);
  if (!memory) return undefined;
  const left = budgetBytes - memory.fixedBytes - memory.bytesPerText * columns * batchSize;
  const fits = Math.max(1, Math.floor(left / memory.bytesPerTextInFlight));
  if (fits >= batchSize) return batchSize;
  return Math.ceil(batchSize / Math.ceil(batchSize / fits));
}

/** Options for {@link keptLayersForMemory}. */
export interface KeptLayersOptions {
  /** Texts in the forward pass being decided (one column, or one mini-batch of it). */
  passTexts: number;
  /** Texts of every pass on the same tape (all columns of the batch). @default passTexts */
  tapedTexts?: number;
  /** Token length of the pass's texts. @default the model's maxSeqLength */
  seqLength?: number;
  /** Bytes of tensors a training step may hold. @default {@link WASM_TRAINING_BUDGET} */
  budgetBytes?: number;
}

/**
 * How many of the top layers may keep their activations on the tape instead
 * of being recomputed in the backward pass (`ModelForwardOptions.keptLayers`),
 * for one forward pass within a memory budget: this pass gets its share of
 * what the budget leaves after the weights, the layer inputs and one
 * recomputed layer in flight (the model's `trainingMemory` estimate). A kept
 * layer saves its recomputation (about a third of the layer's training
 * compute); 0 when the model gives no estimate or nothing is left.
 *
 * @example
 * const keptLayers = keptLayersForMemory(model, { passTexts: 32, tapedTexts: 64, seqLength: 128 }); // 5 of MiniLM's 6
 * const embeddings = model.forward(tokens, { training: true, keptLayers });
 */
export function keptLayersForMemory(model: SentenceEmbedder, options: KeptLayersOptions): number {
  const { passTexts, tapedTexts = passTexts, seqLength = model.maxSeqLength, budgetBytes = WASM_TRAINING_BUDGET } = options;
  checkBudget(budgetBytes);
  const memory = model.trainingMemory?.(seqLength);
  if (!memory || memory.layers === 0 || memory.bytesPerTextPerKeptLayer <= 0 || passTexts <= 0) return 0;
  const left = budgetBytes - memory.fixedBytes - memory.bytesPerText * tapedTexts - memory.bytesPerTextInFlight * passTexts;
  const share = (left * passTexts) / Math.max(passTexts, tapedTexts);
  return Math.max(0, Math.min(memory.layers, Math.floor(share / (memory.bytesPerTextPerKeptLayer * passTexts))));
}

/** A budget is a byte count ≥ 0 (Infinity: no limit). */
function checkBudget(budgetBytes: number): void {
  if (typeof budgetBytes !== 'number' || !(budgetBytes >= 0)) {
    throw new EmbedlabError(`memory budget must be a number of bytes ≥ 0, got ${String(budgetBytes)}`);
  }
}
