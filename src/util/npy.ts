/**
 * NumPy `.npy` files for embedding matrices: float32, 2-D, C order — what
 * `numpy.save(path, embeddings.astype(np.float32))` writes and `np.load` reads.
 *
 * @example
 * import { writeNpy, readNpy } from 'embedlab';
 * writeNpy('emb.npy', Matrix.fromRows([[1, 2], [3, 4]]));
 * readNpy('emb.npy').rows; // 2
 */
import { readFileSync } from 'node:fs';
import { EmbedlabError } from './errors';
import { writeFileAtomicSync } from './fs';
import { Matrix } from './matrix';
import { checkFiniteEmbeddings } from './validate';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const HEADER_ALIGN = 64;

/** The bytes of a version 1.0 `.npy` file holding `matrix` as `<f4`, shape (rows, cols). */
export function encodeNpy(matrix: Matrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${matrix.rows}, ${matrix.cols}), }`;
  // numpy pads with spaces and ends with "\n" so the data starts on a 64-byte boundary
  const prefix = MAGIC.length + 2 + 2;
  const total = Math.ceil((prefix + header.length + 1) / HEADER_ALIGN) * HEADER_ALIGN;
  header = header.padEnd(total - prefix - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new EmbedlabError('npy header too long for format 1.0');
  const out = new Uint8Array(total + matrix.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), prefix);
  out.set(new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength), total);
  return out;
}

/**
 * Writes `matrix` to `path` as a float32 `.npy` (atomically: temp file + rename).
 *
 * @example
 * writeNpy('corpus.npy', await model.encode(texts)); // numpy.load('corpus.npy') in Python
 */
export function writeNpy(path: string, matrix: Matrix): void {
  writeFileAtomicSync(path, encodeNpy(matrix));
}

/**
 * Parses `.npy` bytes into a Matrix. Accepts little-endian float32 (`<f4`) and
 * float64 (`<f8`, rounded to float32), 2-D, C order; anything else is an
 * {@link EmbedlabError} naming `source`.
 */
export function decodeNpy(bytes: Uint8Array, source = '.npy data'): Matrix {
  const fail = (why: string) => new EmbedlabError(`${source}: not a readable .npy matrix: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('missing the \\x93NUMPY magic');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fail('file ends inside the header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw fail(`unsupported format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw fail(`header length ${headerLength} runs past the end of the file`);
  const header = Buffer.from(bytes.subarray(headerStart, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw fail(`header is not a numpy dict with descr, fortran_order and shape: ${header.trim()}`);
  }
  if (fortran === 'True') throw fail('fortran_order is True; save a C-ordered array (np.ascontiguousarray)');
  const itemSize = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!itemSize) throw fail(`dtype ${descr} is not supported; expected float32 ('<f4') or float64 ('<f8')`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw fail(`shape (${shapeText}) is not a 2-D matrix shape (rows, cols)`);
  }
  const [rows, cols] = shape as [number, number];
  const expected = rows * cols * itemSize;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    throw fail(`shape (${rows}, ${cols}) of ${descr} needs ${expected} data bytes but the file has ${actual}`);
  }
  const data = new Float32Array(rows * cols);
  if (itemSize === 4) {
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart));
  } else {
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat64(dataStart + i * 8, true);
  }
  const matrix = new Matrix(data, rows, cols);
  checkFiniteEmbeddings(matrix, source);
  return matrix;
}

/**
 * Reads a float32/float64 2-D `.npy` file into a Matrix (see {@link decodeNpy}).
 *
 * @example
 * const embeddings = readNpy('test.npy'); // Matrix { rows, cols, data }
 */
export function readNpy(path: string): Matrix {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new EmbedlabError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return decodeNpy(bytes, path);
}
