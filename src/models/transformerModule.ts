/**
 * The sentence-transformers `Transformer` module, under the name it had when
 * only BERT ran: `BertTransformer` is {@link Transformer}, which now loads every
 * supported architecture.
 */
export { Transformer, Transformer as BertTransformer, type TransformerLoadOptions } from './transformer/transformer';
