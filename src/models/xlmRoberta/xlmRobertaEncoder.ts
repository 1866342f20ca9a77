/**
 * An XLM-RoBERTa / RoBERTa encoder (`XLMRobertaModel`, `RobertaModel`): BERT's
 * layers and weight names, with RoBERTa position ids — real tokens count
 * from `pad_token_id + 1`, padding sits at `pad_token_id` — and a single
 * token type.
 *
 * @example
 * const encoder = XlmRobertaEncoder.fromTensors(parseXlmRobertaConfig(raw, 'config.json'), loadModelWeights(dir), dir);
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../../tokenizer/types';
import { BertEncoder } from '../bert/bertEncoder';
import type { BertConfig } from '../bert/config';
import { bertVariables } from '../bert/weights';
import { embeddingLookup } from '../ops';
import type { HostTensor } from '../safetensors/dtypes';
import { paddedPositionIds } from '../transformer/positions';

export class XlmRobertaEncoder extends BertEncoder {
  /** Builds the encoder from checkpoint tensors (names with or without `roberta.`). */
  static override fromTensors(config: BertConfig, tensors: Map<string, HostTensor>, source: string): XlmRobertaEncoder {
    return new XlmRobertaEncoder(config, bertVariables(config, tensors, source, { prefix: 'roberta', architecture: 'XLM-RoBERTa' }));
  }

  protected override positionEmbeddings(batch: TokenBatch): tf.Tensor {
    const ids = tf.tensor1d(paddedPositionIds(batch, this.config.padTokenId), 'int32');
    const rows = embeddingLookup(this.matrix('embeddings.position_embeddings.weight'), ids);
    return tf.reshape(rows, [batch.batchSize, batch.seqLength, this.config.hiddenSize]);
  }
}
