/**
 * MPNet's bucketed relative positions (`MPNetEncoder.relative_position_bucket`,
 * T5-style): half the buckets for keys before the query, half after; exact
 * distances below a quarter of the buckets, then logarithmic up to
 * `maxDistance`. Computed in float32 steps as torch does, so the bucket
 * boundaries fall where they fall upstream.
 */
const f32 = Math.fround;

/** The bucket of `relative = key position − query position`. */
export function relativePositionBucket(relative: number, numBuckets = 32, maxDistance = 128): number {
  const half = Math.floor(numBuckets / 2);
  let n = -relative;
  const ret = n < 0 ? half : 0;
  n = Math.abs(n);
  const maxExact = Math.floor(half / 2);
  if (n < maxExact) return ret + n;
  const scaled = f32(f32(f32(Math.log(f32(n / maxExact))) / f32(Math.log(maxDistance / maxExact))) * (half - maxExact));
  return ret + Math.min(maxExact + Math.trunc(scaled), half - 1);
}

/** Row-major `[seq, seq]` buckets for query i (row) and key j (column). */
export function relativePositionBuckets(seqLength: number, numBuckets = 32): Int32Array {
  const out = new Int32Array(seqLength * seqLength);
  for (let i = 0; i < seqLength; i++) {
    for (let j = 0; j < seqLength; j++) out[i * seqLength + j] = relativePositionBucket(j - i, numBuckets);
  }
  return out;
}
