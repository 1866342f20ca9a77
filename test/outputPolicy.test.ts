/**
 * The output policy, case by case (a table), and every command and API that
 * writes refusing a dangerous output before any work — with the files that
 * were there left byte for byte as they were.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../src/backend';
import { saveTrainingRows, saveTrainTest } from '../src/data/save';
import { exportEmbeddings } from '../src/mining/exportEmbeddings';
import { createStaticModel, loadModel } from '../src/models';
import { finetune } from '../src/train/finetune';
import { EmbedlabError } from '../src/util/errors';
import { checkOutput, GENERATOR_META, OUTPUT_MARKER, type OutputCheck } from '../src/util/outputs';
import { Chart } from '../widgets';
import { saveReport } from '../widgets/report';

const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const CLI = join(__dirname, '../src/cli/main.js');

/** A folder with one of everything the policy tells apart. */
function playground() {
  const root = mkdtempSync(join(tmpdir(), 'embedlab-policy-'));
  const p = (...parts: string[]) => join(root, ...parts);
  writeFileSync(p('input.jsonl'), '{"text":"a"}\n');
  mkdirSync(p('model'));
  writeFileSync(p('model', 'config.json'), '{}');
  mkdirSync(p('user'));
  writeFileSync(p('user', 'README.md'), 'my notes');
  mkdirSync(p('empty'));
  mkdirSync(p('ours'));
  writeFileSync(p('ours', OUTPUT_MARKER), '{}');
  writeFileSync(p('ours', 'report.json'), '{}');
  writeFileSync(p('afile.txt'), 'not a folder');
  writeFileSync(p('report.html'), `<!DOCTYPE html>\n<html><head>${GENERATOR_META}</head></html>`);
  writeFileSync(p('user-page.html'), '<html>mine</html>');
  symlinkSync(p('input.jsonl'), p('link-to-input.jsonl'));
  return { root, p };
}

test('output policy: each case of the table is refused or allowed, and a refusal names the flag and the path', () => {
  const { p } = playground();
  const reads = [{ name: '--input', path: p('input.jsonl') }, { name: '--model', path: p('model') }, { name: '--dataset', path: 'org/some-hub-id' }];
  const cases: { what: string; check: Partial<OutputCheck> & Pick<OutputCheck, 'path' | 'kind'>; refused?: RegExp }[] = [
    { what: 'a new file', check: { path: p('out.npy'), kind: 'file' } },
    { what: 'a new file in new folders', check: { path: p('a', 'b', 'out.npy'), kind: 'file' } },
    { what: 'an existing file of the user', check: { path: p('afile.txt'), kind: 'file' }, refused: /already exists; pass --overwrite to replace it/ },
    { what: 'an existing file of the user, --overwrite', check: { path: p('afile.txt'), kind: 'file', overwrite: true } },
    { what: 'a page embedlab wrote', check: { path: p('report.html'), kind: 'file' } },
    { what: 'a page the user wrote', check: { path: p('user-page.html'), kind: 'file' }, refused: /already exists/ },
    { what: 'a file path that is a folder', check: { path: p('user'), kind: 'file', overwrite: true }, refused: /is a folder; give a file path/ },
    { what: 'the input itself', check: { path: p('input.jsonl'), kind: 'file', overwrite: true }, refused: /is --input .*input\.jsonl, which this reads/ },
    { what: 'the input, spelled differently', check: { path: p('model', '..', 'input.jsonl'), kind: 'file', overwrite: true }, refused: /is --input/ },
    { what: 'the input through a symlink', check: { path: p('link-to-input.jsonl'), kind: 'file', overwrite: true }, refused: /is --input/ },
    { what: 'a file inside the model', check: { path: p('model', 'emb.npy'), kind: 'file' }, refused: /is inside --model .*model, which this reads/ },
    { what: 'a path under a file', check: { path: p('afile.txt', 'out.npy'), kind: 'file' }, refused: /afile\.txt is a file, not a folder/ },
    { what: 'a new folder', check: { path: p('run'), kind: 'folder' } },
    { what: 'an empty folder', check: { path: p('empty'), kind: 'folder' } },
    { what: "a folder of the user's files", check: { path: p('user'), kind: 'folder' }, refused: /already exists and is not empty; pass --overwrite to write into it \(nothing is deleted\) or choose a new or empty folder \(it holds files embedlab did not write: README\.md\)/ },
    { what: "a folder of the user's files, --overwrite", check: { path: p('user'), kind: 'folder', overwrite: true } },
    { what: 'a folder embedlab wrote', check: { path: p('ours'), kind: 'folder' } },
    { what: 'a folder path that is a file', check: { path: p('afile.txt'), kind: 'folder', overwrite: true }, refused: /is a file; give a folder path/ },
    { what: 'the model folder', check: { path: p('model'), kind: 'folder', overwrite: true }, refused: /is --model .*, which this reads/ },
    { what: 'a folder inside the model', check: { path: p('model', 'out'), kind: 'folder', overwrite: true }, refused: /is inside --model/ },
    { what: 'resuming a folder that does not exist', check: { path: p('gone'), kind: 'folder', resume: true }, refused: /does not exist; there is no run to resume/ },
    { what: "resuming in a folder with the user's files", check: { path: p('user'), kind: 'folder', resume: true } },
    { what: 'an empty path', check: { path: '', kind: 'folder' }, refused: /--output must be a folder path, got ""/ },
    { what: 'an API name in the message', check: { path: p('user'), kind: 'folder', name: 'outputDir', overwriteHint: 'overwrite: true' }, refused: /^outputDir .*user: .*pass overwrite: true/ },
  ];
  for (const { what, check, refused } of cases) {
    const run = () => checkOutput({ name: '--output', reads, ...check });
    if (!refused) {
      assert.doesNotThrow(run, what);
      continue;
    }
    assert.throws(run, (error: Error) => {
      assert.ok(error instanceof EmbedlabError, `${what}: an EmbedlabError`);
      assert.match(error.message, refused, what);
      assert.ok(error.message.startsWith(check.name ?? '--output'), `${what}: the message starts with the flag: ${error.message}`);
      assert.ok(!error.message.includes('\n'), `${what}: one line`);
      return true;
    }, what);
  }
  assert.equal(readFileSync(p('input.jsonl'), 'utf8'), '{"text":"a"}\n', 'checking writes nothing');
  assert.deepEqual(readdirSync(p('user')), ['README.md']);
});

