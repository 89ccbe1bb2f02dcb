import 'reflect-metadata';
import { EXCERPT_CHARS, excerpt, quoted } from '@restbatch/core';
import { createExampleEngine } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** 200 000 characters: a path segment, an id or a value no error message may repeat whole. */
const LONG = 'x'.repeat(200_000);
/** The longest message an excerpt leaves: a sentence around two cut inputs. */
const MESSAGE_CHARS = 2 * EXCERPT_CHARS + 300;
const CLAIMS = '/rest/claim/v1';

/** Every message-like string of an answer (Exago `reason`, Guidewire `userMessage`/`developerMessage`, OData and problem `message`/`detail`). */
function messages(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) messages(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && ['message', 'userMessage', 'developerMessage', 'reason', 'detail'].includes(key)) found.push(inner);
      else messages(inner, found);
    }
  }
  return found;
}

/** Sends `body` to `url` of a fresh example engine; returns the answer's text and its messages, each checked to be short. */
async function answer(url: string, body: unknown, method = 'POST'): Promise<{ status: number; text: string; messages: string[] }> {
  const engine = createExampleEngine({});
  try {
    const res = await engine.inject({ method, url, headers: { host: 'api.example', 'content-type': 'application/json' }, body });
    const found = messages(res.json());
    assert.ok(found.length > 0, `an error message in ${res.body.slice(0, 300)}`);
    for (const message of found)
      assert.ok(message.length <= MESSAGE_CHARS, `a message of ${message.length} characters: ${message.slice(0, 300)}`);
    return { status: res.status, text: res.body, messages: found };
  } finally {
    await engine.close();
  }
}

test('excerpt keeps input up to 200 characters and cuts a longer one with an ellipsis and its length, never inside a surrogate pair', () => {
  assert.is(excerpt('/claims/cc:22'), '/claims/cc:22');
  assert.is(excerpt('y'.repeat(EXCERPT_CHARS)), 'y'.repeat(EXCERPT_CHARS));
  assert.is(excerpt(LONG), `${'x'.repeat(EXCERPT_CHARS)}… (200000 characters)`);
  assert.is(quoted(LONG), `"${'x'.repeat(EXCERPT_CHARS)}…" (200000 characters)`);
  assert.is(quoted('cc:22'), '"cc:22"');
  assert.is(quoted(42), '42');
  const pairs = `${'a'.repeat(EXCERPT_CHARS - 1)}😀😀`;
  assert.is(excerpt(pairs), `${'a'.repeat(EXCERPT_CHARS - 1)}… (${pairs.length} characters)`);
});

test('a 404 inside an OData batch names a 200 KB url by its first 200 characters, not twice whole (userMessage and developerMessage)', async () => {
  const url = `${CLAIMS}/${LONG}`;
  const res = await answer(`${CLAIMS}/$batch`, { requests: [{ id: '1', method: 'GET', url }] });
  assert.is(res.status, 200);
  assert.ok(res.text.length < 2000, `the answer holds ${res.text.length} characters`);
  assert.ok(res.messages.some((m) => m.includes(`/${'x'.repeat(EXCERPT_CHARS - 1)}… (200001 characters)`)));
});

test('a 405 inside a Guidewire batch, and a 404, cut the path they name', async () => {
  // The router takes parameters of at most 100 characters: two of them make a path of 220.
  const path = `/claims/${'c'.repeat(100)}/activities/${'a'.repeat(100)}`;
  const res = await answer(`${CLAIMS}/batch`, {
    requests: [
      { method: 'delete', path },
      { method: 'get', path: `/${LONG}` },
    ],
  });
  assert.is(res.status, 200);
  assert.ok(res.text.length < 4000, `the answer holds ${res.text.length} characters`);
  assert.ok(res.messages.includes(`DELETE is not allowed on ${path.slice(0, EXCERPT_CHARS)}… (220 characters); allowed: GET, PATCH`));
  assert.ok(res.messages.includes(`No resource at /${'x'.repeat(EXCERPT_CHARS - 1)}… (200001 characters)`));
});

test('an OData url outside the API (URL_OUTSIDE_API) and a long id in a dependency failure are cut too', async () => {
  const res = await answer(`${CLAIMS}/$batch`, {
    requests: [
      { id: 'a', method: 'GET', url: `http://api.example/elsewhere/${LONG}` },
      { id: LONG, method: 'GET', url: 'claims/none' },
      { id: 'c', method: 'GET', url: 'claims', dependsOn: [LONG] },
    ],
  });
  assert.is(res.status, 200);
  // The protocol echoes each id once, in its own response; no message repeats it whole.
  assert.ok(res.text.length < LONG.length + 4000, `the answer holds ${res.text.length} characters`);
  assert.ok(res.messages.some((m) => m.includes('url /elsewhere/xxx') && m.includes('… (200011 characters) is outside the API')));
});

test('an Exago batch whose Url is not a resource name, and a plain call at a long path, are answered with the input cut', async () => {
  const batch = await answer('/rest/batch', [
    { Url: 'Sessions', Method: 'POST' },
    { Url: LONG, Method: 'GET' },
  ]);
  assert.is(batch.status, 400);
  assert.ok(batch.messages.some((m) => m.includes(`(Url "${'x'.repeat(EXCERPT_CHARS)}…" (200000 characters))`)));
  const plain = await answer(`/rest/${LONG}`, {});
  assert.is(plain.status, 404);
  const outside = await answer(`/${LONG}`, {});
  assert.is(outside.status, 404);
});

test('an OData url climbing above the root, an if it cannot read and headers named twice are cut, with their real length', async () => {
  const res = await answer(`${CLAIMS}/$batch`, {
    requests: [
      { id: 'a', method: 'GET', url: `../../../${LONG}` },
      { id: 'b', method: 'GET', url: 'claims', if: `${LONG} or x` },
    ],
  });
  assert.ok(res.text.length < 4000, `the answer holds ${res.text.length} characters`);
  assert.ok(res.messages.some((m) => m.includes(`url "../../../${'x'.repeat(EXCERPT_CHARS - 9)}…" (200009 characters) climbs`)));
  assert.ok(res.messages.some((m) => m.includes('…" (200005 characters) is not supported')));
  // Names differing only in case refuse the whole batch (JSON §19.1), naming both cut.
  const twice = await answer(`${CLAIMS}/$batch`, {
    requests: [{ id: 'c', method: 'GET', url: 'claims', headers: { [`X-${LONG}`]: '1', [`x-${LONG}`]: '2' } }],
  });
  assert.is(twice.status, 400);
  assert.ok(twice.messages.some((m) => m.includes('…" (200002 characters) and "x-xxx')));
});

test.run();
