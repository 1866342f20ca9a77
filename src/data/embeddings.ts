/**
 * Embedding files in the NeMo inference layout: `<name>.npy` (float32, rows in
 * order) with `<name>.ids` beside it (one id per line, row i ↔ line i).
 */
import { existsSync } from 'node:fs';
import { EmbedlabError } from '../util/errors';
import { writeFileAtomic } from '../util/fs';
import type { Matrix } from '../util/matrix';
import { encodeNpy, readNpy } from '../util/npy';
import { readText } from '../util/readText';

/** `emb/queries.npy` → `emb/queries.ids`. */
export function idsPathFor(npyPath: string): string {
  return npyPath.replace(/\.npy$/i, '') + '.ids';
}

/**
 * Writes `<base>.npy` and `<base>.ids` (each atomically). `base` may end in `.npy`.
 *
 * @example
 * await writeEmbeddings('out/queries', ids, matrix); // out/queries.npy + out/queries.ids
 */
export async function writeEmbeddings(base: string, ids: readonly string[], embeddings: Matrix): Promise<{ npy: string; ids: string }> {
  const npy = /\.npy$/i.test(base) ? base : `${base}.npy`;
  const idsPath = idsPathFor(npy);
  if (ids.length !== embeddings.rows) {
    throw new EmbedlabError(`${npy}: ${ids.length} ids for ${embeddings.rows} embedding rows`);
  }
  const bad = ids.findIndex((id) => /[\r\n]/.test(id));
  if (bad >= 0) {
    throw new EmbedlabError(`${idsPath} row ${bad + 1}: id ${JSON.stringify(ids[bad])} contains a line break; .ids files hold one id per line`);
  }
  await writeFileAtomic(npy, encodeNpy(embeddings));
  await writeFileAtomic(idsPath, ids.join('\n') + (ids.length ? '\n' : ''));
  return { npy, ids: idsPath };
}

/**
 * Reads `<name>.npy` and the `<name>.ids` beside it. Errors name the file:
 * wrong dtype or shape (from the .npy reader), a missing .ids file, an ids
 * count that differs from the row count, repeated ids.
 *
 * @example
 * const { ids, embeddings } = readEmbeddings('out/queries.npy'); // ids[i] names embeddings.row(i)
 */
export function readEmbeddings(npyPath: string): { ids: string[]; embeddings: Matrix } {
  const embeddings = readNpy(npyPath);
  const idsPath = idsPathFor(npyPath);
  if (!existsSync(idsPath)) {
    throw new EmbedlabError(`${npyPath} has no ids file beside it: expected ${idsPath} with one id per line`);
  }
  const text = readText(idsPath).replace(/\r\n/g, '\n');
  const ids = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text === '' ? [] : text.split('\n');
  if (ids.length !== embeddings.rows) {
    throw new EmbedlabError(`${idsPath} has ${ids.length} ids but ${npyPath} has ${embeddings.rows} rows`);
  }
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new EmbedlabError(`${idsPath} line ${i + 1}: id "${id}" repeats line ${seen.get(id)! + 1}`);
    seen.set(id, i);
  });
  return { ids, embeddings };
}
