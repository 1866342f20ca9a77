/**
 * Maps the row formats users bring onto {@link TrainingRow}s.
 *
 * Formats, detected from the column names (first match wins):
 *
 * | format | columns |
 * |---|---|
 * | `flag-embedding` | `query`, `pos` (list) [, `neg` list, `pos_scores`, `neg_scores`, `prompt`, `type`] |
 * | `nemo` | `query` or `question`, `pos_doc` (string or list) [, `neg_doc` list or string, `query_id`, `doc_id`] |
 * | `sentence-transformers` | `anchor`, `positive` [, `negative` or `negative_1..n`, `score`, `id`] |
 * | `scored-pairs` | `sentence1`, `sentence2`, `score` or `label` (CoSENT / CosineSimilarity data) |
 * | `question-context` | `question`, `context` [, `id`] (the financial RAG dataset) |
 *
 * Other names: pass `columns: { anchor: 'question', positive: 'context' }`.
 *
 * Several positives (FlagEmbedding `pos`, NeMo `pos_doc` lists) expand to one
 * row per positive, each with all of the record's negatives and its own
 * teacher score — every positive is trained on, as FlagEmbedding's sampler
 * draws each of them over time; `multiplePositives: 'first'` keeps only the first.
 * A FlagEmbedding `prompt` is prepended to the query (its default
 * `"{}{}"` instruction format); `type` is not used.
 *
 * Empty or missing texts are never silently kept: by default such rows are
 * skipped with one warning listing their row numbers (1-based records);
 * `onEmpty: 'error'` rejects them, `'keep'` keeps them (still warning) to
 * reproduce workflows that did not clean their data.
 */
import * as aq from 'arquero';
import { EmbedlabError } from '../util/errors';
import type { TrainingRow } from './types';
import { columnsOf, type DataRecord } from './records';

/** The dataset layout {@link toTrainingRows} read: one of the detected formats, or `mapped` for an explicit column mapping. */
export type TrainingFormat = 'flag-embedding' | 'nemo' | 'sentence-transformers' | 'scored-pairs' | 'question-context' | 'mapped';

/** Which columns hold what, when the names are not one of the known formats. */
export interface ColumnMapping {
  anchor: string;
  positive: string;
  /** One column holding a list (or a single text), or several columns with one text each. */
  negatives?: string | string[];
  score?: string;
  id?: string;
}

/** Options of {@link toTrainingRows}. */
export interface TrainingRowsOptions {
  /** Explicit column mapping (skips detection). */
  columns?: ColumnMapping;
  /**
   * Skip, reject, or keep rows with empty or missing texts.
   * @default 'skip'
   */
  onEmpty?: 'skip' | 'error' | 'keep';
  /**
   * Several positives in one record: one row each (`expand`) or the first only.
   * @default 'expand'
   */
  multiplePositives?: 'expand' | 'first';
  /** Names the data in messages (a file name). */
  source?: string;
  /**
   * Receives the warnings about empty rows and repeated pairs.
   * @default `console.warn`
   */
  onWarning?: (message: string) => void;
}

/** A record whose text is empty or missing. */
export interface EmptyText {
  /** 1-based record number. */
  row: number;
  /** The source column(s) that were empty. */
  fields: string[];
}

/** What {@link toTrainingRows} produced, and what it left out. */
export interface TrainingRowsResult {
  rows: TrainingRow[];
  format: TrainingFormat;
  /** Records with empty or missing texts (skipped unless `onEmpty: 'keep'`). */
  empty: EmptyText[];
}

/** @deprecated Use {@link TrainingRowsOptions}. */
export type NormalizeOptions = TrainingRowsOptions;
/** @deprecated Use {@link TrainingRowsResult}. */
export type NormalizeResult = TrainingRowsResult;

const ACCEPTED =
  'query + pos[, neg, pos_scores, neg_scores, prompt] (FlagEmbedding); query|question + pos_doc[, neg_doc, query_id, doc_id] (NeMo); ' +
  'anchor + positive[, negative | negative_1..n] (sentence-transformers); sentence1 + sentence2 + score|label (scored pairs); ' +
  'question + context (question/context)';

/**
 * The format the column names say, or undefined.
 *
 * @example
 * detectFormat(['question', 'context', 'id']); // 'question-context'
 * detectFormat(['query', 'pos', 'neg']); // 'flag-embedding'
 */
export function detectFormat(columns: readonly string[]): Exclude<TrainingFormat, 'mapped'> | undefined {
  const has = (c: string) => columns.includes(c);
  if (has('query') && has('pos')) return 'flag-embedding';
  if ((has('query') || has('question')) && has('pos_doc')) return 'nemo';
  if (has('anchor') && has('positive')) return 'sentence-transformers';
  if (has('sentence1') && has('sentence2') && (has('score') || has('label'))) return 'scored-pairs';
  if (has('question') && has('context')) return 'question-context';
  return undefined;
}

