import { EmbedlabError } from '../util/errors';
import { parseJsonLines } from './jsonLines';
import { readText } from '../util/readText';
import type { DataRecord } from './records';

/**
 * Parses a `.json` data file in any of the shapes datasets use:
 * - an array of records (`[{"anchor": …}, …]`, NeMo SBERT style);
 * - an object of equal-length columns (`{"anchor": [..], "positive": [..]}`);
 * - JSON Lines under a `.json` name — what Hugging Face `Dataset.to_json`
 *   writes by default, so the reference workflow's `train_dataset.json` loads;
 * - a single record object.
 *
 * @example
 * parseJsonRecords('{"q": ["a", "b"], "d": ["x", "y"]}', 'cols.json'); // [{ q: 'a', d: 'x' }, { q: 'b', d: 'y' }]
 */
export function parseJsonRecords(text: string, source: string): DataRecord[] {
  const body = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    // several top-level values: JSON Lines
    if (/^\s*\{/.test(body)) return parseJsonLines(body, source);
    throw new EmbedlabError(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw new EmbedlabError(`${source} row ${i + 1}: expected a JSON object, got ${JSON.stringify(item)?.slice(0, 80)}`);
      }
    });
    return value as DataRecord[];
  }
  if (value !== null && typeof value === 'object') return objectOfColumns(value as Record<string, unknown>, source);
  throw new EmbedlabError(`${source}: expected an array of records or an object of columns, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

function objectOfColumns(value: Record<string, unknown>, source: string): DataRecord[] {
  const entries = Object.entries(value);
  const isColumns = entries.length > 0 && entries.every(([, v]) => Array.isArray(v));
  if (!isColumns) return [value];
  const length = (entries[0]![1] as unknown[]).length;
  for (const [name, column] of entries) {
    if ((column as unknown[]).length !== length) {
      throw new EmbedlabError(
        `${source}: column "${name}" has ${(column as unknown[]).length} values but "${entries[0]![0]}" has ${length}`,
      );
    }
  }
  return Array.from({ length }, (_, i) => Object.fromEntries(entries.map(([name, column]) => [name, (column as unknown[])[i]])));
}

/** Reads a `.json` data file (see {@link parseJsonRecords}). */
export function readJsonRecords(path: string): DataRecord[] {
  return parseJsonRecords(readText(path), path);
}
