import { EmbedlabError } from '../util/errors';
import type { IRSet, TrainingRow } from './types';

/**
 * Gives each row `id = String(index)` — the reference workflow's
 * `add_column("id", range(len(dataset)))`, done before splitting so query i
 * and document i share an id.
 *
 * @example
 * const { train, test } = trainTestSplit(addIds(rows), { testSize: 0.1, seed: 42 });
 */
export function addIds(rows: readonly TrainingRow[]): TrainingRow[] {
  return rows.map((row, i) => ({ ...row, id: String(i) }));
}

/** Options of {@link buildIRSet}. */
export interface BuildIRSetOptions {
  /**
   * Merge identical document texts into one corpus entry.
   * @default true
   */
  mergeDuplicates?: boolean;
}

/**
 * The retrieval set of the financial-RAG workflow: corpus = the positives of
 * train + test (in that order), queries = the test anchors, and the relevant
 * document of query i is document i (ids from `row.id`, else the position in
 * train + test).
 *
 * Identical document texts are merged (default): the first occurrence keeps
 * its id and every query whose positive had that text points to it. Without
 * merging, a query whose context appears twice would see its duplicate
 * ranked as a false miss — the financial data has 6,757 distinct contexts in
 * its 7,000 rows (6,755 after the 2 rows with empty text are skipped).
 *
 * @example
 * const { train, test } = trainTestSplit(addIds(rows), { seed: 42 });
 * const irSet = buildIRSet(train, test);
 * irSet.corpus.size; // distinct contexts
 */
export function buildIRSet(train: readonly TrainingRow[], test: readonly TrainingRow[], options: BuildIRSetOptions = {}): IRSet {
  const merge = options.mergeDuplicates ?? true;
  const all = [...train, ...test];
  const ids = all.map((row, i) => row.id ?? String(i));
  const seenIds = new Set<string>();
  ids.forEach((id, i) => {
    if (seenIds.has(id)) throw new EmbedlabError(`row ${i + 1} of train + test repeats id "${id}"; ids must be unique (see addIds)`);
    seenIds.add(id);
  });
  const corpus = new Map<string, string>();
  const idOfText = new Map<string, string>();
  const docIdOf: string[] = all.map((row, i) => {
    const id = ids[i]!;
    if (merge) {
      const existing = idOfText.get(row.positive);
      if (existing !== undefined) return existing;
      idOfText.set(row.positive, id);
    }
    corpus.set(id, row.positive);
    return id;
  });
  const queries = new Map<string, string>();
  const relevantDocs = new Map<string, Set<string>>();
  test.forEach((row, t) => {
    const i = train.length + t;
    queries.set(ids[i]!, row.anchor);
    relevantDocs.set(ids[i]!, new Set([docIdOf[i]!]));
  });
  return { queries, corpus, relevantDocs };
}

/**
 * An {@link IRSet} from plain objects, shaped like the dicts
 * sentence-transformers' `InformationRetrievalEvaluator(queries, corpus, relevant_docs)` takes.
 *
 * @example
 * const irSet = irSetFromObjects({
 *   queries: { q1: 'What was revenue in 2023?' },
 *   corpus: { d1: 'Revenue was $4.3B.', d2: 'The auditor is …' },
 *   relevantDocs: { q1: ['d1'] },
 * });
 */
export function irSetFromObjects(objects: {
  queries: Record<string, string>;
  corpus: Record<string, string>;
  relevantDocs: Record<string, readonly string[] | ReadonlySet<string>>;
}): IRSet {
  return {
    queries: new Map(Object.entries(objects.queries)),
    corpus: new Map(Object.entries(objects.corpus)),
    relevantDocs: new Map(Object.entries(objects.relevantDocs).map(([q, docs]) => [q, new Set(docs)])),
  };
}
