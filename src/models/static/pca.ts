/**
 * Principal component analysis of an embedding table, as scikit-learn's
 * `PCA(n_components=k, svd_solver="full").fit_transform` computes it (the
 * step model2vec applies after distilling): centre the rows on their mean,
 * project onto the k directions of largest variance, largest first. Each
 * component's sign makes its largest-magnitude loading positive (scikit-learn
 * ≥ 1.5's `svd_flip(u_based_decision=False)`), so the result is deterministic.
 *
 * Computed in float64 from the covariance matrix's symmetric eigendecomposition
 * (`ml-matrix`); the same subspace and signs as an SVD of the centred data.
 *
 * @example
 * const { projected } = pca(table, rows, 256, { components: 64 }); // rows × 64, float64
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface PcaResult {
  /** `rows × components`, row-major: the centred rows in the component basis. */
  projected: Float64Array;
  /** Column means subtracted before projecting (`cols`). */
  mean: Float64Array;
  /** `components × cols`, row-major, unit rows, largest variance first. */
  components: Float64Array;
  /** Variance along each component (divisor rows − 1, as scikit-learn). */
  explainedVariance: Float64Array;
  /** Share of the total variance each component holds. */
  explainedVarianceRatio: Float64Array;
}

/**
 * PCA of `data` (`rows × cols`, row-major) keeping `components` directions.
 * @default options.components `cols` (a rotation that keeps every dimension)
 */
export function pca(data: ArrayLike<number>, rows: number, cols: number, options: { components?: number } = {}): PcaResult {
  const k = options.components ?? cols;
  if (!Number.isInteger(k) || k < 1 || k > cols) throw new RangeError(`PCA components must be 1..${cols}, got ${k}`);
  if (rows < 2) throw new RangeError(`PCA needs at least 2 rows, got ${rows}`);
  if (data.length !== rows * cols) throw new RangeError(`PCA data has ${data.length} values, expected ${rows} × ${cols}`);

  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += data[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;

  // covariance, upper triangle accumulated row by row in float64
  const cov = new Float64Array(cols * cols);
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) centred[c] = data[r * cols + c]! - mean[c]!;
    for (let i = 0; i < cols; i++) {
      const x = centred[i]!;
      if (x === 0) continue;
      const base = i * cols;
      for (let j = i; j < cols; j++) cov[base + j]! += x * centred[j]!;
    }
  }
  const covariance = new Matrix(cols, cols);
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      const v = cov[i * cols + j]! / (rows - 1);
      covariance.set(i, j, v);
      covariance.set(j, i, v);
    }
  }

  const evd = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);

  const components = new Float64Array(k * cols);
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    const e = order[p]!;
    let argmax = 0;
    for (let c = 1; c < cols; c++) if (Math.abs(vectors.get(c, e)) > Math.abs(vectors.get(argmax, e))) argmax = c;
    const sign = vectors.get(argmax, e) < 0 ? -1 : 1;
    for (let c = 0; c < cols; c++) components[p * cols + c] = sign * vectors.get(c, e);
    explainedVariance[p] = Math.max(values[e]!, 0);
    explainedVarianceRatio[p] = total > 0 ? explainedVariance[p]! / total : 0;
  }

  const projected = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) centred[c] = data[r * cols + c]! - mean[c]!;
    for (let p = 0; p < k; p++) {
      let s = 0;
      const base = p * cols;
      for (let c = 0; c < cols; c++) s += centred[c]! * components[base + c]!;
      projected[r * k + p] = s;
    }
  }
  return { projected, mean, components, explainedVariance, explainedVarianceRatio };
}
