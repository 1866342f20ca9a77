import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EmbedlabError } from '../util/errors';
import { readJsonFile } from '../util/readJson';
import { readText } from '../util/readText';
import { readDataFile } from './load';
import type { IRSet, TrainingRow } from './types';

/** query id → (document id → graded relevance). */
export type Qrels = Map<string, Map<string, number>>;

/**
 * Reads relevance judgements:
 * - `.tsv` as BEIR writes it: `query-id  corpus-id  score` with a header row
 *   (a file without header is accepted too);
 * - `.json` as `{ qid: { docid: score } }` (pytrec_eval / BEIR in memory) or `{ qid: [docid, …] }`.
 *
 * @example
 * const qrels = readQrels('scifact/qrels/test.tsv');
 */
export function readQrels(path: string): Qrels {
  const qrels: Qrels = new Map();
  const add = (row: string, qid: unknown, docid: unknown, score: unknown) => {
    const s = typeof score === 'string' ? Number(score) : score;
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      throw new EmbedlabError(`${path} ${row}: relevance score ${JSON.stringify(score)} is not a number`);
    }
    if (qid === undefined || qid === '' || docid === undefined || docid === '') {
      throw new EmbedlabError(`${path} ${row}: missing query id or document id`);
    }
    let docs = qrels.get(String(qid));
    if (!docs) qrels.set(String(qid), (docs = new Map()));
    docs.set(String(docid), s);
  };
  if (path.toLowerCase().endsWith('.json')) {
    const parsed = readJsonFile<unknown>(path);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new EmbedlabError(`${path}: expected { query id: { document id: score } } or { query id: [document ids] }`);
    }
    for (const [qid, docs] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(docs)) docs.forEach((d) => add(`query "${qid}"`, qid, d, 1));
      else if (docs && typeof docs === 'object') for (const [d, s] of Object.entries(docs)) add(`query "${qid}"`, qid, d, s);
      else throw new EmbedlabError(`${path} query "${qid}": expected an object or a list of document ids`);
    }
    return qrels;
  }
  const text = readText(path).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const fields = line.split('\t');
    if (i === 0 && !/^-?\d+(\.\d+)?$/.test((fields[2] ?? '').trim()) && /id/i.test(fields[0] ?? '')) return; // header
    if (fields.length < 3) throw new EmbedlabError(`${path} line ${i + 1}: expected query-id<TAB>corpus-id<TAB>score`);
    add(`line ${i + 1}`, fields[0]!.trim(), fields[1]!.trim(), fields[2]!.trim());
  });
  return qrels;
}

/**
 * Reads a BEIR `corpus.jsonl` / `queries.jsonl` (or any data file with `_id`
 * or `id` and `text`, optionally `title`) as id → text, in file order.
 * `what` names a record in error messages (default `record`).
 *
 * @example
 * const corpus = await readBeirTexts('scifact/corpus.jsonl', { what: 'document' }); // id → "title text"
 */
export async function readBeirTexts(path: string, options: { includeTitle?: boolean; what?: string } = {}): Promise<Map<string, string>> {
  const what = options.what ?? 'record';
  const includeTitle = options.includeTitle ?? true;
  const out = new Map<string, string>();
  (await readDataFile(path)).forEach((r, i) => {
    const id = r['_id'] ?? r['id'];
    if (id === undefined || id === null || id === '') {
      throw new EmbedlabError(`${path} row ${i + 1}: ${what} has no "_id"`);
    }
    const body = typeof r['text'] === 'string' ? r['text'] : '';
    const title = includeTitle && typeof r['title'] === 'string' ? r['title'] : '';
    if (out.has(String(id))) throw new EmbedlabError(`${path} row ${i + 1}: ${what} id "${String(id)}" repeats`);
    out.set(String(id), title ? `${title} ${body}`.trim() : body);
  });
  return out;
}

/** What {@link buildIRSetFromQrels} / {@link loadBeir} found wrong with the qrels. */
export interface QrelsReport {
  /** Judgements whose query id is not among the queries (dropped: they cannot be evaluated). */
  unknownQueries: number;
  /** Judgements whose document id is not in the corpus (kept: they count in |R| but are never retrieved). */
  unknownDocuments: number;
  /** Judgements with score ≤ 0 (not relevant under binary relevance). */
  nonPositive: number;
  /** A few of the unknown ids, for the message. */
  examples: string[];
}

