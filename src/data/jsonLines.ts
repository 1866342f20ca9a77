import { EmbedlabError } from '../util/errors';
import { readText } from '../util/readText';
import type { DataRecord } from './records';

/**
 * Parses JSON Lines: one JSON object per line; blank lines are skipped. A line
 * that is not a JSON object is an error naming the source and the line number.
 *
 * @example
 * parseJsonLines('{"a":1}\n{"a":2}\n', 'data.jsonl'); // [{ a: 1 }, { a: 2 }]
 */
export function parseJsonLines(text: string, source: string): DataRecord[] {
  const records: DataRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new EmbedlabError(`${source} line ${index + 1}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new EmbedlabError(`${source} line ${index + 1}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    }
    records.push(value as DataRecord);
  });
  return records;
}

/** Reads a `.jsonl` file (see {@link parseJsonLines}). */
export function readJsonLines(path: string): DataRecord[] {
  return parseJsonLines(readText(path), path);
}

// kept for callers that import it from here
