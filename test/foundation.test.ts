import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { Matrix } from '../src/util/matrix';
import { Random } from '../src/util/random';
import { writeFileAtomic } from '../src/util/fs';

test('backend: selects a working backend and explains skipped ones', async () => {
  const info = await initBackend();
  assert.ok(['gpu', 'node', 'wasm', 'cpu'].includes(info.choice));
  assert.match(info.summary, new RegExp(`^backend: `));
  // every better choice that was skipped carries a reason
  const order = ['gpu', 'node', 'wasm', 'cpu'];
  assert.deepEqual(
    info.skipped.map((s) => s.choice),
    info.forced ? [] : order.slice(0, order.indexOf(info.choice)),
  );
  if (info.forced) assert.match(info.summary, /forced by EMBEDLAB_BACKEND/);
  for (const s of info.skipped) assert.ok(s.reason.length > 0);
});

test('Matrix.truncate slices then re-normalises each row', () => {
  const m = Matrix.fromRows([
    [3, 4, 12],
    [0, 0, 5],
  ]);
  const t = m.truncate(2);
  assert.deepEqual(Array.from(t.row(0)), [0.6000000238418579, 0.800000011920929]);
  // an all-zero prefix stays zero (eps guard), not NaN
  assert.deepEqual(Array.from(t.row(1)), [0, 0]);
  assert.throws(() => m.truncate(4), /outside 1..3/);
});

test('Random: same seed, same sequence; shuffle is a permutation', () => {
  const a = new Random(42);
  const b = new Random(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const perm = new Random(1).shuffle([...Array(50).keys()]);
  assert.deepEqual([...perm].sort((x, y) => x - y), [...Array(50).keys()]);
  assert.notDeepEqual(perm, [...Array(50).keys()]);
  const resumed = Random.fromState(a.seedState);
  assert.equal(resumed.next(), a.next());
});

test('writeFileAtomic replaces content and leaves no temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-'));
  const path = join(dir, 'out.txt');
  await writeFileAtomic(path, 'one');
  await writeFileAtomic(path, 'two');
  assert.equal(readFileSync(path, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir), ['out.txt']);
});
