/** The training tests again on the pure-JS cpu backend (a separate process picks its backend). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('gradients on the cpu backend', () => {
  const result = spawnSync(process.execPath, ['--test', join(__dirname, 'models-training.test.js')], {
    env: { ...process.env, EMBEDLAB_BACKEND: 'cpu', NODE_TEST_CONTEXT: undefined },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /# tfjs backend: cpu/);
  assert.match(result.stdout, /# pass 5/);
  assert.match(result.stdout, /# fail 0/);
});
