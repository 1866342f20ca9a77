/**
 * Writes float32 tensors (stored as F32 or F16) as `.safetensors`: 8-byte little-endian header
 * length, compact JSON header (tensors sorted by name, then
 * `"__metadata__": {"format": "pt"}`), padded with spaces to a multiple of 8,
 * then the data in the same order. Python's `safetensors.torch.load_file` and
 * `transformers` read it unchanged.
 *
 * @example
 * await writeSafetensors('model.safetensors', new Map([['w', { shape: [2, 2], data: new Float32Array(4) }]]));
 */
import { writeFileAtomic } from '../../util/fs';
import { toHalfBits, type HostTensor } from './dtypes';
import { EmbedlabError } from '../../util/errors';

/** How {@link encodeSafetensors} stores the values. */
export interface SafetensorsWriteOptions {
  /** `F16` rounds every value to half precision (half the file size). @default 'F32' */
  dtype?: 'F32' | 'F16';
}

/** The file bytes for `tensors` (all stored as F32, or F16). */
export function encodeSafetensors(
  tensors: Map<string, HostTensor>,
  metadata: Record<string, string> = { format: 'pt' },
  options: SafetensorsWriteOptions = {},
): Uint8Array {
  const dtype = options.dtype ?? 'F32';
  const stored = (data: Float32Array): ArrayBufferView => (dtype === 'F16' ? toHalfBits(data) : data);
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors.get(name)!;
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements !== data.length) {
      throw new EmbedlabError(`tensor "${name}": shape ${JSON.stringify(shape)} has ${elements} elements but data has ${data.length}`);
    }
    const byteLength = data.length * (dtype === 'F16' ? 2 : 4);
    header[name] = { dtype, shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');

  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const data = stored(tensors.get(name)!.data);
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}

/** Writes `tensors` to `path` atomically (temp file + rename). */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, HostTensor>,
  metadata?: Record<string, string>,
  options?: SafetensorsWriteOptions,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata, options));
}
