/** The ModernBERT forward and gradient reference tests again, on the pure-JS cpu backend (a separate process picks its backend). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('ModernBERT reference forward and MNRL gradients on the cpu backend', () => {
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-name-pattern=last hidden state|MNRL loss', join(__dirname, 'modernbert-reference.test.js')],
    // without NODE_TEST_CONTEXT the child reports as a standalone run (TAP on stdout)
    { env: { ...process.env, EMBEDLAB_BACKEND: 'cpu', NODE_TEST_CONTEXT: undefined }, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /# tfjs backend: cpu/);
  assert.match(result.stdout, /# pass 2/);
});
