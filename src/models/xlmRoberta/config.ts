/**
 * XLM-RoBERTa / RoBERTa config.json: BERT's fields with `XLMRobertaConfig`'s
 * defaults (`pad_token_id` 1). Positions start after `padding_idx` (=
 * `pad_token_id`), so `max_position_embeddings` 514 reads 512 tokens.
 */
import { EmbedlabError } from '../../util/errors';
import { BERT_DEFAULTS, parseBertLikeConfig, type BertConfig } from '../bert/config';

export const XLM_ROBERTA_DEFAULTS = { ...BERT_DEFAULTS, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 } as const;

/** Validates `raw` (from `source`, for messages) and fills defaults. */
export function parseXlmRobertaConfig(raw: Record<string, unknown>, source: string): BertConfig {
  const config = parseBertLikeConfig(raw, source, XLM_ROBERTA_DEFAULTS);
  const usable = config.maxPositionEmbeddings - config.padTokenId - 1;
  if (usable <= 0) {
    throw new EmbedlabError(`${source}: max_position_embeddings ${config.maxPositionEmbeddings} leaves no positions after padding_idx ${config.padTokenId}`);
  }
  return { ...config, maxSequenceLength: usable };
}
