// An Exago call's Url read alone and in a batch alike: only its path is "REST endpoint URL (following
// /rest/)" (the seed), so a `://` in its query is a value; and a fragment ends it (RFC 3986 §3.5),
// as node:http hands a target with a `#` to the engine as it came.
import 'reflect-metadata';
import { request } from 'node:http';
import { type Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };

interface Answer {
  status: number;
  body: any;
}

/** One way to send a call: node:http, which sends the target as written (`#` included), or direct. */
type Send = (method: string, url: string, body?: unknown) => Promise<Answer>;

function overHttp(base: string): Send {
  return (method, url, body) =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const { hostname, port } = new URL(base);
      const req = request(
        { host: hostname, port, method, path: url, headers: text === undefined ? {} : { 'content-type': 'application/json' } },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            data += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data === '' ? undefined : JSON.parse(data) }));
        },
      );
      req.on('error', reject);
      req.end(text);
    });
}

function direct(engine: Engine): Send {
  const call = createDirectCaller(engine);
  return async (method, url, body) => {
    const res = await call({ method, url, body });
    return { status: res.status, body: res.body };
  };
}

/** Runs `fn` once with node:http and once with the direct caller, each on a fresh engine. */
async function eachTransport(fn: (send: Send) => Promise<void>): Promise<void> {
  await fn(direct(wsTestEngine().engine));
  const server = await listen(createHttpHandler(wsTestEngine().engine));
  try {
    await fn(overHttp(server.url));
  } finally {
    await server.close();
  }
}

test('a fragment is cut before the query is read: a call alone and the same Url in a batch hand the handler the same query', async () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['Test/Query?a=1#frag&b=2', { a: '1' }],
    ['Test/Query#x?c=3', {}],
    ['Test/Query?ReturnUrl=http://example.com/x#y&z=1', { ReturnUrl: 'http://example.com/x' }],
  ];
  await eachTransport(async (send) => {
    for (const [url, query] of cases) {
      const alone = await send('GET', `/rest/${url}`);
      assert.is(alone.status, 200, url);
      assert.equal(alone.body, query, url);
      const batch = await send('POST', '/rest/batch', [SESSION, { Url: url, Method: 'GET' }]);
      assert.is(batch.status, 200, JSON.stringify(batch.body));
      assert.equal(batch.body[1], { ReturnCode: '200', ResponseContent: query }, url);
    }
  });
});

test("a :// in a call's query does not refuse the batch: GET Roles?ReturnUrl=http://... answers 200 alone and in a batch", async () => {
  await eachTransport(async (send) => {
    const made = await send('POST', '/rest/Sessions', {});
    assert.is(made.status, 201);
    const alone = await send('GET', `/rest/Roles?sid=${made.body.Id}&ReturnUrl=http://example.com/x`);
    assert.is(alone.status, 200, JSON.stringify(alone.body));
    const batch = await send('POST', '/rest/batch', [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles?ReturnUrl=http://example.com/x', Method: 'GET' },
    ]);
    assert.is(batch.status, 200, JSON.stringify(batch.body));
    assert.equal(batch.body[1], { ReturnCode: '200', ResponseContent: alone.body });
  });
});

test('a sid after a fragment is no sid: the call runs in the batch session, as the same call alone runs in none', async () => {
  await eachTransport(async (send) => {
    const made = await send('POST', '/rest/Sessions', {});
    const batch = await send('POST', '/rest/batch', [SESSION, { Url: `Roles#?sid=${made.body.Id}`, Method: 'GET' }]);
    assert.is(batch.status, 200, JSON.stringify(batch.body));
    assert.is(batch.body[1].ReturnCode, '200');
    const alone = await send('GET', `/rest/Roles#?sid=${made.body.Id}`);
    assert.is(alone.status, 401, JSON.stringify(alone.body));
    assert.is(alone.body.code, 'SESSION_REQUIRED');
  });
});

test('a host in the path is still refused whole, before or without a query', async () => {
  await eachTransport(async (send) => {
    for (const url of ['http://evil.example/Roles', 'Roles/http://evil.example/x?y=1', 'Roles/x://y#z']) {
      const res = await send('POST', '/rest/batch', [SESSION, { Url: url, Method: 'GET' }]);
      assert.is(res.status, 400, url);
      assert.is(res.body.code, 'BATCH_MALFORMED', url);
    }
  });
});

test.run();
