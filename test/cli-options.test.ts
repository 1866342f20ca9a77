import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsOption, dimsOption, intOption, numberOption } from '../src/cli/options';
import { EmbedlabError } from '../src/util/errors';

/** The EmbedlabError message `parse` throws, or fails the test when it does not throw one. */
function messageOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof EmbedlabError, `expected an EmbedlabError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected an error');
}

test('intOption: parses whole numbers within bounds, absent stays undefined', () => {
  assert.equal(intOption('32', '--batch-size', { min: 1 }), 32);
  assert.equal(intOption(' 7 ', '--seed'), 7);
  assert.equal(intOption('-3', '--seed'), -3);
  assert.equal(intOption('0', '--negatives', { min: 0 }), 0);
  assert.equal(intOption(undefined, '--epochs', { min: 1 }), undefined);
  assert.equal(intOption(undefined, '--seed', { min: 0 }) ?? 42, 42);
});

test('intOption: the error names the flag, the rule and the bad value', () => {
  assert.equal(messageOf(() => intOption('0', '--batch-size', { min: 1 })), '--batch-size must be a positive integer, got "0"');
  assert.equal(messageOf(() => intOption('2.5', '--epochs', { min: 1 })), '--epochs must be a positive integer, got "2.5"');
  assert.equal(messageOf(() => intOption('-1', '--negatives', { min: 0 })), '--negatives must be an integer ≥ 0, got "-1"');
  assert.equal(messageOf(() => intOption('x', '--seed')), '--seed must be an integer, got "x"');
  // Number('') is 0: an empty value must not pass as zero
  assert.equal(messageOf(() => intOption('', '--warmup-steps', { min: 0 })), '--warmup-steps must be an integer ≥ 0, got ""');
});

test('numberOption: finite numbers within bounds; custom wording when given', () => {
  assert.equal(numberOption('2e-5', '--lr', { above: 0 }), 2e-5);
  assert.equal(numberOption('0', '--weight-decay', { min: 0 }), 0);
  assert.equal(numberOption('0.1', '--test-size', { above: 0 }), 0.1);
  assert.equal(numberOption(undefined, '--lr', { above: 0 }), undefined);
  assert.equal(messageOf(() => numberOption('abc', '--lr', { above: 0 })), '--lr must be a finite positive number, got "abc"');
  assert.equal(messageOf(() => numberOption('0', '--lr', { above: 0 })), '--lr must be a finite positive number, got "0"');
  assert.equal(messageOf(() => numberOption('Infinity', '--max-grad-norm', { min: 0 })), '--max-grad-norm must be a finite number ≥ 0, got "Infinity"');
  assert.equal(messageOf(() => numberOption(' ', '--warmup-ratio', { min: 0 })), '--warmup-ratio must be a finite number ≥ 0, got " "');
  assert.equal(
    messageOf(() => numberOption('-2', '--test-size', { above: 0, expected: 'a fraction in (0, 1) or a row count' })),
    '--test-size must be a fraction in (0, 1) or a row count, got "-2"',
  );
});

test('dimsOption: a comma list of positive integers; the error names the flag and the bad part', () => {
  assert.deepEqual(dimsOption('768,512, 256', '--dims'), [768, 512, 256]);
  assert.equal(dimsOption(undefined, '--dims'), undefined);
  assert.equal(
    messageOf(() => dimsOption('32,x', '--matryoshka-dims')),
    '--matryoshka-dims: "x" is not a positive integer (example: --matryoshka-dims 768,512,256,128,64)',
  );
  assert.match(messageOf(() => dimsOption('64,0', '--dims')), /--dims: "0" is not a positive integer/);
  assert.match(messageOf(() => dimsOption('64,,32', '--dims')), /--dims: "" is not a positive integer/);
});

test('columnsOption: key=column pairs, several negative columns joined by +', () => {
  assert.equal(columnsOption(undefined, '--columns'), undefined);
  assert.deepEqual(columnsOption('anchor=title, positive=body', '--columns'), { anchor: 'title', positive: 'body' });
  assert.deepEqual(columnsOption('anchor=q,positive=doc,negatives=hn1+hn2,id=qid', '--columns'), {
    anchor: 'q', positive: 'doc', negatives: ['hn1', 'hn2'], id: 'qid',
  });
  assert.match(messageOf(() => columnsOption('anchor=title', '--columns')), /must name at least anchor=… and positive=…/);
  assert.match(messageOf(() => columnsOption('query=title,positive=body', '--columns')), /"query=title" is not key=column with key one of anchor, positive/);
  assert.match(messageOf(() => columnsOption('anchor=title,positive', '--columns')), /"positive" is not key=column/);
});
