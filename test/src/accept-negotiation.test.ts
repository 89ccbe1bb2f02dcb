// One reading of `Accept` for every place that reads it (core's acceptWeight): the HTTP transports'
// choice of a streamed (NDJSON) answer and the OData dialect's 406. RFC 9110 §12.5.1: q-values
// weigh each range ("a weight of 0 ... not acceptable") and "If more than one media range applies to
// a given type, the most specific reference has precedence".
import 'reflect-metadata';
import { acceptWeight, type Engine } from '@restbatch/core';
import { createExampleEngine } from '@restbatch/example-server';
import { restbatch } from '@restbatch/fastify';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import Fastify from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

const GUIDEWIRE = { path: '/rest/claim/v1/batch', body: { requests: [{ method: 'get', path: '/claims/cc:22' }] } };
const ODATA = { path: '/rest/claim/v1/$batch', body: { requests: [{ id: '1', method: 'get', url: 'claims/cc:22' }] } };

interface Answer {
  status: number;
  type: string;
  text: string;
}

type Send = (path: string, body: unknown, accept: string) => Promise<Answer>;

/** Each HTTP transport that reads `Accept`, serving a fresh example engine. */
const TRANSPORTS: Array<[string, (run: (send: Send) => Promise<void>) => Promise<void>]> = [
  [
    'node:http',
    async (run) => {
      const engine = createExampleEngine();
      const s = await listen(createHttpHandler(engine));
      try {
        await run(overFetch(s.url));
      } finally {
        await s.close();
        await engine.close();
      }
    },
  ],
  [
    'fetch handler',
    async (run) => {
      const engine = createExampleEngine();
      const handler = createFetchHandler(engine);
      try {
        await run(async (path, body, accept) => {
          const res = await handler(new Request(`http://x${path}`, init(body, accept)));
          return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
        });
      } finally {
        await engine.close();
      }
    },
  ],
  [
    'fastify',
    async (run) => {
      const engine: Engine = createExampleEngine();
      const app = Fastify();
      try {
        await app.register(restbatch, { engine });
        await run(overFetch(await app.listen({ host: '127.0.0.1', port: 0 })));
      } finally {
        await app.close();
        await engine.close();
      }
    },
  ],
];

function init(body: unknown, accept: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) };
}

function overFetch(base: string): Send {
  return async (path, body, accept) => {
    const res = await fetch(`${base}${path}`, init(body, accept));
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
}

const streamed = (answer: Answer) => answer.type.startsWith('application/x-ndjson');

for (const [name, serve] of TRANSPORTS) {
  test(`${name}: RFC 9110 §12.5.1 "a weight of 0 ... not acceptable": Accept: application/json, application/x-ndjson;q=0 is answered JSON, not streamed`, async () => {
    await serve(async (send) => {
      for (const batch of [GUIDEWIRE, ODATA]) {
        const res = await send(batch.path, batch.body, 'application/json, application/x-ndjson;q=0');
        assert.is(res.status, 200, batch.path);
        assert.not.ok(streamed(res), `${batch.path}: ${res.type}`);
        assert.ok(JSON.parse(res.text), batch.path);
      }
    });
  });

  test(`${name}: RFC 9110 §12.5.1 "the most specific reference has precedence": Accept: application/json;q=0, */* rules JSON out, so the batch is streamed`, async () => {
    await serve(async (send) => {
      for (const batch of [GUIDEWIRE, ODATA]) {
        const res = await send(batch.path, batch.body, 'application/json;q=0, */*');
        assert.is(res.status, 200, batch.path);
        assert.ok(streamed(res), `${batch.path}: ${res.type}`);
      }
    });
  });

  test(`${name}: NDJSON weighed below JSON is answered JSON; NDJSON named, or weighed above JSON, is streamed; */* alone is JSON`, async () => {
    await serve(async (send) => {
      for (const [accept, stream] of [
        ['application/x-ndjson;q=0.5, application/json', false],
        ['application/x-ndjson', true],
        ['application/json, application/x-ndjson', true],
        ['application/json;q=0.5, application/x-ndjson', true],
        ['*/*', false],
        ['application/*', false],
      ] as const) {
        const res = await send(GUIDEWIRE.path, GUIDEWIRE.body, accept);
        assert.is(streamed(res), stream, accept);
      }
    });
  });

  test(`${name}: OData Protocol §7 "If the service does not support the requested format, it replies with a 406": NDJSON refused with q=0 and nothing else acceptable is 406; other dialects answer JSON as before`, async () => {
    await serve(async (send) => {
      for (const accept of [
        'application/x-ndjson;q=0',
        'application/json;q=0, application/x-ndjson;q=0',
        'application/json;q=0, application/*;q=0.5, application/x-ndjson;q=0',
        // A quoted parameter value may hold a comma: it does not split the range.
        'application/json;profile="a,b";q=0, application/x-ndjson;q=0',
      ]) {
        const odata = await send(ODATA.path, ODATA.body, accept);
        assert.is(odata.status, 406, accept);
        assert.is(JSON.parse(odata.text).error.code, 'NOT_ACCEPTABLE', accept);
        const guidewire = await send(GUIDEWIRE.path, GUIDEWIRE.body, accept);
        assert.is(guidewire.status, 200, accept);
        assert.not.ok(streamed(guidewire), accept);
      }
      const withParameters = await send(ODATA.path, ODATA.body, 'application/json;odata.metadata=minimal;odata.streaming=true');
      assert.is(withParameters.status, 200, 'OData format parameters in Accept are answered, not refused');
    });
  });
}

test('acceptWeight: the most specific range decides; as specific ranges give their highest weight; a range that is not a media range or whose q is not a weight is ignored', () => {
  assert.equal(acceptWeight(undefined, 'application/json'), { q: 1, named: false });
  assert.equal(acceptWeight('', 'application/json'), { q: 1, named: false });
  assert.equal(acceptWeight('text/html', 'application/json'), { q: 0, named: false });
  assert.equal(acceptWeight('*/*;q=0.1, application/*;q=0.5', 'application/json'), { q: 0.5, named: false });
  assert.equal(acceptWeight('Application/JSON;q=0, */*', 'application/json'), { q: 0, named: true });
  assert.equal(acceptWeight('application/json;q=0, */*', 'application/x-ndjson'), { q: 1, named: false });
  assert.equal(acceptWeight('application/json;a=1;q=0.2, application/json;a=2;q=0.7', 'application/json'), { q: 0.7, named: true });
  assert.equal(acceptWeight('application/json;q=2, application/json;q=abc, */*;q=0.3', 'application/json'), { q: 0.3, named: false });
  assert.equal(acceptWeight('json, */json, application/json;Q=0.25', 'application/json'), { q: 0.25, named: true });
});

test.run();
