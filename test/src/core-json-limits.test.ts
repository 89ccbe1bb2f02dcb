import { parseJson, type RestBatchError } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const LIMITS = { maxDepth: 3, maxStringLength: 8 };

function codeOf(text: string, limits = LIMITS): string | undefined {
  try {
    parseJson(text, limits);
    return undefined;
  } catch (error) {
    return (error as RestBatchError).code;
  }
}

test('brackets after an escaped quote inside a string do not count as nesting', () => {
  assert.equal(parseJson('["a\\"[[[[["]', LIMITS), ['a"[[[[[']);
});

test('an even run of backslashes before a quote ends the string, so the nesting after it counts', () => {
  assert.is(codeOf('["a\\\\", [[[[1]]]]]'), 'JSON_TOO_DEEP');
  assert.equal(parseJson('["a\\\\", [[1]]]', LIMITS), ['a\\', [[1]]]);
});

test('an odd run of backslashes before a quote escapes it, and the string goes on', () => {
  assert.equal(parseJson('["a\\\\\\"]]]]"]', { maxDepth: 3, maxStringLength: 64 }), ['a\\"]]]]']);
});

test('a string with escaped quotes is measured, in source characters, to its real end', () => {
  // Four escaped quotes are eight source characters, at the limit; five are over it.
  assert.equal(parseJson('["\\"\\"\\"\\""]', LIMITS), ['""""']);
  assert.is(codeOf('["\\"\\"\\"\\"\\""]'), 'STRING_TOO_LONG');
});

test('a string at exactly the length limit passes and one character more is refused', () => {
  assert.equal(parseJson('["12345678"]', LIMITS), ['12345678']);
  assert.is(codeOf('["123456789"]'), 'STRING_TOO_LONG');
});

test('an unterminated string is refused', () => {
  assert.is(codeOf('["abc'), 'JSON_MALFORMED');
});

test('__proto__ and constructor keys are removed however they are spelled, and a leading BOM is dropped', () => {
  const wide = { maxDepth: 8, maxStringLength: 64 };
  for (const text of [
    '{"__proto__":{"x":1},"a":1}',
    '{"\\u005f_proto__":{"x":1},"a":1}',
    '{"constructor":{"prototype":{"x":1}},"a":1}',
    '{"\\u0063onstructor":{"prototype":{"x":1}},"a":1}',
  ]) {
    const parsed = parseJson(text, wide) as Record<string, unknown>;
    assert.equal(Object.keys(parsed), ['a'], text);
    assert.is(Object.getPrototypeOf(parsed), Object.prototype, text);
  }
  assert.equal(parseJson('\ufeff{"a":1}', wide), { a: 1 });
});

test.run();
