/**
 * The kernel as a Jupyter client sees it (test/kernel_protocol.py drives it
 * with jupyter_client): error replies and messages on the failing cell,
 * execution counts, busy/idle per cell, aborts after a failure, positions
 * and tracebacks in the user's terms, rich results, Shift-Tab help, and
 * interrupts that stop training and evaluation.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, REPO_ROOT, installKernelSandbox, jupyterMissing } from './notebooksHarness';

interface Message {
  type: string;
  content: Record<string, unknown> & { execution_state?: string };
  t: number;
}
interface Step {
  msg_id: string;
  reply: { type: string; content: Record<string, unknown> };
  iopub: Message[];
  interrupt?: { sent: number | null; step: number | null };
}
type Results = Record<string, Step> & { statuses: { parent: string; state: string; t: number }[] };

const missing = jupyterMissing();
let results: Results;

before(() => {
  if (missing) return;
  const sandbox = installKernelSandbox('embedlab-protocol');
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-protocol-'));
  const out = join(dir, 'protocol.json');
  const run = spawnSync(PYTHON, [join(REPO_ROOT, 'test', 'kernel_protocol.py'), sandbox.kernelName, out, join(dir, 'checkpoints')], {
    env: sandbox.env,
    cwd: dir,
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (!existsSync(out)) throw new Error(`kernel_protocol.py wrote nothing (status ${run.status}): ${run.stderr}`);
  results = JSON.parse(readFileSync(out, 'utf8')) as Results;
});

const of = (step: Step, type: string) => step.iopub.filter((m) => m.type === type);
const stdout = (step: Step) => of(step, 'stream').filter((m) => m.content.name === 'stdout').map((m) => m.content.text).join('');
const stderr = (step: Step) => of(step, 'stream').filter((m) => m.content.name === 'stderr').map((m) => m.content.text).join('');

test('an error cell replies "error" with an error message; the next cell replies "ok"', { skip: missing }, () => {
  const failed = results.error!;
  assert.equal(failed.reply.content.status, 'error');
  assert.equal(failed.reply.content.ename, 'TypeError');
  assert.equal(failed.reply.content.evalue, 'deep down');
  const [error, ...more] = of(failed, 'error');
  assert.equal(more.length, 0);
  assert.deepEqual(error!.content.traceback, failed.reply.content.traceback);
  assert.equal(of(failed, 'stream').length, 0, 'the error is not a stderr stream');
  const next = results.after_error!;
  assert.equal(next.reply.content.status, 'ok');
  assert.equal(of(next, 'error').length, 0);
  assert.equal(stdout(next), 'still running 42\n');
});

test('tracebacks: the user frames with the lines as written, nothing compiled or internal', { skip: missing }, () => {
  const traceback = (results.error!.reply.content.traceback as string[]).join('\n');
  const count = results.error!.reply.content.execution_count;
  assert.match(traceback, new RegExp(`^TypeError: deep down\n    at explode \\(Cell In\\[${count}\\], line 2\\)\n        throw new TypeError\\('deep down'\\);\n    at Cell In\\[${count}\\], line 4\n        explode\\(\\);\n`));
  assert.doesNotMatch(traceback, /tsLastExpr|exports\.|evalmachine|node:|node_modules|\/dist\/|__tslab__/);
  assert.match(traceback, /frames of Node, packages and embedlab hidden; EMBEDLAB_DEBUG=1 shows them/);
});

test('execute_input carries each execution count, the same as the reply', { skip: missing }, () => {
  let last = 0;
  for (const name of ['first', 'error', 'after_error', 'after_queue', 'slow', 'quick', 'type_error', 'rich_table', 'train']) {
    const step = results[name]!;
    const [input] = of(step, 'execute_input');
    assert.ok(input, `${name}: execute_input`);
    assert.equal(input.content.execution_count, step.reply.content.execution_count, name);
    assert.ok((input.content.execution_count as number) > last, `${name}: counts increase`);
    last = input.content.execution_count as number;
  }
  assert.equal(results.first!.reply.content.execution_count, 1);
});

test('after a failure the cells queued behind it are aborted; a cell sent later runs', { skip: missing }, () => {
  assert.equal(results.queued_0!.reply.content.status, 'error');
  assert.equal(results.queued_1!.reply.content.status, 'aborted');
  assert.equal(results.queued_2!.reply.content.status, 'aborted');
  assert.equal(stdout(results.queued_1!), '');
  assert.equal(results.after_queue!.reply.content.status, 'ok');
  assert.equal(stdout(results.after_queue!), 'runs again\n');
});

test('busy/idle per executing cell: a queued cell is busy only once the one before is idle', { skip: missing }, () => {
  const slow = results.slow!.msg_id;
  const quick = results.quick!.msg_id;
  const states = results.statuses.filter((s) => s.parent === slow || s.parent === quick).map((s) => `${s.parent === slow ? 'slow' : 'quick'}:${s.state}`);
  assert.deepEqual(states, ['slow:busy', 'slow:idle', 'quick:busy', 'quick:idle']);
  // idle comes after the cell's last output
  const idle = of(results.slow!, 'status').at(-1)!;
  assert.ok(idle.t >= of(results.slow!, 'stream').at(-1)!.t);
});

test('type errors: the position in the code as written (not shifted by the { x } rewrite), the line shown', { skip: missing }, () => {
  const code = "const options = { loss, epochs: 2 }; const wrong: number = 'text';";
  const column = code.indexOf('wrong') + 1;
  const reply = results.type_error!.reply.content;
  assert.equal(reply.status, 'error');
  assert.equal(reply.evalue, `1:${column} - Type 'string' is not assignable to type 'number'.`);
  const count = reply.execution_count;
  assert.deepEqual(reply.traceback, [
    `Cell In[${count}], line 1, column ${column}:`,
    `    ${code}`,
    `    ${' '.repeat(column - 1)}^^^^^`,
    "Type 'string' is not assignable to type 'number'.",
  ]);
});

test('a cell’s last value: records as an HTML table safe from MathJax, numbers by magnitude', { skip: missing }, () => {
  const [result] = of(results.rich_table!, 'execute_result');
  assert.ok(result);
  const data = result.content.data as Record<string, string>;
  assert.match(data['text/html']!, /^<table class="embedlab-table tex2jax_ignore mathjax_ignore">/);
  assert.match(data['text/html']!, /<td style="text-align:left[^"]*">\$276 million, or \$3\.70<\/td>/);
  assert.match(data['text/html']!, /<td style="text-align:right[^"]*">2e-5<\/td><td style="text-align:right[^"]*">0\.8123<\/td>/);
  assert.match(data['text/plain']!, /Acme +\$276 million, or \$3\.70 +2e-5 +0\.8123/);
});

test('Shift-Tab help shows links as names and keeps the example', { skip: missing }, () => {
  const reply = results.inspect!.reply.content as { found: boolean; data: Record<string, string> };
  assert.equal(reply.found, true);
  const text = reply.data['text/plain']!;
  assert.match(text, /^\(alias\) function matryoshka\(inner: Loss, options: MatryoshkaOptions\): MatryoshkaLoss/);
  assert.match(text, /Wraps `inner` in a MatryoshkaLoss\./);
  assert.doesNotMatch(text, /\{@link/);
  assert.match(text, /@example\nconst loss = matryoshka\(mnrl\(\)/);
});

test('the first embedlab cell starts the best backend and says so once', { skip: missing }, () => {
  const train = results.train!;
  const lines = stdout(train).split('\n');
  assert.match(lines[0]!, /^backend: wasm \(XNNPACK, SIMD/);
  const all = Object.entries(results).filter(([k]) => k !== 'statuses' && k !== 'inspect').map(([, s]) => stdout(s as Step)).join('');
  assert.equal(all.match(/^backend: /gm)?.length, 1);
  assert.doesNotMatch(all + stderr(train), /Hi, looks like you are running TensorFlow\.js in Node\.js/);
  const after = JSON.parse(stdout(results.after_train!)) as { dimension: number; backend: string };
  assert.match(after.backend, /^backend: wasm/);
});

test('Kernel → Interrupt during training stops within one step, keeps the model and a checkpoint, says how to resume', { skip: missing }, () => {
  const train = results.train!;
  assert.equal(train.reply.content.status, 'ok');
  const run = JSON.parse(stdout(train).split('\n')[1]!) as { step: number; total: number; stopped: string | null };
  assert.equal(run.stopped, 'signal');
  const seen = train.interrupt!.step!;
  const received = /Interrupting after (\d+) steps: stopping at the end of the current step/.exec(stderr(train));
  assert.ok(received, stderr(train));
  const done = Number(received[1]);
  assert.ok(done >= seen, `the bar showed step ${seen} before the interrupt went out`);
  // training ends with the step that was running when the interrupt arrived
  assert.ok(run.step === done || run.step === done + 1, `${done} steps done at the interrupt, stopped after step ${run.step}`);
  assert.ok(run.step < run.total);
  assert.match(stderr(train), new RegExp(`Interrupted after step ${run.step} of ${run.total}: the model holds the weights of step ${run.step}, saved in .*checkpoint-${run.step}\\. To continue, run it again with resume: true`));
  const bar = of(train, 'update_display_data').at(-1)!;
  assert.match(String((bar.content.data as Record<string, string>)['text/plain']), new RegExp(` step ${run.step}/${run.total} .*stopped in .*stopped at step ${run.step}/${run.total}`));
  assert.equal(JSON.parse(stdout(results.after_train!)).dimension, 256, 'the model is still there');
});

test('an interrupt_request stops an evaluation: the cell fails with KeyboardInterrupt, the kernel goes on', { skip: missing }, () => {
  const evaluation = results.evaluate!;
  assert.equal(evaluation.reply.content.status, 'error');
  assert.equal(evaluation.reply.content.ename, 'KeyboardInterrupt');
  assert.deepEqual(evaluation.reply.content.traceback, ['KeyboardInterrupt: interrupted by the user']);
  assert.equal(results.evaluate_again!.reply.content.status, 'ok');
});

test('an evaluation result shows as a dims × metrics table; a mistyped key lists the valid ones', { skip: missing }, () => {
  const [result] = of(results.evaluate_again!, 'execute_result');
  const html = String((result!.content.data as Record<string, string>)['text/html']);
  assert.match(html, /<th[^>]*>dim<\/th><th[^>]*>accuracy@1<\/th>/);
  assert.equal(html.match(/<tr><td[^>]*>(256|64)<\/td>/g)?.length, 2, 'one row per dimension');
  const wrong = results.wrong_key!.reply.content;
  assert.equal(wrong.ename, 'EmbedlabError');
  assert.match(String(wrong.evalue), /^no metric "dim_256_cosine_ndcg@1O" in these results; valid keys: dim_\{256,64\}_\{cosine_accuracy@1,.*cosine_ndcg@10.*\}$/);
});
