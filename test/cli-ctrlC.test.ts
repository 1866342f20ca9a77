import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { stoppableByCtrlC } from '../src/cli/ctrlC';

test('stoppableByCtrlC: the first Ctrl-C aborts the signal, and the handler goes when the work ends', async () => {
  const before = process.listenerCount('SIGINT');
  const write = process.stderr.write.bind(process.stderr);
  const err: string[] = [];
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const result = await stoppableByCtrlC('finetune', async (signal) => {
      assert.equal(process.listenerCount('SIGINT'), before + 1);
      assert.equal(signal.aborted, false);
      process.emit('SIGINT');
      assert.equal(signal.aborted, true);
      return 'stopped';
    });
    assert.equal(result, 'stopped');
  } finally {
    process.stderr.write = write;
  }
  assert.match(err.join(''), /embedlab finetune: stopping after the current step \(Ctrl-C again to quit at once\)/);
  assert.equal(process.listenerCount('SIGINT'), before);
  await assert.rejects(stoppableByCtrlC('demo', async () => { throw new Error('boom'); }), /boom/);
  assert.equal(process.listenerCount('SIGINT'), before, 'removed when the work throws too');
});

test('stoppableByCtrlC: a second Ctrl-C quits at once with exit code 130', async () => {
  const helper = join(__dirname, '../src/cli/ctrlC.js');
  // work that never ends by itself; the child says "ready" once the handler is in place
  const script = `require(${JSON.stringify(helper)}).stoppableByCtrlC('demo', () => { console.log('ready'); return new Promise(() => setInterval(() => {}, 1000)); });`;
  const child = spawn(process.execPath, ['-e', script]);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', () => {
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGINT'), 200);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /embedlab demo: stopping after the current step/);
  assert.match(stderr, /embedlab demo: interrupted again, quitting now/);
});
