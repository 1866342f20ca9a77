/**
 * MPNet config.json: BERT's field names (no token types) plus
 * `relative_attention_num_buckets`, with `MPNetConfig`'s defaults. Position
 * ids are RoBERTa's with `padding_idx` fixed at 1 (`MPNetEmbeddings`), so
 * `max_position_embeddings` 514 reads 512 tokens.
 */
import { EmbedlabError } from '../../util/errors';
import { parseBertLikeConfig, type BertConfig } from '../bert/config';

export interface MpnetConfig extends Omit<BertConfig, 'typeVocabSize'> {
  relativeAttentionNumBuckets: number;
}

/** transformers' `MPNetConfig` defaults. */
export const MPNET_DEFAULTS = {
  vocab_size: 30527,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  relative_attention_num_buckets: 32,
  pad_token_id: 1,
  bos_token_id: 0,
  eos_token_id: 2,
} as const;

/** `MPNetEmbeddings.padding_idx`: 1 in the modeling code, whatever `pad_token_id` says. */
export const MPNET_PADDING_IDX = 1;

/** The buckets `MPNetEncoder.compute_position_bias` uses: 32, whatever the config says (its rows beyond are never read). */
export const MPNET_POSITION_BUCKETS = 32;

/** Validates `raw` (from `source`, for messages) and fills defaults. */
export function parseMpnetConfig(raw: Record<string, unknown>, source: string): MpnetConfig {
  // type_vocab_size and position_embedding_type are BERT fields MPNet does not have
  const { typeVocabSize: _, ...bertLike } = parseBertLikeConfig(raw, source, { ...MPNET_DEFAULTS, type_vocab_size: 1, position_embedding_type: 'absolute' });
  const buckets = raw.relative_attention_num_buckets ?? MPNET_DEFAULTS.relative_attention_num_buckets;
  if (typeof buckets !== 'number' || !Number.isInteger(buckets) || buckets < MPNET_POSITION_BUCKETS) {
    throw new EmbedlabError(
      `${source}: "relative_attention_num_buckets" must be an integer ≥ ${MPNET_POSITION_BUCKETS} (the buckets MPNet computes), got ${JSON.stringify(buckets)}`,
    );
  }
  const usable = bertLike.maxPositionEmbeddings - MPNET_PADDING_IDX - 1;
  if (usable <= 0) throw new EmbedlabError(`${source}: max_position_embeddings ${bertLike.maxPositionEmbeddings} leaves no positions after padding_idx 1`);
  return { ...bertLike, maxSequenceLength: usable, relativeAttentionNumBuckets: buckets };
}
