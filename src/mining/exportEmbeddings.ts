import { writeEmbeddings } from '../data/embeddings';
import type { SentenceEmbedder } from '../models/types';
import { join } from 'node:path';
import { checkOutput, prepareOutputFolder } from '../util/outputs';

/**
 * Encodes queries and documents and writes them in the NeMo inference layout:
 * `<dir>/queries.npy` + `queries.ids` and `<dir>/docs.npy` + `docs.ids`
 * (float32, one id per line), each file written atomically.
 *
 * @example
 * await exportEmbeddings(model, { queries: irSet.queries, docs: irSet.corpus }, 'emb', { queryPrompt: 'query: ' });
 * // then: embedlab evaluate --query-embeddings emb/queries.npy --corpus-embeddings emb/docs.npy --qrels …
 */
export async function exportEmbeddings(
  model: SentenceEmbedder,
  sets: { queries?: ReadonlyMap<string, string>; docs?: ReadonlyMap<string, string> },
  dir: string,
  options: { queryPrompt?: string; docPrompt?: string; batchSize?: number; overwrite?: boolean } = {},
): Promise<string[]> {
  checkOutput({ path: dir, kind: 'folder', name: 'exportEmbeddings(dir)', overwrite: options.overwrite, overwriteHint: '{ overwrite: true }' });
  const written: string[] = [];
  for (const [name, texts, prompt] of [
    ['queries', sets.queries, options.queryPrompt],
    ['docs', sets.docs, options.docPrompt],
  ] as const) {
    if (!texts) continue;
    const embeddings = await model.encode([...texts.values()], { batchSize: options.batchSize, prompt });
    prepareOutputFolder(dir, 'embeddings');
    const paths = await writeEmbeddings(join(dir, name), [...texts.keys()], embeddings);
    written.push(paths.npy, paths.ids);
  }
  return written;
}
