import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EmbedlabError } from '../../util/errors';
import { CONVERTIBLE_DTYPES, DTYPE_BYTES, toFloat32, type HostTensor } from './dtypes';

/** The safetensors reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header. */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  start: number;
  end: number;
}

/**
 * Reads `.safetensors` files: an 8-byte little-endian header length N, N bytes
 * of JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`),
 * then the raw little-endian tensor data (offsets relative to the data start).
 *
 * Everything in the header is checked against the file before anything large
 * is allocated: a header length longer than the file, offsets that overrun
 * the data, overlapping tensors and byte counts that disagree with
 * dtype × shape are errors that name the file and the tensor.
 *
 * @example
 * const file = SafetensorsFile.open('model.safetensors');
 * const w = file.read('embeddings.word_embeddings.weight'); // { shape: [30522, 384], data: Float32Array }
 * file.close();
 */
export class SafetensorsFile {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    /** Tensor entries in header order. */
    readonly tensors: Map<string, TensorEntry>,
    /** The `__metadata__` string map (e.g. `{format: "pt"}`). */
    readonly metadata: Record<string, string>,
  ) {
    this.fd = fd;
  }

  /** Opens and validates `path`; only the header is read. */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new EmbedlabError(`cannot open safetensors file ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const { tensors, metadata } = readHeader(path, fd);
      return new SafetensorsFile(path, fd, tensors, metadata);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** Reads one tensor, converted to float32. */
  read(name: string): HostTensor {
    const entry = this.tensors.get(name);
    if (!entry) throw new EmbedlabError(`${this.path} has no tensor "${name}"`);
    if (this.fd === undefined) throw new EmbedlabError(`${this.path} is closed`);
    if (!CONVERTIBLE_DTYPES.includes(entry.dtype)) {
      throw new EmbedlabError(`${this.path}: tensor "${name}" has dtype ${entry.dtype}, which embedlab cannot load as float32`);
    }
    const bytes = new Uint8Array(entry.end - entry.start);
    readFully(this.fd, bytes, entry.start, this.path);
    return { shape: entry.shape, data: toFloat32(entry.dtype, bytes) };
  }

  /** Reads every tensor (converted to float32), keyed by name. */
  readAll(): Map<string, HostTensor> {
    const out = new Map<string, HostTensor>();
    for (const name of this.tensors.keys()) out.set(name, this.read(name));
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads every tensor of a safetensors file as float32. */
export function readSafetensors(path: string): Map<string, HostTensor> {
  const file = SafetensorsFile.open(path);
  try {
    return file.readAll();
  } finally {
    file.close();
  }
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new EmbedlabError(`${path}: file ended early (expected ${into.length} bytes at ${position})`);
    done += n;
  }
}

function readHeader(path: string, fd: number): { tensors: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const fail = (why: string) => new EmbedlabError(`${path} is not a valid safetensors file: ${why}`);
  const size = fstatSync(fd).size;
  if (size < 8) throw fail(`it is ${size} bytes long, shorter than the 8-byte header length`);
  const lengthBytes = new Uint8Array(8);
  readFully(fd, lengthBytes, 0, path);
  const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  // checked before allocating anything of that size
  if (headerLength > BigInt(size - 8)) {
    throw fail(`header length ${headerLength} is larger than the file (${size} bytes)`);
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw fail(`header length ${headerLength} exceeds 100 MB`);
  const n = Number(headerLength);
  const headerBytes = new Uint8Array(n);
  readFully(fd, headerBytes, 8, path);

  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerBytes).toString('utf8'));
  } catch (error) {
    throw fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header is not a JSON object');

  const dataStart = 8 + n;
  const dataSize = size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null) throw fail('__metadata__ is not an object');
      metadata = value as Record<string, string>;
      continue;
    }
    const bad = (why: string) => fail(`tensor "${name}": ${why}`);
    const { dtype, shape, data_offsets: offsets } = (value ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw bad(`unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw bad(`data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataSize) {
      throw bad(`data_offsets [${begin}, ${end}] overrun the data section (${dataSize} bytes; file is ${size} bytes)`);
    }
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * DTYPE_BYTES[dtype]!;
    if (end - begin !== expected) {
      throw bad(`${dtype} ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    tensors.set(name, { name, dtype, shape: shape as number[], start: dataStart + begin, end: dataStart + end });
  }

  const ordered = [...tensors.values()].filter((t) => t.end > t.start).sort((a, b) => a.start - b.start);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.start < ordered[i - 1]!.end) {
      throw fail(`tensors "${ordered[i - 1]!.name}" and "${ordered[i]!.name}" overlap`);
    }
  }
  return { tensors, metadata };
}
