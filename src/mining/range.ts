import { EmbedlabError } from '../util/errors';

/**
 * Parses FlagEmbedding's `range_for_sampling` ("2-200"). Like `hn_mine`, the
 * two numbers slice the 0-based ranking as `ranked[start:end]`: "2-200" skips
 * the two best hits and samples from ranks 3…200 (1-based).
 *
 * @example
 * parseSamplingRange('2-200'); // [2, 200]
 */
export function parseSamplingRange(range: string | readonly [number, number]): [start: number, end: number] {
  const parts = typeof range === 'string' ? range.split('-').map((p) => p.trim()) : range.map(String);
  const [start, end] = parts.map(Number) as [number, number];
  if (parts.length !== 2 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
    throw new EmbedlabError(`range for sampling must look like "2-200" (start < end, both ≥ 0), got "${String(range)}"`);
  }
  return [start, end];
}
