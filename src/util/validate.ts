/**
 * Argument checks for the public functions, so a wrong call from a notebook
 * (`loadModel(42)`, `model.encode(null)`) is one line that names the function
 * and the argument instead of a TypeError deep inside.
 *
 * @example
 * checkString(idOrPath, 'loadModel(idOrPath)');   // "loadModel(idOrPath) must be a string …, got 42"
 * checkTexts(texts, 'encode(texts)');
 */
import { EmbedlabError } from './errors';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

/** `value` is a non-empty string. */
export function checkString(value: unknown, name: string, what = 'a non-empty string'): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new EmbedlabError(`${name} must be ${what}, got ${describe(value)}`);
}

/** `value` is undefined or a plain object (an options bag). */
export function checkOptions(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new EmbedlabError(`${name} must be an options object, got ${describe(value)}`);
  }
}

/** `value` is an array of strings; the message names the first item that is not. */
export function checkTexts(value: unknown, name: string): asserts value is string[] {
  if (!Array.isArray(value)) throw new EmbedlabError(`${name} must be an array of strings, got ${describe(value)}`);
  const bad = value.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) throw new EmbedlabError(`${name}[${bad}] must be a string, got ${describe(value[bad])}`);
}

/** `value` is an array of objects (data rows). */
export function checkRowsArray(value: unknown, name: string): asserts value is object[] {
  if (!Array.isArray(value)) throw new EmbedlabError(`${name} must be an array of rows, got ${describe(value)}`);
  const bad = value.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r));
  if (bad >= 0) throw new EmbedlabError(`${name}[${bad}] must be a row object, got ${describe(value[bad])}`);
}

/** `value` looks like a sentence-embedding model (encode, forward, namedWeights). */
export function checkModelArgument(value: unknown, name: string, needs: readonly string[] = ['encode']): void {
  const missing = needs.filter((m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function');
  if (value === null || typeof value !== 'object' || missing.length) {
    throw new EmbedlabError(`${name} must be a model from loadModel() or createStaticModel(), got ${describe(value)}`);
  }
}

/**
 * Every value of an embedding matrix is finite; otherwise an error naming
 * `source`, the row (1-based, or its id) and the column of the first NaN/Inf.
 */
export function checkFiniteEmbeddings(matrix: { data: Float32Array; rows: number; cols: number }, source: string, ids?: readonly string[]): void {
  const { data, cols } = matrix;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      const row = Math.floor(i / cols);
      const name = ids?.[row] !== undefined ? `row ${row + 1} (id "${ids[row]}")` : `row ${row + 1}`;
      throw new EmbedlabError(`${source} ${name}, column ${(i % cols) + 1} is ${v}; embeddings must be finite numbers`);
    }
  }
}
