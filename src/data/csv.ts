import { parse } from 'csv-parse/sync';
import { EmbedlabError } from '../util/errors';
import { readText } from '../util/readText';
import type { DataRecord } from './records';

export interface CsvOptions {
  /**
   * Field separator.
   * @default `,` (`\t` for `.tsv` files through `loadRecords`)
   */
  delimiter?: string;
  /** Columns that must be present; a missing one is an error listing the columns found. */
  requiredColumns?: string[];
}

/**
 * Parses CSV with a header row (RFC 4180: quoted fields, doubled quotes,
 * embedded newlines; a UTF-8 BOM and CRLF line ends are accepted). Every value
 * is a string; an empty field is `""`.
 *
 * @example
 * parseCsv('question,context\r\n"What, exactly?","Line one\nline two"\r\n', { source: 'qa.csv' });
 * // [{ question: 'What, exactly?', context: 'Line one\nline two' }]
 */
export function parseCsv(text: string, options: CsvOptions & { source: string }): DataRecord[] {
  let records: DataRecord[];
  let header: string[] = [];
  try {
    records = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ',',
      columns: (names: string[]) => (header = names.map((n) => n.trim())),
      skip_empty_lines: true,
      relax_column_count: false,
    }) as DataRecord[];
  } catch (error) {
    const e = error as Error & { lines?: number; code?: string };
    const where = e.lines !== undefined ? ` line ${e.lines}` : '';
    throw new EmbedlabError(`${options.source}${where}: cannot parse CSV: ${e.message}`, { cause: error });
  }
  for (const column of options.requiredColumns ?? []) {
    if (!header.includes(column)) {
      throw new EmbedlabError(`${options.source}: missing column "${column}"; columns found: ${header.join(', ') || '(none)'}`);
    }
  }
  return records;
}

/** Reads a CSV (or, with `delimiter: '\t'`, TSV) file; see {@link parseCsv}. */
export function readCsv(path: string, options: CsvOptions = {}): DataRecord[] {
  return parseCsv(readText(path), { ...options, source: path });
}
