import { EmbedlabError } from '../util/errors';
import { parseJsonLines } from '../data/jsonLines';
import { readText } from '../util/readText';

/**
 * Reads a FlagEmbedding candidate pool: JSON Lines of `{"text": "..."}`.
 * A line without a text is an error naming the file and line.
 *
 * @example
 * const mined = await mineHardNegatives(queries, { model }, { candidatePool: readCandidatePool('pool.jsonl') });
 */
export function readCandidatePool(path: string): string[] {
  const text = readText(path);
  const records = parseJsonLines(text, path);
  // record i came from the i-th non-blank line (parseJsonLines skips blank ones)
  const lineOf = text.split('\n').flatMap((l, i) => (l.trim() ? [i + 1] : []));
  return records.map((r, i) => {
    if (typeof r['text'] !== 'string') {
      throw new EmbedlabError(`${path} line ${lineOf[i]}: expected {"text": "..."}, got keys ${Object.keys(r).join(', ') || '(none)'}`);
    }
    return r['text'];
  });
}
