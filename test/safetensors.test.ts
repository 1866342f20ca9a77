import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SafetensorsFile,
  encodeSafetensors,
  loadModelWeights,
  readSafetensors,
  toFloat32,
  writeSafetensors,
  type HostTensor,
} from '../src/models/safetensors';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
const golden = JSON.parse(readFileSync(join(GOLDEN, 'bert_forward.json'), 'utf8')) as { weights_sha256: Record<string, string> };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'embedlab-st-'));
}

/** A raw safetensors file from a header object and a data section. */
function rawFile(header: unknown, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError(path: string, pattern: RegExp): void {
  assert.throws(
    () => readSafetensors(path),
    (e: Error) => e.name === 'EmbedlabError' && pattern.test(e.message) && e.message.includes(path),
  );
}

test('safetensors: reads the golden F32 file and re-encodes it byte for byte', () => {
  const path = join(GOLDEN, 'model.safetensors');
  const bytes = readFileSync(path);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), golden.weights_sha256['model.safetensors']);
  const file = SafetensorsFile.open(path);
  assert.equal(file.tensors.size, 39);
  assert.deepEqual(file.metadata, { format: 'pt' });
  assert.deepEqual(file.tensors.get('encoder.layer.1.intermediate.dense.weight')?.shape, [128, 64]);
  file.close();
  const tensors = readSafetensors(path);
  assert.deepEqual(tensors.get('embeddings.word_embeddings.weight')!.shape, [30522, 64]);
  // [PAD] row of the word embeddings is zero in the golden weights
  assert.ok(tensors.get('embeddings.word_embeddings.weight')!.data.subarray(0, 64).every((v) => v === 0));
  assert.deepEqual(Buffer.from(encodeSafetensors(tensors)), bytes);
});

test('safetensors: F16 and BF16 files convert exactly to the rounded float32 values', () => {
  const f32 = readSafetensors(join(GOLDEN, 'model.safetensors'));
  const f16 = readSafetensors(join(GOLDEN, 'model.fp16.safetensors'));
  const bf16 = readSafetensors(join(GOLDEN, 'model.bf16.safetensors'));
  assert.equal(SafetensorsFile.open(join(GOLDEN, 'model.fp16.safetensors')).tensors.get('pooler.dense.bias')!.dtype, 'F16');
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (const [name, { data }] of f32) {
    const half = f16.get(name)!.data;
    const brain = bf16.get(name)!.data;
    assert.deepEqual(bf16.get(name)!.shape, f32.get(name)!.shape);
    for (let i = 0; i < data.length; i++) {
      // bf16: round-to-nearest-even of the float32 bit pattern, computed independently here
      asFloat[0] = data[i]!;
      const b = bits[0]!;
      bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16;
      assert.equal(brain[i], asFloat[0]);
      // f16: within half an f16 ulp of the float32 value (these weights are all normal f16 numbers)
      const exponent = Math.floor(Math.log2(Math.abs(data[i]!) || 1));
      assert.ok(Math.abs(half[i]! - data[i]!) <= 2 ** (Math.max(exponent, -14) - 11), `${name}[${i}]`);
    }
  }
});

test('safetensors: half-precision bit patterns, 64-bit and integer dtypes', () => {
  const halfs = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x3555, 0x8000]);
  const out = toFloat32('F16', new Uint8Array(halfs.buffer));
  assert.deepEqual(Array.from(out), [1, -2, 65504, 2 ** -24, Infinity, -Infinity, Math.fround(0.333251953125), -0]);
  assert.ok(Number.isNaN(toFloat32('F16', new Uint8Array(new Uint16Array([0x7e00]).buffer))[0]));
  assert.deepEqual(Array.from(toFloat32('F64', new Uint8Array(new Float64Array([0.1, -2]).buffer))), [Math.fround(0.1), -2]);
  assert.deepEqual(Array.from(toFloat32('I64', new Uint8Array(new BigInt64Array([-3n, 7n]).buffer))), [-3, 7]);
  assert.deepEqual(Array.from(toFloat32('I32', new Uint8Array(new Int32Array([-1, 2]).buffer))), [-1, 2]);
  assert.deepEqual(Array.from(toFloat32('BOOL', new Uint8Array([0, 1]))), [0, 1]);
});

test('safetensors: write then read round-trips exactly; header padded to 8 bytes', async () => {
  const dir = tempDir();
  const tensors = new Map<string, HostTensor>([
    ['b', { shape: [3], data: new Float32Array([1, -0, Math.PI]) }],
    ['a.weight', { shape: [2, 2], data: new Float32Array([1e-38, 2, 3, 4]) }],
    ['empty', { shape: [0, 5], data: new Float32Array(0) }],
  ]);
  const path = join(dir, 'm.safetensors');
  await writeSafetensors(path, tensors);
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  assert.deepEqual(Object.keys(header), ['a.weight', 'b', 'empty', '__metadata__']);
  assert.deepEqual(header['b'], { dtype: 'F32', shape: [3], data_offsets: [16, 28] });
  const back = readSafetensors(path);
  for (const [name, t] of tensors) {
    assert.deepEqual(back.get(name)!.shape, t.shape);
    assert.deepEqual(Array.from(back.get(name)!.data), Array.from(t.data));
  }
  assert.throws(() => encodeSafetensors(new Map([['x', { shape: [2, 2], data: new Float32Array(3) }]])), /shape \[2,2\] has 4 elements/);
});

