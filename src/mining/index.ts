export { mineHardNegatives, miningCorpus, type MiningQuery, type MinedQuery, type MineOptions, type PrecomputedMiningEmbeddings } from './mine';
export { parseSamplingRange } from './range';
export { readCandidatePool } from './candidatePool';
export { exportEmbeddings } from './exportEmbeddings';