/** Runs the CLI; returns exit code and output. */
function cli(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, EMBEDLAB_BACKEND: 'cpu' } });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

/** Every file under `dir` with its bytes and mtime, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else out[path] = `${stat.mtimeMs}:${readFileSync(path).toString('base64')}`;
    }
  };
  walk(dir);
  return out;
}

test('every command refuses a dangerous output before any work: exit 2, one line naming the flag, no file touched', () => {
  const { root, p } = playground();
  writeFileSync(p('a.csv'), 'anchor,positive\nq,d\n');
  writeFileSync(p('texts.txt'), 'one\ntwo\n');
  const before = snapshot(root);
  const cases: [string[], RegExp][] = [
    [['encode', '--model', p('model'), '--input', p('input.jsonl'), '--output', p('input.jsonl')], /--output .*input\.jsonl: is --input/],
    [['encode', '--model', p('model'), '--input', p('texts.txt'), '--output', p('user')], /--output .*user: is a folder/],
    [['encode', '--model', p('model'), '--input', p('texts.txt'), '--output', p('afile.txt', 'x.npy')], /afile\.txt is a file, not a folder/],
    [['encode', '--model', p('model'), '--input', p('texts.txt'), '--output', p('model', 'e.npy')], /is inside --model/],
    [['mine-negatives', '--model', p('model'), '--input', p('a.csv'), '--output', p('a.csv')], /--output .*a\.csv: is --input/],
    [['mine-negatives', '--model', p('model'), '--input', p('a.csv'), '--output', p('m.jsonl'), '--save-embeddings', p('user')], /--save-embeddings .*already exists and is not empty/],
    [['evaluate', '--model', p('model'), '--queries', p('input.jsonl'), '--corpus', p('input.jsonl'), '--qrels', p('a.csv'), '--output', p('user')], /--output .*user: is a folder/],
    [['finetune', '--model', p('model'), '--train', p('a.csv'), '--output', p('model')], /--output .*model: is --model/],
    [['finetune', '--model', p('model'), '--train', p('a.csv'), '--output', p('user')], /--output .*user: already exists and is not empty; pass --overwrite.*README\.md/],
    [['finetune', '--model', p('model'), '--train', p('a.csv'), '--output', p('afile.txt')], /--output .*afile\.txt: is a file; give a folder path/],
    [['finetune', '--model', p('model'), '--train', p('a.csv'), '--output', p('gone'), '--resume'], /does not exist; there is no run to resume/],
    [['demo', '--output', p('user')], /--output .*user: already exists and is not empty/],
    [['demo', '--out', p('afile.txt')], /--output .*afile\.txt: is a file/],
    [['demo', '--dataset', p('a.csv'), '--output', p('a.csv')], /is --dataset/],
  ];
  for (const [args, expected] of cases) {
    const run = cli(args);
    const what = args.join(' ');
    assert.equal(run.status, 2, `${what}: exit 2\n${run.stderr}`);
    assert.match(run.stderr, expected, what);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.doesNotMatch(run.stderr, /^backend:/m, `${what}: refused before the backend started (before any work)`);
    assert.equal(run.stderr.trim().split('\n').filter((l) => !/is deprecated/.test(l)).length, 1, `${what}: one line\n${run.stderr}`);
  }
  assert.deepEqual(snapshot(root), before, 'no file was written, replaced or deleted');
});

test('APIs that write follow the same policy: model.save, finetune, saveTrainTest, saveTrainingRows, exportEmbeddings, reports', async () => {
  await initBackend();
  const { root, p } = playground();
  const modelDir = p('saved-model');
  const built = createStaticModel(TOKENIZER, { dim: 8, seed: 1 });
  await built.save(modelDir);
  built.dispose();
  assert.ok(readdirSync(modelDir).includes(OUTPUT_MARKER), 'a saved model folder is marked as embedlab’s');
  const model = await loadModel(modelDir);
  try {
    const before = snapshot(root);
    await assert.rejects(model.save(modelDir), /^EmbedlabError: model\.save\(dir\) .*: is the folder this model was loaded from/);
    await assert.rejects(model.save(p('user')), /model\.save\(dir\) .*already exists and is not empty.*\{ overwrite: true \}/);
    await assert.rejects(model.save(p('afile.txt')), /model\.save\(dir\) .*is a file/);
    const rows = Array.from({ length: 8 }, (_, i) => ({ anchor: `q ${i}`, positive: `d ${i}`, negatives: [] }));
    await assert.rejects(finetune(model, rows, { batchSize: 4, epochs: 1, outputDir: modelDir }), /outputDir .*: is the folder the model was loaded from/);
    await assert.rejects(finetune(model, rows, { batchSize: 4, epochs: 1, outputDir: p('user') }), /outputDir .*already exists and is not empty.*overwrite: true/);
    await assert.rejects(saveTrainTest(p('user'), { train: rows, test: rows }), /saveTrainTest\(dir\) .*already exists and is not empty/);
    await assert.rejects(saveTrainingRows(p('afile.txt'), rows), /saveTrainingRows\(path\) .*already exists; pass \{ overwrite: true \}/);
    await assert.rejects(exportEmbeddings(model, { queries: new Map([['1', 'q']]) }, p('user')), /exportEmbeddings\(dir\) .*already exists and is not empty/);
    await assert.rejects(saveReport(p('user-page.html'), { title: 't', sections: [] }), /saveReport\(path\) .*already exists/);
    await assert.rejects(new Chart({ data: [], layout: {} }, { title: 't' }).saveHtml(p('user')), /saveHtml\(path\) .*is a folder/);
    assert.deepEqual(snapshot(root), before, 'nothing was written by a refused call');

    // re-running into a folder embedlab wrote is allowed (a notebook run twice) …
    const split = p('split');
    await saveTrainTest(split, { train: rows, test: rows });
    await saveTrainTest(split, { train: rows.slice(0, 4), test: rows });
    assert.equal(readFileSync(join(split, 'train_dataset.json'), 'utf8').trim().split('\n').length, 4);
    await saveReport(p('report.html'), { title: 'again', sections: [] });
    // … and overwrite writes into the user's folder, deleting nothing (a same-named file is replaced: that is what overwrite asks)
    writeFileSync(p('user', 'keep.txt'), 'keep me');
    await model.save(p('user'), { overwrite: true });
    assert.equal(readFileSync(p('user', 'keep.txt'), 'utf8'), 'keep me');
    assert.ok(readdirSync(p('user')).includes('modules.json'));
  } finally {
    model.dispose();
  }
});
