import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import * as aq from 'arquero';
import { resolveDataset } from '../hub';
import type { HubOptions } from '../hub/options';
import { EmbedlabError } from '../util/errors';
import { readCsv } from './csv';
import { readJsonRecords } from './json';
import { readJsonLines } from './jsonLines';
import { readParquet } from './parquet';
import { columnsOf, type DataRecord } from './records';

/** A data file format; by default it follows the file extension (`.ndjson` reads as `jsonl`). */
export type DataFormat = 'json' | 'jsonl' | 'csv' | 'tsv' | 'parquet';

const EXTENSIONS: Record<string, DataFormat> = {
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.parquet': 'parquet',
};

/** Options of {@link loadRecords} and {@link loadTable}. */
export interface LoadOptions {
  /** Read files as this format whatever their extension. */
  format?: DataFormat;
  /**
   * For a folder or a hub dataset: the split to load, matched against file
   * paths (`train` matches `data/train-00000-of-00001.parquet`, `train.jsonl`).
   * Default: `train` files when there are any, else every data file.
   */
  split?: string;
  /** CSV columns that must be present. */
  requiredColumns?: string[];
  /** Hub options (revision, cache folder, endpoint, token, offline) for dataset ids. */
  hub?: HubOptions;
  /** Receives the note about files that repeat another file's records. Default: `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Rows of one or more data files, with where they came from. */
export interface LoadedRecords {
  records: DataRecord[];
  /** The files read, in order. */
  files: string[];
}

/** Reads one data file by extension (or `format`). */
export async function readDataFile(path: string, options: Pick<LoadOptions, 'format' | 'requiredColumns'> = {}): Promise<DataRecord[]> {
  const format = options.format ?? EXTENSIONS[extname(path).toLowerCase()];
  switch (format) {
    case 'json':
      return readJsonRecords(path);
    case 'jsonl':
      return readJsonLines(path);
    case 'csv':
      return readCsv(path, { requiredColumns: options.requiredColumns });
    case 'tsv':
      return readCsv(path, { delimiter: '\t', requiredColumns: options.requiredColumns });
    case 'parquet':
      return readParquet(path);
    default:
      throw new EmbedlabError(
        `${path}: unknown data file type "${extname(path)}"; use ${Object.keys(EXTENSIONS).join(', ')} or pass format`,
      );
  }
}

function dataFilesIn(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (EXTENSIONS[extname(entry.name).toLowerCase()]) out.push(path);
    }
  };
  walk(folder);
  return out;
}

function pickSplit(folder: string, files: string[], split: string | undefined): string[] {
  const matches = (name: string) => {
    // the split name as a whole word of a path part; taken literally, not as a pattern
    const word = new RegExp(`(^|[-_.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([-_.]|$)`);
    return files.filter((f) => relative(folder, f).split(/[\\/]/).some((part) => word.test(part)));
  };
  if (split) {
    const chosen = matches(split);
    if (!chosen.length) {
      throw new EmbedlabError(`no "${split}" split in ${folder}; data files: ${files.map((f) => relative(folder, f)).join(', ')}`);
    }
    return chosen;
  }
  const train = matches('train');
  return train.length ? train : files;
}

/**
 * Loads the rows of a data file, a folder of data files, or a Hugging Face
 * dataset repo (downloaded into the hub cache through `resolveDataset`, with
 * the same cache and `HF_*` environment rules as models).
 *
 * @example
 * const { records } = await loadRecords('philschmid/finanical-rag-embedding-dataset');
 * const { records: local } = await loadRecords('data/train.jsonl');
 */