/** Raw pieces of one record before the empty-text check. */
interface Candidate {
  anchor: [field: string, value: unknown];
  positives: [field: string, value: unknown][];
  negatives: [field: string, value: unknown][];
  score?: [field: string, value: unknown];
  positiveScores?: unknown;
  negativeScores?: unknown;
  id?: unknown;
  prompt?: unknown;
}

function listOf(field: string, value: unknown): [string, unknown][] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v, i) => [`${field}[${i}]`, v]);
  return [[field, value]];
}

function negativeColumns(columns: readonly string[]): string[] {
  const numbered = columns
    .map((c) => /^negative_(\d+)$/.exec(c))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => m[0]);
  return [...(columns.includes('negative') ? ['negative'] : []), ...numbered];
}

/** The negative columns a mapping names: one, several, or none. */
function mappedNegatives(m: ColumnMapping): string[] {
  return m.negatives === undefined ? [] : [m.negatives].flat();
}

function extractor(format: TrainingFormat, columns: readonly string[], mapping?: ColumnMapping): (r: DataRecord) => Candidate {
  switch (format) {
    case 'flag-embedding':
      return (r) => ({
        anchor: ['query', r['query']],
        positives: listOf('pos', r['pos']),
        negatives: listOf('neg', r['neg']),
        positiveScores: r['pos_scores'],
        negativeScores: r['neg_scores'],
        prompt: r['prompt'],
        id: r['id'],
      });
    case 'nemo': {
      const queryField = columns.includes('query') ? 'query' : 'question';
      return (r) => ({
        anchor: [queryField, r[queryField]],
        positives: listOf('pos_doc', r['pos_doc']),
        negatives: listOf('neg_doc', r['neg_doc']),
        id: r['query_id'],
      });
    }
    case 'sentence-transformers': {
      const negatives = negativeColumns(columns);
      return (r) => ({
        anchor: ['anchor', r['anchor']],
        positives: [['positive', r['positive']]],
        negatives: negatives.flatMap((c) => listOf(c, r[c])),
        score: columns.includes('score') ? ['score', r['score']] : undefined,
        id: r['id'],
      });
    }
    case 'scored-pairs': {
      const scoreField = columns.includes('score') ? 'score' : 'label';
      return (r) => ({
        anchor: ['sentence1', r['sentence1']],
        positives: [['sentence2', r['sentence2']]],
        negatives: [],
        score: [scoreField, r[scoreField]],
        id: r['id'],
      });
    }
    case 'question-context':
      return (r) => ({ anchor: ['question', r['question']], positives: [['context', r['context']]], negatives: [], id: r['id'] });
    case 'mapped': {
      const m = mapping!;
      const negatives = mappedNegatives(m);
      return (r) => ({
        anchor: [m.anchor, r[m.anchor]],
        positives: listOf(m.positive, r[m.positive]),
        negatives: negatives.flatMap((c) => listOf(c, r[c])),
        score: m.score ? [m.score, r[m.score]] : undefined,
        id: m.id ? r[m.id] : r['id'],
      });
    }
  }
}

