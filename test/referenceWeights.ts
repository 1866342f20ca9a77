/**
 * Rebuilds the reference scripts' random weights bit for bit (the same
 * mulberry32 stream, rounded to float32) and writes them as safetensors in
 * F32, F16 or BF16 with the scripts' byte layout, so the committed fixtures
 * need no weight files: a sha256 in the fixture proves the files are the ones
 * the script computed with.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

export interface WeightSpec {
  name: string;
  shape: number[];
  scale: number;
  offset: number;
}

/** `offset + scale·(2u − 1)` rounded to float32 for every spec, from one mulberry32 stream seeded with `seed`. */
export function uniformWeights(seed: number, specs: WeightSpec[]): Map<string, { shape: number[]; data: Float32Array }> {
  let state = seed >>> 0;
  const next = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const spec of specs) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = spec.offset + spec.scale * (2 * next() - 1);
    out.set(spec.name, { shape: spec.shape, data });
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of `x` (round to nearest even, as torch `.to(float16)`); finite inputs. */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000; // implicit 1
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** bfloat16 bits of `x` (round to nearest even); finite inputs. */
export function toBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Writes `tensors` as `dtype` safetensors with the reference scripts' layout; returns the file's sha256. */
export function writeReferenceSafetensors(
  path: string,
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  dtype: 'F32' | 'F16' | 'BF16',
): string {
  const names = [...tensors.keys()].sort();
  const width = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors.get(name)!;
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.length * width] };
    offset += data.length * width;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json);
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    for (const v of tensors.get(name)!.data) {
      if (dtype === 'F32') out.writeFloatLE(v, at);
      else out.writeUInt16LE(dtype === 'F16' ? toHalfBits(v) : toBfloat16Bits(v), at);
      at += width;
    }
  }
  writeFileSync(path, out);
  return createHash('sha256').update(out).digest('hex');
}