export async function loadRecords(pathOrId: string, options: LoadOptions = {}): Promise<LoadedRecords> {
  let files: string[];
  if (existsSync(pathOrId) && statSync(pathOrId).isFile()) {
    files = [pathOrId];
  } else if (!existsSync(pathOrId) && EXTENSIONS[extname(pathOrId).toLowerCase()]) {
    throw new EmbedlabError(`data file ${pathOrId} does not exist`);
  } else {
    const folder = await resolveDataset(pathOrId, options.hub);
    const all = dataFilesIn(folder);
    if (!all.length) throw new EmbedlabError(`no data files (${Object.keys(EXTENSIONS).join(', ')}) in ${folder}`);
    files = pickSplit(folder, all, options.split);
  }
  const read: { file: string; records: DataRecord[] }[] = [];
  for (const file of files) read.push({ file, records: await readDataFile(file, options) });
  const kept = files.length > 1 ? dropRepeatedFiles(read, options.onWarning ?? ((m) => console.warn(m))) : read;
  const records: DataRecord[] = [];
  for (const part of kept) for (const record of part.records) records.push(record);
  return { records, files: kept.map((part) => part.file) };
}

const FORMAT_PREFERENCE: DataFormat[] = ['parquet', 'jsonl', 'json', 'csv', 'tsv'];

/** The records of `records` as text over `columns`, to compare files of different formats. */
function projected(records: readonly DataRecord[], columns: string[]): string[] {
  return records.map((r) => JSON.stringify(columns.map((c) => (r[c] === undefined || r[c] === null ? '' : String(r[c])))));
}

/**
 * A folder often holds one dataset in several formats (a CSV export beside
 * the JSON Lines file). Reading both would load every record twice — and
 * put copies on both sides of a train/test split. When a file's records
 * (over the columns both files have) are, to 95% or more, another file's,
 * only one is kept: the one with more columns, else by format
 * (parquet, jsonl, json, csv, tsv). The note says which.
 */
function dropRepeatedFiles(
  read: { file: string; records: DataRecord[] }[],
  warn: (message: string) => void,
): { file: string; records: DataRecord[] }[] {
  const dropped = new Set<number>();
  const rank = (file: string) => FORMAT_PREFERENCE.indexOf(EXTENSIONS[extname(file).toLowerCase()] ?? 'tsv');
  for (let i = 0; i < read.length; i++) {
    for (let j = i + 1; j < read.length; j++) {
      if (dropped.has(i) || dropped.has(j)) continue;
      const a = read[i]!;
      const b = read[j]!;
      if (extname(a.file).toLowerCase() === extname(b.file).toLowerCase()) continue;
      const columnsA = columnsOf(a.records);
      const columnsB = columnsOf(b.records);
      const common = columnsA.filter((c) => columnsB.includes(c));
      if (!common.length || !a.records.length || !b.records.length) continue;
      const [small, large] = a.records.length <= b.records.length ? [a, b] : [b, a];
      const inLarge = new Set(projected(large.records, common));
      const shared = projected(small.records, common).filter((key) => inLarge.has(key)).length;
      if (shared < 0.95 * small.records.length) continue;
      const keepA = columnsA.length !== columnsB.length ? columnsA.length > columnsB.length : rank(a.file) <= rank(b.file);
      const [keep, drop] = keepA ? [a, b] : [b, a];
      dropped.add(keepA ? j : i);
      warn(
        `${basename(drop.file)} holds the same ${shared} records as ${basename(keep.file)} (columns ${common.join(', ')}): ` +
          `loaded ${basename(keep.file)} only; pass ${drop.file} itself to load that one instead`,
      );
    }
  }
  return read.filter((_, i) => !dropped.has(i));
}

/**
 * {@link loadRecords} as an arquero table (columns in first-seen order).
 *
 * @example
 * const table = await loadTable('train.csv');
 * table.select('question', 'context').print();
 */
export async function loadTable(pathOrId: string, options: LoadOptions = {}): Promise<aq.ColumnTable> {
  return recordsToTable((await loadRecords(pathOrId, options)).records);
}

/** Rows → arquero table; a column missing from some rows is `undefined` there. */
export function recordsToTable(records: readonly DataRecord[]): aq.ColumnTable {
  const columns: Record<string, unknown[]> = {};
  for (const name of columnsOf(records)) columns[name] = records.map((r) => r[name]);
  return aq.table(columns);
}
