/**
 * The benchmark's shapes and FLOP counts, shared by the tfjs side and (by
 * value) the PyTorch script `bench/torch_bench.py`.
 */
import { join } from 'node:path';
import { Random } from '../src/util/random';

export interface ModelShape {
  /** Name in results (`minilm`, `bge-base`). */
  name: string;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Matryoshka dims of the training loss, largest first. */
  dims: number[];
}

export const MODELS: Record<string, ModelShape> = {
  minilm: { name: 'minilm', layers: 6, hidden: 384, heads: 12, intermediate: 1536, dims: [384, 256, 128, 64, 32] },
  'bge-small': { name: 'bge-small', layers: 12, hidden: 384, heads: 12, intermediate: 1536, dims: [384, 256, 128, 64, 32] },
  'bge-base': { name: 'bge-base', layers: 12, hidden: 768, heads: 12, intermediate: 3072, dims: [768, 512, 256, 128, 64] },
};

/**
 * The StaticEmbedding training row: a 128-d table over the uncased BERT
 * vocabulary, Matryoshka(MNRL) over three dims, AdamW, 64 pairs of 64-token
 * texts per step (PyTorch: `nn.EmbeddingBag(mode="mean")`, the module
 * sentence-transformers' StaticEmbedding is built on).
 */
export const STATIC = { name: 'static', dim: 128, dims: [128, 64, 32], batch: 64, seq: 64, lr: 0.05 };

/** The real all-MiniLM-L6-v2 tokenizer (bert-base-uncased vocab), beside the repo. */
export const TOKENIZER_DIR = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');

/** Matmul FLOPs of one text of `seq` tokens through the encoder (2·m·k·n per product). */
export function forwardFlops(model: ModelShape, seq: number): number {
  const { hidden: h, intermediate: i, layers } = model;
  return layers * (2 * seq * h * (4 * h + 2 * i) + 2 * 2 * seq * seq * h);
}

/** One training step (forward + backward ≈ 3× forward) over anchors and positives. */
export function trainStepFlops(model: ModelShape, batch: number, seq: number): number {
  return 3 * forwardFlops(model, seq) * 2 * batch;
}

const WORDS = (
  'revenue income company fiscal year quarter million billion operating cash flow net sales growth market ' +
  'product customer service cost expense tax interest debt capital asset equity share stock dividend report ' +
  'annual financial statement risk factor business segment region international domestic total increase ' +
  'decrease compared prior period primarily due higher lower results management discussion analysis'
).split(' ');

/**
 * `count` seeded texts long enough to fill `seq` tokens after truncation
 * (every word is one WordPiece token of the uncased BERT vocab).
 */
export function longTexts(count: number, seq: number, seed: number): string[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => Array.from({ length: seq + 16 }, () => WORDS[random.int(WORDS.length)]).join(' '));
}
