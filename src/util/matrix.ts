import { EmbedlabError } from './errors';

/**
 * A dense row-major float32 matrix: what `encode` returns, what the evaluator
 * and the `.npy` writer consume.
 *
 * @example
 * const m = Matrix.fromRows([[3, 4], [1, 0]]);
 * m.truncate(1).toArray(); // [[1], [1]] — sliced, then re-normalised
 */
export class Matrix {
  constructor(
    readonly data: Float32Array,
    readonly rows: number,
    readonly cols: number,
  ) {
    if (data.length !== rows * cols) {
      throw new EmbedlabError(`Matrix data has ${data.length} values, expected ${rows}×${cols}`);
    }
  }

  /** A matrix from equal-length rows (copied). */
  static fromRows(rows: ArrayLike<number>[]): Matrix {
    const cols = rows.length ? rows[0]!.length : 0;
    const data = new Float32Array(rows.length * cols);
    rows.forEach((row, i) => {
      if (row.length !== cols) throw new EmbedlabError(`row ${i} has ${row.length} values, expected ${cols}`);
      data.set(row, i * cols);
    });
    return new Matrix(data, rows.length, cols);
  }

  /** A view (no copy) of row `i`. */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /** The rows as plain number arrays (copied). */
  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, i) => Array.from(this.row(i)));
  }

  /**
   * The first `dim` columns (Matryoshka truncation), L2-normalised per row
   * unless `normalize` is false.
   */
  truncate(dim: number, normalize = true): Matrix {
    if (!Number.isInteger(dim) || dim < 1 || dim > this.cols) {
      throw new EmbedlabError(`truncate dim ${dim} is outside 1..${this.cols}`);
    }
    const out = new Float32Array(this.rows * dim);
    for (let i = 0; i < this.rows; i++) {
      const src = this.data.subarray(i * this.cols, i * this.cols + dim);
      const dst = out.subarray(i * dim, (i + 1) * dim);
      dst.set(src);
      if (normalize) normalizeInPlace(dst);
    }
    return new Matrix(out, this.rows, dim);
  }

  /** Rows `indices` in that order, as a new matrix. */
  select(indices: ArrayLike<number>): Matrix {
    const out = new Float32Array(indices.length * this.cols);
    for (let k = 0; k < indices.length; k++) out.set(this.row(indices[k]!), k * this.cols);
    return new Matrix(out, indices.length, this.cols);
  }
}

/** L2-normalises a vector in place (eps 1e-12, as torch's F.normalize). */
export function normalizeInPlace(v: Float32Array): void {
  let sum = 0;
  for (let k = 0; k < v.length; k++) sum += v[k]! * v[k]!;
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  for (let k = 0; k < v.length; k++) v[k] = v[k]! / norm;
}
