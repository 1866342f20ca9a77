import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from '../src/util/matrix';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from '../src/util/npy';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

function npyBytes(descr: string, shape: string, fortran = 'False', data = new Uint8Array(0)): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`.padEnd(117, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}

test('npy: write then read gives the same float32 values; data starts 64-aligned', () => {
  const m = Matrix.fromRows([
    [1.5, -2, Math.PI],
    [0, 1e-30, -0],
  ]);
  const bytes = encodeNpy(m);
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  assert.equal((10 + headerLength) % 64, 0);
  assert.equal(bytes[10 + headerLength - 1], 0x0a);
  const back = decodeNpy(bytes);
  assert.equal(back.rows, 2);
  assert.equal(back.cols, 3);
  assert.deepEqual(Array.from(back.data), Array.from(m.data));
  const empty = decodeNpy(encodeNpy(new Matrix(new Float32Array(0), 0, 7)));
  assert.equal(empty.rows, 0);
  assert.equal(empty.cols, 7);
});

test('npy: numpy reads what we write and we read what numpy writes', { skip: !hasNumpy && 'python3 numpy not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-npy-'));
  const ours = join(dir, 'ours.npy');
  writeNpy(ours, Matrix.fromRows([[1, 2, 3], [4, 5, 6.25]]));
  const seen = execFileSync('python3', ['-c', `import numpy as np; a=np.load(${JSON.stringify(ours)}); print(a.dtype, a.shape, a.tolist())`]).toString().trim();
  assert.equal(seen, 'float32 (2, 3) [[1.0, 2.0, 3.0], [4.0, 5.0, 6.25]]');
  const theirs32 = join(dir, 'f4.npy');
  const theirs64 = join(dir, 'f8.npy');
  execFileSync('python3', ['-c', `import numpy as np; a=np.arange(12, dtype=np.float32).reshape(4,3)/7; np.save(${JSON.stringify(theirs32)}, a); np.save(${JSON.stringify(theirs64)}, a.astype(np.float64))`]);
  for (const path of [theirs32, theirs64]) {
    const m = readNpy(path);
    assert.equal(m.rows, 4);
    assert.equal(m.cols, 3);
    assert.deepEqual(Array.from(m.data), Array.from(new Float32Array(Array.from({ length: 12 }, (_, i) => Math.fround(i / 7)))));
  }
});

test('npy: float64 data is rounded to float32', () => {
  const data = new Uint8Array(16);
  new DataView(data.buffer).setFloat64(0, 0.1, true);
  new DataView(data.buffer).setFloat64(8, -3, true);
  const m = decodeNpy(npyBytes('<f8', '(1, 2)', 'False', data));
  assert.deepEqual(Array.from(m.data), [Math.fround(0.1), -3]);
});

test('npy: bad files give errors naming the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-npy-'));
  const cases: [Uint8Array, RegExp][] = [
    [npyBytes('<i4', '(1, 1)', 'False', new Uint8Array(4)), /dtype <i4 is not supported/],
    [npyBytes('>f4', '(1, 1)', 'False', new Uint8Array(4)), /dtype >f4 is not supported/],
    [npyBytes('<f4', '(2, 2)', 'True', new Uint8Array(16)), /fortran_order is True/],
    [npyBytes('<f4', '(2, 2, 2)', 'False', new Uint8Array(32)), /not a 2-D matrix shape/],
    [npyBytes('<f4', '(4,)', 'False', new Uint8Array(16)), /not a 2-D matrix shape/],
    [npyBytes('<f4', '(2, 3)', 'False', new Uint8Array(20)), /needs 24 data bytes but the file has 20/],
    [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /missing the \\x93NUMPY magic/],
  ];
  for (const [i, [bytes, pattern]] of cases.entries()) {
    const path = join(dir, `bad${i}.npy`);
    writeFileSync(path, bytes);
    assert.throws(() => readNpy(path), (e: Error) => e.name === 'EmbedlabError' && pattern.test(e.message) && e.message.includes(path));
  }
  assert.throws(() => readNpy(join(dir, 'missing.npy')), /cannot read .*missing\.npy/);
  assert.ok(readFileSync(join(dir, 'bad0.npy')).length > 0);
});
