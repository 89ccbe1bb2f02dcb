import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressApp, createExpressAppParsedFirst, createTodosEngine } from '@restbatch/example-express';
import type { Express } from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, responsesOf, send, TODOS_ANSWER, TODOS_BATCH } from './support/todos-client.js';

/** `app` on 127.0.0.1 at a free port. */
async function start(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const [name, create] of [
  ['mounted before express.json()', createExpressApp],
  ['mounted after express.json()', createExpressAppParsedFirst],
] as const) {
  test(`Express, handler ${name}: a batch runs in order against the injected service`, async () => {
    const s = await start(create(createTodosEngine()));
    try {
      const res = await send(`${s.url}/api/$batch`, 'POST', TODOS_BATCH);
      assert.is(res.status, 200);
      assert.equal(responsesOf(res.json), TODOS_ANSWER);
    } finally {
      await s.close();
    }
  });

  test(`Express, handler ${name}: ordinary calls answer, and a bad body gets a coded error`, async () => {
    const s = await start(create(createTodosEngine()));
    try {
      const added = await send(`${s.url}/api/todos`, 'POST', { title: 'bread' });
      assert.is(added.status, 201);
      assert.equal(added.json, { id: '1', title: 'bread', done: false });
      const list = await send(`${s.url}/api/todos`, 'GET');
      assert.equal(list.json, [{ id: '1', title: 'bread', done: false }]);
      const invalid = await send(`${s.url}/api/todos`, 'POST', { title: 42 });
      assert.is(invalid.status, 400);
      assert.is(errorOf(invalid.json).code, 'VALIDATION_FAILED');
      // `{}` is a body (not "no body"), whoever parsed it.
      const empty = await send(`${s.url}/api/$batch`, 'POST', {});
      assert.is(empty.status, 400);
      assert.is(errorOf(empty.json).code, 'BATCH_MALFORMED');
      assert.not.match(errorOf(empty.json).message, /no body/);
      // And no body is no body: express.json() reads `Content-Length: 0` as `{}`, which is not what was sent.
      const none = await send(`${s.url}/api/$batch`, 'POST', '', { 'content-type': 'application/json', 'content-length': '0' });
      assert.is(none.status, 400);
      assert.is(errorOf(none.json).code, 'BATCH_MALFORMED');
      assert.match(errorOf(none.json).message, /no body/);
    } finally {
      await s.close();
    }
  });
}

test("Express: before express.json(), bad JSON gets the dialect's error and the app's routes still parse JSON", async () => {
  const s = await start(createExpressApp(createTodosEngine()));
  try {
    const bad = await send(`${s.url}/api/$batch`, 'POST', '{"requests": [', { 'content-type': 'application/json' });
    assert.is(bad.status, 400);
    assert.is(errorOf(bad.json).code, 'JSON_MALFORMED');
    const echoed = await send(`${s.url}/echo`, 'POST', { a: 1 });
    assert.equal(echoed.json, { echoed: { a: 1 } });
  } finally {
    await s.close();
  }
});

test('Express: after express.json(), bad JSON is refused by express.json() before the engine sees it', async () => {
  const app = createExpressAppParsedFirst(createTodosEngine());
  app.set('env', 'test'); // Express logs the parser's error to stderr outside 'test'
  const s = await start(app);
  try {
    const bad = await send(`${s.url}/api/$batch`, 'POST', '{"requests": [', { 'content-type': 'application/json' });
    assert.is(bad.status, 400);
    assert.is(bad.json, undefined, "Express's own error page, not a dialect body");
  } finally {
    await s.close();
  }
});

test.run();
