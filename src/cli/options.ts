/**
 * Typed parsers for command-line option values. Each returns `undefined` for
 * an option that was not given (so `?? default` picks the default) and throws
 * an {@link EmbedlabError} that names the flag, the rule and the bad value.
 *
 * @example
 * const epochs = intOption(values.epochs, '--epochs', { min: 1 }) ?? 3;
 * const lr = numberOption(values.lr, '--lr', { above: 0 });
 * const dims = dimsOption(values.dims, '--dims'); // "768,512,256" → [768, 512, 256]
 */
import type { ColumnMapping } from '../data/rowFormats';
import { EmbedlabError } from '../util/errors';

export interface NumberBounds {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** The value must be greater than this (exclusive). */
  above?: number;
  /** What a good value is, for the error message, when the bounds alone do not say it well. */
  expected?: string;
}

/** "a positive integer", "an integer ≥ 0", "a finite positive number", "a finite number ≥ 0", … */
function describe(kind: 'integer' | 'number', bounds: NumberBounds): string {
  if (bounds.expected) return bounds.expected;
  const noun = kind === 'integer' ? 'integer' : 'finite number';
  const positive = kind === 'integer' ? 'positive integer' : 'finite positive number';
  if ((kind === 'integer' && bounds.min === 1) || (bounds.min === undefined && bounds.above === 0)) return `a ${positive}`;
  const article = kind === 'integer' ? 'an' : 'a';
  if (bounds.min !== undefined) return `${article} ${noun} ≥ ${bounds.min}`;
  if (bounds.above !== undefined) return `${article} ${noun} > ${bounds.above}`;
  return `${article} ${noun}`;
}

function parse(value: string, flag: string, kind: 'integer' | 'number', bounds: NumberBounds): number {
  const n = Number(value);
  const ok =
    value.trim() !== '' && // Number('') is 0
    (kind === 'integer' ? Number.isInteger(n) : Number.isFinite(n)) &&
    (bounds.min === undefined || n >= bounds.min) &&
    (bounds.above === undefined || n > bounds.above);
  if (!ok) throw new EmbedlabError(`${flag} must be ${describe(kind, bounds)}, got "${value}"`);
  return n;
}

/** A whole number, e.g. `intOption(values['batch-size'], '--batch-size', { min: 1 })`. */
export function intOption(value: string, flag: string, bounds?: NumberBounds): number;
export function intOption(value: string | undefined, flag: string, bounds?: NumberBounds): number | undefined;
export function intOption(value: string | undefined, flag: string, bounds: NumberBounds = {}): number | undefined {
  return value === undefined ? undefined : parse(value, flag, 'integer', bounds);
}

/** A finite number, e.g. `numberOption(values['warmup-ratio'], '--warmup-ratio', { min: 0 })`. */
export function numberOption(value: string, flag: string, bounds?: NumberBounds): number;
export function numberOption(value: string | undefined, flag: string, bounds?: NumberBounds): number | undefined;
export function numberOption(value: string | undefined, flag: string, bounds: NumberBounds = {}): number | undefined {
  return value === undefined ? undefined : parse(value, flag, 'number', bounds);
}

/** A comma-separated list of embedding dimensions (positive integers), e.g. `768,512,256,128,64`. */
export function dimsOption(value: string, flag: string): number[];
export function dimsOption(value: string | undefined, flag: string): number[] | undefined;
export function dimsOption(value: string | undefined, flag: string): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((part) => {
    const n = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(n) || n < 1) {
      throw new EmbedlabError(`${flag}: "${part}" is not a positive integer (example: ${flag} 768,512,256,128,64)`);
    }
    return n;
  });
}

const MAPPING_KEYS = ['anchor', 'positive', 'negatives', 'score', 'id'] as const;

/**
 * An explicit column mapping for data whose column names are not detected,
 * e.g. `anchor=title,positive=body` or `anchor=q,positive=doc,negatives=hn1+hn2`
 * (`+` joins several negative columns).
 */
export function columnsOption(value: string | undefined, flag: string): ColumnMapping | undefined {
  if (value === undefined) return undefined;
  const mapping: Partial<Record<(typeof MAPPING_KEYS)[number], string | string[]>> = {};
  for (const part of value.split(',')) {
    const [key, column, extra] = part.split('=').map((s) => s.trim());
    if (!key || !column || extra !== undefined || !(MAPPING_KEYS as readonly string[]).includes(key)) {
      throw new EmbedlabError(
        `${flag}: "${part}" is not key=column with key one of ${MAPPING_KEYS.join(', ')} (e.g. ${flag} anchor=question,positive=context)`,
      );
    }
    mapping[key as (typeof MAPPING_KEYS)[number]] = key === 'negatives' && column.includes('+') ? column.split('+') : column;
  }
  if (typeof mapping.anchor !== 'string' || typeof mapping.positive !== 'string') {
    throw new EmbedlabError(`${flag} must name at least anchor=… and positive=…, got "${value}"`);
  }
  return mapping as ColumnMapping;
}
