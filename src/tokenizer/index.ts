export { loadTokenizer, resolveMaxSeqLength } from './loadTokenizer';
export { TextTokenizer, padBatch, type TextTokenizerOptions, type TokenSequence, type TokenizerFiles } from './textTokenizer';
export { wordpieceTokenizerJson } from './wordpieceFromVocab';
export { wordLevelTokenizerJson, type WordLevelOptions } from './wordLevel';
export type { TokenBatch } from './types';
