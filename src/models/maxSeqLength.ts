import { EmbedlabError } from '../util/errors';

/**
 * The sequence length a model reads when the user asks for `requested`
 * tokens: a positive integer that leaves room for text after the special
 * tokens. Above the model's position embeddings it is capped (sentence-transformers
 * accepts the setting and fails on the first long text), with a warning saying so.
 *
 * @example
 * maxSeqLengthFor(100000, { fromFolder: 256, positions: 512, specialTokens: 2, source: './m' }); // 512, with a warning
 */
export function maxSeqLengthFor(
  requested: number | undefined,
  model: { fromFolder: number; positions: number; specialTokens?: number; source: string },
  warn: (message: string) => void = (m) => console.warn(`embedlab: ${m}`),
): number {
  if (requested === undefined) return Math.min(model.fromFolder, model.positions);
  if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1) {
    throw new EmbedlabError(`maxSeqLength must be a positive integer, got ${JSON.stringify(requested)}`);
  }
  checkRoomForText(requested, model.specialTokens ?? 0, model.source);
  if (requested > model.positions) {
    warn(`maxSeqLength ${requested} is more than the ${model.positions} positions of ${model.source} (max_position_embeddings); using ${model.positions}`);
    return model.positions;
  }
  return requested;
}

/** Refuses a length that leaves no token for the text after `specialTokens` ([CLS] … [SEP]). */
export function checkRoomForText(maxSeqLength: number, specialTokens: number, source: string): void {
  if (maxSeqLength <= specialTokens) {
    throw new EmbedlabError(
      `maxSeqLength ${maxSeqLength} leaves no room for text: ${source} adds ${specialTokens} special tokens to every text; use at least ${specialTokens + 1}`,
    );
  }
}
