import 'reflect-metadata';
import { createEngine, exagoApi } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** The rule as a regular expression (how the engine checked paths before its one-pass scan). */
const UNSAFE = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\/\/|\\|%5c|%[01][0-9a-f]|%7f|[\u0000-\u001f\u007f]/i;

/** Pieces a path is made of: the characters and escapes the rule is about, and plain ones. */
const PIECES = ['/', '.', '..', '%', '2', 'e', 'E', '5', 'c', 'C', '7', 'f', 'F', '0', '1', 'a', 'g', '\\', '\u0001', '\u007f'];
const ESCAPES = ['%2e', '%2E', '%5c', '%5C', '%1f', '%0a', '%7F', '%20', '%2f', '%41', '%g1', '%2'];

/** A deterministic generator, so that a failure names the same path every run. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

function paths(count: number): string[] {
  const next = generator(18);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let path = '/';
    const pieces = 1 + Math.floor(next() * 7);
    for (let p = 0; p < pieces; p++) {
      const set = next() < 0.3 ? ESCAPES : PIECES;
      path += set[Math.floor(next() * set.length)];
    }
    out.push(path);
  }
  return out;
}

test('a call path is refused with 400 INVALID_PATH exactly when it holds a dot segment, a doubled slash, a backslash or a control character', async () => {
  const call = createDirectCaller(createEngine({ apis: [exagoApi()], logger: { error: () => {} } }));
  const cases = [...paths(3000), '/', '/Roles/', '/a/./b', '/a/%2E%2e', '/a/...', '/a/.b', '/a//b', '/%00', '/a%5Cb', '/a/%2e%2e%2e'];
  const wrong: string[] = [];
  for (const path of cases) {
    const res = await call({ method: 'GET', url: `/rest${path}` });
    const refused = (res.body as { code?: string }).code === 'INVALID_PATH';
    if (refused !== UNSAFE.test(path)) wrong.push(`${JSON.stringify(path)}: ${refused ? 'refused' : 'accepted'}`);
  }
  assert.equal(wrong, []);
});

test('a sub-request path with a dot segment fails alone with INVALID_PATH, the rest of the batch runs', async () => {
  const call = createDirectCaller(createEngine({ apis: [exagoApi()] }));
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles/%2e%2E', Method: 'GET' },
      { Url: 'Roles', Method: 'GET' },
    ],
  });
  const items = res.body as Array<{ ReturnCode: string; ResponseContent: { code?: string } }>;
  assert.equal(
    items.map((item) => item.ReturnCode),
    ['201', '400', '200'],
  );
  assert.is(items[1]!.ResponseContent.code, 'INVALID_PATH');
});

test.run();
