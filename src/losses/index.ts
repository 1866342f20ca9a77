/**
 * Training losses over sentence embeddings (sentence-transformers semantics).
 *
 * @example
 * import { matryoshka, mnrl } from 'embedlab';
 * const loss = matryoshka(mnrl(), { dims: [768, 512, 256, 128, 64] });
 */
export type { Loss, LossExtra, LossRequirements } from './types';
export { MultipleNegativesRankingLoss, mnrl, type MnrlOptions } from './mnrl';
export { CachedMultipleNegativesRankingLoss, cachedMnrl, type CachedMnrlOptions } from './cachedMnrl';
export { MatryoshkaLoss, matryoshka, type MatryoshkaOptions } from './matryoshka';
export { CoSENTLoss, cosent, type CosentOptions } from './cosent';
export { DistillKLLoss, distillKL, type DistillKLOptions } from './distillKL';
export { cosSim, pairwiseCosSim, l2Normalize } from './similarity';
