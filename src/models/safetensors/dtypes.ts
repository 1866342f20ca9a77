import { EmbedlabError } from '../../util/errors';

/**
 * safetensors element types and their conversion to float32, the one dtype
 * embedlab computes in. Half-precision values convert exactly (every f16 and
 * bf16 value is a float32 value); 64-bit types round to the nearest float32.
 */

/** A tensor in host memory: row-major float32 values and their shape. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Bytes per element for every dtype the safetensors format defines. */
export const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** Dtypes {@link toFloat32} understands. */
export const CONVERTIBLE_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'U64', 'I32', 'U32', 'I16', 'U16', 'I8', 'U8', 'BOOL'];

let halfTable: Float32Array | undefined;

/** float32 value of every IEEE binary16 bit pattern (built once, 256 KiB). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    let value: number;
    if (exponent === 0) value = fraction * 2 ** -24; // subnormal
    else if (exponent === 31) value = fraction ? NaN : Infinity;
    else value = (1 + fraction / 1024) * 2 ** (exponent - 15);
    halfTable[h] = sign * value;
  }
  return halfTable;
}

/**
 * Converts little-endian raw bytes of `dtype` to float32. `bytes` must start
 * at an offset aligned to the element size (a freshly allocated buffer is).
 */
export function toFloat32(dtype: string, bytes: Uint8Array): Float32Array {
  const { buffer, byteOffset, byteLength } = bytes;
  const n = byteLength / (DTYPE_BYTES[dtype] ?? 1);
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, byteOffset, n);
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, byteOffset, n));
    case 'F16': {
      const table = halfToFloatTable();
      const src = new Uint16Array(buffer, byteOffset, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
      return out;
    }
    case 'BF16': {
      // bf16 is the top half of a float32
      const src = new Uint16Array(buffer, byteOffset, n);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'I64':
      return Float32Array.from(new BigInt64Array(buffer, byteOffset, n), (v) => Number(v));
    case 'U64':
      return Float32Array.from(new BigUint64Array(buffer, byteOffset, n), (v) => Number(v));
    case 'I32':
      return Float32Array.from(new Int32Array(buffer, byteOffset, n));
    case 'U32':
      return Float32Array.from(new Uint32Array(buffer, byteOffset, n));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer, byteOffset, n));
    case 'U16':
      return Float32Array.from(new Uint16Array(buffer, byteOffset, n));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer, byteOffset, n));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(new Uint8Array(buffer, byteOffset, n));
    default:
      throw new EmbedlabError(`dtype ${dtype} cannot be converted to float32`);
  }
}

/**
 * IEEE binary16 bit patterns of float32 values, rounded to nearest (ties to
 * even) as numpy's `astype(float16)` does; overflow gives ±Infinity.
 */
export function toHalfBits(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = bits[i]!;
    const sign = (x >>> 16) & 0x8000;
    const exponent = (x >>> 23) & 0xff;
    let mantissa = x & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa ? 0x200 : 0);
      continue;
    }
    const e = exponent - 112; // rebias 127 → 15
    let h: number;
    if (e >= 31) h = 0x7c00;
    else if (e <= 0) {
      // subnormal half: value / 2^-24, rounded
      if (e < -10) h = 0;
      else {
        mantissa |= 0x800000;
        const shift = 14 - e;
        h = mantissa >>> shift;
        const rest = mantissa & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        if (rest > halfway || (rest === halfway && h & 1)) h++;
      }
    } else {
      h = (e << 10) | (mantissa >>> 13);
      const rest = mantissa & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is still right
    }
    out[i] = sign | h;
  }
  return out;
}
