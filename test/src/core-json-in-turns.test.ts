// jsonWholeOrChunks makes the JSON of a large answer in slices (the HTTP transports write it in
// chunks, the WebSocket transport in the fragments of one message): whatever the value and however
// deep it is opened, the text must be the one JSON.stringify makes.
import fc from 'fast-check';
import { jsonWholeOrChunks, WHOLE_JSON_CHARS } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

async function textOf(made: string | AsyncGenerator<string>): Promise<{ text: string; chunks: number }> {
  if (typeof made === 'string') return { text: made, chunks: 0 };
  let text = '';
  let chunks = 0;
  for await (const chunk of made) {
    text += chunk;
    chunks++;
  }
  return { text, chunks };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** JSON values with what JSON.stringify leaves out or rewrites mixed in: undefined, functions, symbols, a Date, a toJSON, a class instance, an object without prototype. */
const awkward = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom(
      undefined,
      () => 1,
      Symbol('s'),
      new Date(0),
      { toJSON: () => 'mine' },
      { toJSON: () => undefined },
      new (class Point {
        x = 1;
      })(),
    ),
    fc.constant(Object.assign(Object.create(null) as object, { a: 1, b: [2] })),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

test('the text is the one JSON.stringify makes, at every depth of opening (arbitrary values, with members JSON leaves out)', async () => {
  await fc.assert(
    fc.asyncProperty(awkward, fc.integer({ min: 0, max: 5 }), async (value, levels) => {
      const { text } = await textOf(jsonWholeOrChunks(value, turn, levels));
      assert.is(text, JSON.stringify(value) ?? 'null');
    }),
    { numRuns: 500 },
  );
});

test('past 1 Mi characters it comes in chunks, the same text, with the emoji and "€" of its strings whole', async () => {
  const value = {
    id: 'x',
    body: { responses: Array.from({ length: 40 }, (_, i) => ({ index: i, text: '€😀'.repeat(16 * 1024), gone: undefined })) },
    headers: { a: 'b' },
  };
  const made = jsonWholeOrChunks(value, turn, 3);
  assert.ok(typeof made !== 'string', 'a large value is made in chunks');
  const { text, chunks } = await textOf(made);
  assert.ok(chunks > 1, `${chunks} chunks`);
  assert.ok(text.length > WHOLE_JSON_CHARS);
  assert.is(text, JSON.stringify(value));
});

test('a value whose JSON throws (a BigInt) throws before any text while it is small', () => {
  assert.throws(() => jsonWholeOrChunks({ responses: [1, 2n] }, turn, 3), /BigInt/);
});

test('long arrays, whose items are written in runs of one JSON.stringify each, make the same text (holes, undefined, opened items between)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(awkward, { maxLength: 400 }), fc.integer({ min: 1, max: 3 }), async (items, levels) => {
      const sparse = [...items];
      if (sparse.length > 3) delete sparse[1];
      const value = { responses: sparse };
      assert.is((await textOf(jsonWholeOrChunks(value, turn, levels))).text, JSON.stringify(value));
    }),
    { numRuns: 200 },
  );
});

test('runs shrink around heavy items: 3000 items of 20 B to 300 KB past 1 Mi characters, the same text in chunks', async () => {
  const responses = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? { big: 'é'.repeat(300_000) } : { index: i, ok: i % 3 === 0 }));
  const value = { id: 1, body: { responses } };
  const made = jsonWholeOrChunks(value, turn, 3);
  assert.ok(typeof made !== 'string');
  const { text, chunks } = await textOf(made);
  assert.ok(chunks > 1, `${chunks} chunks`);
  assert.is(text, JSON.stringify(value));
});

test.run();