function isEmptyText(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function text(source: string, row: number, field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new EmbedlabError(`${source} row ${row}, field "${field}": expected text, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

/** A finite number, or a string holding one (CSV cells are strings). */
function toNumber(source: string, row: number, field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new EmbedlabError(`${source} row ${row}, field "${field}": expected a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

function numberList(source: string, row: number, field: string, value: unknown): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((v, i) => toNumber(source, row, `${field}[${i}]`, v));
}

function formatEmpty(list: EmptyText[]): string {
  const shown = list.slice(0, 20).map((e) => `row ${e.row} (${e.fields.join(', ')})`);
  return shown.join(', ') + (list.length > 20 ? `, … and ${list.length - 20} more` : '');
}

/**
 * Converts records (or an arquero table) to training rows; see the module
 * comment for the formats and rules.
 *
 * @example
 * const { records } = await loadRecords('financial-rag.jsonl');
 * const { rows, empty } = toTrainingRows(records, { source: 'financial-rag.jsonl' });
 * // question/context detected; rows with an empty question or context skipped and listed in `empty`
 * toTrainingRows(records, { columns: { anchor: 'title', positive: 'body' } });
 */
export function toTrainingRows(data: readonly DataRecord[] | aq.ColumnTable, options: TrainingRowsOptions = {}): TrainingRowsResult {
  const records: DataRecord[] = Array.isArray(data) ? (data as DataRecord[]) : ((data as aq.ColumnTable).objects() as DataRecord[]);
  const source = options.source ?? 'data';
  if (records.length === 0) throw new EmbedlabError(`${source} has no records (it is empty); give a file with one record per row`);
  const columns = columnsOf(records);
  let format: TrainingFormat;
  if (options.columns) {
    const m = options.columns;
    const needed = [m.anchor, m.positive, ...mappedNegatives(m), ...(m.score ? [m.score] : []), ...(m.id ? [m.id] : [])];
    for (const name of needed) {
      if (!columns.includes(name)) {
        throw new EmbedlabError(`${source}: column "${name}" from the column mapping is not in the data; columns found: ${columns.join(', ') || '(none)'}`);
      }
    }
    format = 'mapped';
  } else {
    const detected = detectFormat(columns);
    if (!detected) {
      const beir = columns.includes('_id') && columns.includes('text') ? ' (this looks like a BEIR corpus or queries file: use loadBeir)' : '';
      throw new EmbedlabError(
        `${source}: cannot tell the dataset format from its columns${beir}. Columns found: ${columns.join(', ') || '(none)'}. ` +
          `Accepted: ${ACCEPTED}; or pass a column mapping such as { anchor: 'question', positive: 'context' }`,
      );
    }
    format = detected;
  }
  const extract = extractor(format, columns, options.columns);
  const positiveField = { 'flag-embedding': 'pos', nemo: 'pos_doc', 'sentence-transformers': 'positive', 'scored-pairs': 'sentence2', 'question-context': 'context', mapped: options.columns?.positive ?? '' }[format];
  const onEmpty = options.onEmpty ?? 'skip';
  const expand = (options.multiplePositives ?? 'expand') === 'expand';
  const rows: TrainingRow[] = [];
  const empty: EmptyText[] = [];

  records.forEach((record, index) => {
    const row = index + 1;
    const c = extract(record);
    const fields = [c.anchor, ...c.positives, ...c.negatives];
    const emptyFields = fields.filter(([, v]) => isEmptyText(v)).map(([f]) => f);
    if (!c.positives.length) emptyFields.push(positiveField);
    if (emptyFields.length) {
      empty.push({ row, fields: [...new Set(emptyFields)] });
      if (onEmpty !== 'keep') return;
    }
    const asText = ([f, v]: [string, unknown]) => (isEmptyText(v) ? '' : text(source, row, f, v));
    const prompt = c.prompt === undefined || c.prompt === null ? '' : text(source, row, 'prompt', c.prompt);
    const anchor = prompt + asText(c.anchor);
    const negatives = c.negatives.map(asText);
    const score = c.score ? toNumber(source, row, c.score[0], c.score[1]) : undefined;
    const posScores = numberList(source, row, 'pos_scores', c.positiveScores);
    const negScores = numberList(source, row, 'neg_scores', c.negativeScores);
    const id = c.id === undefined || c.id === null ? undefined : String(c.id);
    const positives = c.positives.length ? c.positives : [['', ''] as [string, unknown]];
    (expand ? positives : positives.slice(0, 1)).forEach((positive, j) => {
      const out: TrainingRow = { anchor, positive: asText(positive), negatives: [...negatives] };
      if (score !== undefined) out.score = score;
      if (posScores && negScores) out.teacherScores = [posScores[j] ?? posScores[0]!, ...negScores];
      if (id !== undefined) out.id = id;
      rows.push(out);
    });
  });

  if (empty.length) {
    const what = `${empty.length} row${empty.length > 1 ? 's' : ''} with empty or missing text: ${formatEmpty(empty)}`;
    if (onEmpty === 'error') throw new EmbedlabError(`${source}: ${what} (pass onEmpty: 'skip' to drop them)`);
    (options.onWarning ?? ((m: string) => console.warn(m)))(`${source}: ${onEmpty === 'keep' ? 'kept' : 'skipped'} ${what}`);
  }
  const repeats = repeatedPairs(rows);
  if (repeats.length) {
    const [first] = repeats;
    (options.onWarning ?? ((m: string) => console.warn(m)))(
      `${source}: ${repeats.length} pair${repeats.length > 1 ? 's repeat' : ' repeats'} an earlier one (same anchor and positive; ` +
        `e.g. pair ${first!.row} repeats pair ${first!.of}). Duplicates can land on both sides of a train/test split ` +
        `and act as false negatives in a batch; dedupeRows(rows) drops them.`,
    );
  }
  return { rows, format, empty };
}

/** Rows (1-based) whose anchor and positive repeat an earlier row's. */
function repeatedPairs(rows: readonly TrainingRow[]): { row: number; of: number }[] {
  const first = new Map<string, number>();
  const repeats: { row: number; of: number }[] = [];
  rows.forEach((r, i) => {
    const key = `${r.anchor}\u0000${r.positive}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i + 1);
    else repeats.push({ row: i + 1, of: earlier });
  });
  return repeats;
}
