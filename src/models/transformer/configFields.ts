import { EmbedlabError } from '../../util/errors';

/**
 * Typed readers of config.json fields (`merged`: the file over the
 * architecture's defaults), each a one-line error naming `source` and the
 * field when the value is not what the architecture needs.
 */
export function configFields(merged: Record<string, unknown>, source: string) {
  const fail = (key: string, what: string, v: unknown): never => {
    throw new EmbedlabError(`${source}: "${key}" must be ${what}, got ${JSON.stringify(v)}`);
  };
  return {
    positiveInt(key: string): number {
      const v = merged[key];
      return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fail(key, 'a positive integer', v);
    },
    positive(key: string, v: unknown = merged[key]): number {
      return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : fail(key, 'a positive number', v);
    },
    /** A dropout rate; a missing field is 0. */
    probability(key: string): number {
      const v = merged[key] ?? 0;
      return typeof v === 'number' && v >= 0 && v < 1 ? v : fail(key, 'in [0, 1)', v);
    },
    flag(key: string): boolean {
      const v = merged[key];
      return typeof v === 'boolean' ? v : fail(key, 'true or false', v);
    },
  };
}