test('safetensors: a header length larger than the file is refused before allocating it', () => {
  const dir = tempDir();
  const path = join(dir, 'huge-header.safetensors');
  // 2^62 bytes: allocating it would throw a RangeError, not an EmbedlabError
  writeFileSync(path, rawFile({}, new Uint8Array(0), 1n << 62n));
  expectError(path, /header length 4611686018427387904 is larger than the file \(10 bytes\)/);
  const short = join(dir, 'short.safetensors');
  writeFileSync(short, new Uint8Array([1, 2, 3]));
  expectError(short, /3 bytes long/);
});

test('safetensors: corrupt headers name the file and the tensor', () => {
  const dir = tempDir();
  const data = new Uint8Array(16);
  const cases: [unknown, RegExp][] = [
    [{ w: { dtype: 'F32', shape: [4], data_offsets: [0, 32] } }, /tensor "w": data_offsets \[0, 32\] overrun the data section \(16 bytes/],
    [{ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, /tensor "w": F32 \[3\] needs 12 bytes but data_offsets \[0, 16\] hold 16/],
    [{ w: { dtype: 'F17', shape: [4], data_offsets: [0, 16] } }, /tensor "w": unknown dtype "F17"/],
    [{ w: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, /tensor "w": shape \[-4\]/],
    [{ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, /tensor "w": data_offsets \[8,4\]/],
    [
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      /tensors "a" and "b" overlap/,
    ],
    [[1, 2], /header is not a JSON object/],
  ];
  for (const [i, [header, pattern]] of cases.entries()) {
    const path = join(dir, `bad${i}.safetensors`);
    writeFileSync(path, rawFile(header, data));
    expectError(path, pattern);
  }
  const notJson = join(dir, 'notjson.safetensors');
  const bytes = rawFile({ w: 1 }, data);
  bytes[8] = 0x7b;
  bytes[9] = 0x7b;
  writeFileSync(notJson, bytes);
  expectError(notJson, /header is not valid JSON/);
  // a truncated real file: offsets now overrun
  const truncated = join(dir, 'truncated.safetensors');
  writeFileSync(truncated, readFileSync(join(GOLDEN, 'model.safetensors')).subarray(0, 50_000));
  expectError(truncated, /overrun the data section/);
  expectError(join(dir, 'missing.safetensors'), /cannot open safetensors file/);
});

test('model weights: a pickled checkpoint is refused with a way to get safetensors', () => {
  const dir = tempDir();
  // a pickle that would run code if it were ever unpickled
  writeFileSync(join(dir, 'pytorch_model.bin'), Buffer.from("cos\nsystem\n(S'touch /tmp/pwned'\ntR.", 'latin1'));
  assert.throws(
    () => loadModelWeights(dir),
    (e: Error) =>
      e.name === 'EmbedlabError' &&
      e.message.includes(join(dir, 'pytorch_model.bin')) &&
      /never loads pickles/.test(e.message) &&
      /huggingface-cli download .*safetensors/.test(e.message) &&
      /safe_serialization=True/.test(e.message),
  );
  assert.throws(() => loadModelWeights(tempDir()), /no model weights in .*model\.safetensors/);
});

test('model weights: sharded index is read; shard names cannot leave the folder', async () => {
  const dir = tempDir();
  const all = readSafetensors(join(GOLDEN, 'model.safetensors'));
  const names = [...all.keys()];
  const shards = [names.slice(0, 20), names.slice(20)];
  const weightMap: Record<string, string> = {};
  for (const [i, part] of shards.entries()) {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    await writeSafetensors(join(dir, file), new Map(part.map((n) => [n, all.get(n)!])));
    for (const n of part) weightMap[n] = file;
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const loaded = loadModelWeights(dir);
  assert.equal(loaded.size, all.size);
  for (const [name, t] of all) assert.deepEqual(loaded.get(name)!.data, t.data);

  const evil = tempDir();
  copyFileSync(join(GOLDEN, 'model.safetensors'), join(evil, 'model-1.safetensors'));
  for (const shard of ['../model-1.safetensors', '/etc/passwd', 'sub/model-1.safetensors']) {
    writeFileSync(join(evil, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'pooler.dense.bias': shard } }));
    assert.throws(() => loadModelWeights(evil), /is not a file name inside/);
  }
  writeFileSync(join(evil, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'not.there': 'model-1.safetensors' } }));
  assert.throws(() => loadModelWeights(evil), /puts tensor "not.there" in model-1.safetensors, but .* does not contain it/);
});
