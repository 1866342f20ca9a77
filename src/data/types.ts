/**
 * One training example after format normalisation. Every loader (sentence-
 * transformers, question/context, NeMo, FlagEmbedding, BEIR, CoSENT pairs)
 * produces this shape.
 */
export interface TrainingRow {
  /** The query / first sentence. */
  anchor: string;
  /** The relevant passage / second sentence. */
  positive: string;
  /** Hard negatives, in column order (`negative_1`, `negative_2`, …). */
  negatives: string[];
  /** Similarity label for scored pairs (CoSENT), when the data has one. */
  score?: number;
  /** Teacher scores for distillation: `[positive, ...negatives]`. */
  teacherScores?: number[];
  /** Source id, when the data carries one. */
  id?: string;
}

/** Queries, corpus and relevance judgements for retrieval evaluation. */
export interface IRSet {
  /** query id → query text, in a stable order. */
  queries: Map<string, string>;
  /** corpus id → document text, in a stable order. */
  corpus: Map<string, string>;
  /** query id → ids of its relevant documents (ids may be absent from the corpus). */
  relevantDocs: Map<string, Set<string>>;
}
