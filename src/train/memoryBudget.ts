import type { SentenceEmbedder } from '../models/types';

/** Options for {@link miniBatchForMemory}. */
export interface MemoryBudgetOptions {
  /**
   * Bytes of tensors a training step may hold in backend memory.
   * @default 2 GiB (tfjs-wasm's heap stops at 4 GiB; the heap runs ~10% above the live tensors, and
   * a bge-base-shaped model at 128 tokens then trains in mini-batches of 16 with a 2.0 GiB heap)
   */
  budgetBytes?: number;
  /** Token length of the texts. @default the model's maxSeqLength */
  seqLength?: number;
  /** Text columns per batch (anchor, positive, negatives). @default 2 */
  columns?: number;
}

/** The default training budget on the wasm backend. */
export const WASM_TRAINING_BUDGET = 2 * 2 ** 30;

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
  const memory = model.trainingMemory?.(seqLength);
  if (!memory) return undefined;
  const left = budgetBytes - memory.fixedBytes - memory.bytesPerText * columns * batchSize;
  const fits = Math.max(1, Math.floor(left / memory.bytesPerTextInFlight));
  if (fits >= batchSize) return batchSize;
  return Math.ceil(batchSize / Math.ceil(batchSize / fits));
}
