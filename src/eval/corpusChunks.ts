import { Matrix } from '../util/matrix';

/** A corpus as a stream of chunks: each chunk's first row index and its embeddings at full width. */
export type CorpusChunks = AsyncIterable<{ offset: number; embeddings: Matrix }>;

/** Consecutive row blocks of `size` rows of an in-memory matrix (views, no copies). */
export async function* matrixChunks(m: Matrix, size: number): CorpusChunks {
  for (let start = 0; start < m.rows; start += size) {
    const end = Math.min(m.rows, start + size);
    yield { offset: start, embeddings: new Matrix(m.data.subarray(start * m.cols, end * m.cols), end - start, m.cols) };
  }
}

/**
 * `texts` encoded `size` at a time, each chunk only when the consumer asks for
 * it, so memory does not grow with the corpus size.
 */
export async function* encodedChunks(
  texts: readonly string[],
  size: number,
  encode: (texts: string[]) => Promise<Matrix>,
  signal?: AbortSignal,
): CorpusChunks {
  for (let start = 0; start < texts.length; start += size) {
    signal?.throwIfAborted();
    yield { offset: start, embeddings: await encode(texts.slice(start, start + size)) };
  }
}