/**
 * Queries + corpus + qrels → an {@link IRSet} (binary relevance: score > 0).
 * Unknown ids are counted and reported through `onWarning`, never silently.
 *
 * @example
 * const { irSet, report } = buildIRSetFromQrels(queries, corpus, readQrels('qrels/test.tsv'), { source: 'qrels/test.tsv' });
 */
export function buildIRSetFromQrels(
  queries: Map<string, string>,
  corpus: Map<string, string>,
  qrels: Qrels,
  options: { source?: string; onWarning?: (message: string) => void } = {},
): { irSet: IRSet; report: QrelsReport } {
  const report: QrelsReport = { unknownQueries: 0, unknownDocuments: 0, nonPositive: 0, examples: [] };
  const relevantDocs = new Map<string, Set<string>>();
  for (const [qid, docs] of qrels) {
    for (const [docid, score] of docs) {
      if (score <= 0) {
        report.nonPositive += 1;
        continue;
      }
      if (!queries.has(qid)) {
        report.unknownQueries += 1;
        if (report.examples.length < 5) report.examples.push(`query "${qid}"`);
        continue;
      }
      if (!corpus.has(docid)) {
        report.unknownDocuments += 1;
        if (report.examples.length < 5) report.examples.push(`document "${docid}"`);
      }
      let set = relevantDocs.get(qid);
      if (!set) relevantDocs.set(qid, (set = new Set()));
      set.add(docid);
    }
  }
  if (report.unknownQueries || report.unknownDocuments) {
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    warn(
      `${options.source ?? 'qrels'}: ${report.unknownQueries} judgement(s) name queries not in the queries file (dropped), ` +
        `${report.unknownDocuments} name documents not in the corpus (kept: they count as relevant but cannot be retrieved); ` +
        `e.g. ${report.examples.join(', ')}`,
    );
  }
  return { irSet: { queries, corpus, relevantDocs }, report };
}

/** The three files of a BEIR dataset, for {@link loadBeir} when they are not in the usual folder layout. */
export interface BeirFiles {
  corpus: string;
  queries: string;
  qrels: string;
}

/**
 * Loads a BEIR dataset: a folder with `corpus.jsonl` (`_id`, `title`, `text`),
 * `queries.jsonl` (`_id`, `text`) and `qrels/<split>.tsv`, or the three paths.
 * Documents are `title + " " + text` (as sentence-transformers' BEIR
 * evaluators build them) unless `includeTitle` is false.
 *
 * @example
 * const { irSet, report } = await loadBeir('scifact', { split: 'test' });
 */
export async function loadBeir(
  folderOrFiles: string | BeirFiles,
  options: { split?: string; includeTitle?: boolean; onWarning?: (message: string) => void } = {},
): Promise<{ irSet: IRSet; report: QrelsReport }> {
  const files: BeirFiles =
    typeof folderOrFiles === 'string'
      ? {
          corpus: join(folderOrFiles, 'corpus.jsonl'),
          queries: join(folderOrFiles, 'queries.jsonl'),
          qrels: join(folderOrFiles, 'qrels', `${options.split ?? 'test'}.tsv`),
        }
      : folderOrFiles;
  for (const [what, path] of Object.entries(files)) {
    if (!existsSync(path)) throw new EmbedlabError(`BEIR ${what} file ${path} does not exist`);
  }
  const corpus = await readBeirTexts(files.corpus, { what: 'document', includeTitle: options.includeTitle });
  const queries = await readBeirTexts(files.queries, { what: 'query', includeTitle: false });
  return buildIRSetFromQrels(queries, corpus, readQrels(files.qrels), { source: files.qrels, onWarning: options.onWarning });
}

/**
 * Training pairs from an IR set: one row per (query, relevant document that
 * is in the corpus), ids = query ids.
 *
 * @example
 * const { irSet } = await loadBeir('scifact', { split: 'train' });
 * const rows = irSetToTrainingRows(irSet); // [{ anchor: query, positive: document, negatives: [], id: query id }, …]
 */
export function irSetToTrainingRows(irSet: IRSet): TrainingRow[] {
  const rows: TrainingRow[] = [];
  for (const [qid, query] of irSet.queries) {
    for (const docid of irSet.relevantDocs.get(qid) ?? []) {
      const doc = irSet.corpus.get(docid);
      if (doc !== undefined) rows.push({ anchor: query, positive: doc, negatives: [], id: qid });
    }
  }
  return rows;
}
