/**
 * Per-token weights that model2vec multiplies into a static embedding table,
 * estimating each token's frequency from its rank (Zipf's law: the token at
 * 0-based rank i has probability ∝ 1 / (i + 2)); rows must be ordered most
 * frequent first.
 *
 * - `sif` (model2vec ≥ 0.4, its default with coefficient 1e-4): smooth
 *   inverse frequency, `a / (a + p_i)` — frequent tokens count for little;
 * - `log` (model2vec's first recipe, `apply_zipf`): `log(1 + i)` — rank 0
 *   gets weight 0.
 *
 * @example
 * tokenWeights(30522, { kind: 'sif' }); // Float64Array, ascending from ~0.0011 to ~0.999
 */

/** Which Zipf-based weighting: `sif`, `log`, or `none` (all ones). */
export type ZipfWeighting = 'sif' | 'log' | 'none';

export interface TokenWeightOptions {
  /** @default 'sif' */
  kind?: ZipfWeighting;
  /** The SIF coefficient `a`, in (0, 1). @default 1e-4 */
  sifCoefficient?: number;
}

/** Weights for `n` tokens in rank order. */
export function tokenWeights(n: number, options: TokenWeightOptions = {}): Float64Array {
  const kind = options.kind ?? 'sif';
  const weights = new Float64Array(n);
  if (kind === 'none') return weights.fill(1);
  if (kind === 'log') {
    for (let i = 0; i < n; i++) weights[i] = Math.log(1 + i);
    return weights;
  }
  const a = options.sifCoefficient ?? 1e-4;
  if (!(a > 0 && a < 1)) throw new RangeError(`the SIF coefficient must be in (0, 1), got ${a}`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += 1 / (i + 2);
  for (let i = 0; i < n; i++) weights[i] = a / (a + 1 / (i + 2) / sum);
  return weights;
}
