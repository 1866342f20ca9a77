import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { loadModel } from '../src/models';
import { readNpy } from '../src/util/npy';

const GOLDEN = join(__dirname, '../../../shared/golden/bert_forward');
const MAIN = join(__dirname, '../src/cli/main.js');

function embedlab(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
}

test('embedlab encode: .jsonl with ids → .npy + .ids, equal to model.encode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-encode-'));
  const rows = [
    { id: 'q1', text: 'Hello world!', other: 1 },
    { id: 7, text: '' },
    { id: 'q3', text: 'The quick brown fox jumps over the lazy dog near the riverbank.' },
  ];
  writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n\n') + '\n');
  const result = embedlab(['encode', '--model', GOLDEN, '--input', join(dir, 'rows.jsonl'), '--output', join(dir, 'emb.npy'), '--batch-size', '2']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /^backend: /m);
  assert.match(result.stderr, /^encoding \[█+\] 100%  3\/3 texts /m);
  assert.match(result.stdout, /wrote 3×64 float32 embeddings to .*emb\.npy and .*emb\.ids/);
  assert.equal(readFileSync(join(dir, 'emb.ids'), 'utf8'), 'q1\n7\nq3\n');
  const written = readNpy(join(dir, 'emb.npy'));
  await initBackend();
  const model = await loadModel(GOLDEN);
  const expected = await model.encode(rows.map((r) => r.text), { batchSize: 2 });
  assert.deepEqual(written.data, expected.data);
  model.dispose();
});

test('embedlab encode: .txt → .jsonl with --truncate-dim, one text per line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-encode-'));
  writeFileSync(join(dir, 'texts.txt'), 'first line\r\n\nthird line\n');
  const result = embedlab(['encode', '--model', GOLDEN, '--input', join(dir, 'texts.txt'), '--output', join(dir, 'out.jsonl'), '--truncate-dim', '8']);
  assert.equal(result.status, 0, result.stderr);
  const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { embedding: number[] });
  assert.equal(lines.length, 3);
  await initBackend();
  const model = await loadModel(GOLDEN);
  const expected = await model.encode(['first line', '', 'third line'], { truncateDim: 8 });
  lines.forEach((line, i) => assert.deepEqual(line.embedding, Array.from(expected.row(i))));
  model.dispose();
});

test('embedlab encode: user errors name the file, row and field, exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-encode-'));
  writeFileSync(join(dir, 'rows.jsonl'), '{"id":"a","text":"ok"}\n{"id":"b","body":"no text"}\n');
  writeFileSync(join(dir, 'mixed.jsonl'), '{"id":"a","text":"ok"}\n{"text":"no id"}\n');
  const base = ['encode', '--model', GOLDEN, '--output', join(dir, 'o.npy')];
  const cases: [string[], RegExp][] = [
    [[...base, '--input', join(dir, 'rows.jsonl')], /rows\.jsonl row 2, field "text": expected a string, got nothing/],
    [[...base, '--input', join(dir, 'mixed.jsonl')], /mixed\.jsonl row 2, field "id": missing, but row 1 has an id/],
    [[...base, '--input', join(dir, 'missing.txt')], /cannot read .*missing\.txt/],
    [['encode', '--model', GOLDEN, '--input', join(dir, 'rows.jsonl'), '--output', join(dir, 'o.csv')], /use a \.npy or \.jsonl file name/],
    [['encode', '--input', join(dir, 'rows.jsonl'), '--output', join(dir, 'o.npy')], /--model is required/],
    [[...base, '--input', join(dir, 'mixed.jsonl'), '--field', 'text', '--id-field', 'none', '--truncate-dim', '65'], /--truncate-dim 65 is larger than the model's dimension 64/],
    [[...base, '--input', join(dir, 'mixed.jsonl'), '--id-field', 'none', '--prompt-name', 'query'], /prompt name "query" is not defined/],
    [[...base, '--input', join(dir, 'mixed.jsonl'), '--batch-size', '0'], /--batch-size must be a positive integer/],
  ];
  for (const [args, pattern] of cases) {
    const result = embedlab(args);
    assert.equal(result.status, 2, `${args.join(' ')}\n${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
});
