import 'reflect-metadata';
import { type Engine, IDEMPOTENCY_STATUS_HEADER, REPLAY_HEADER, SUMMARY_HEADER } from '@restbatch/core';
import { createExampleEngine } from '@restbatch/example-server';
import { createHttpHandler } from '@restbatch/http';
import { createOpenApiDocument, type OpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';
import { parameterOf, queryValidator } from './support/openapi-ajv.js';

// The headers the engine reads on every batch endpoint (Idempotency-Key, RestBatch-Timeout,
// RestBatch-References) are in each batch operation, with schemas that say what the server
// takes: each value is sent to the server and checked against the document.

const INFO = { title: 'headers', version: '1' };

const ENDPOINTS = [
  { name: 'Exago', engine: () => exagoEngine().engine, path: '/rest/batch', batch: [{ Url: 'Sessions', Method: 'POST' }] },
  {
    name: 'Guidewire',
    engine: () => createExampleEngine(),
    path: '/rest/claim/v1/batch',
    batch: { requests: [{ method: 'get', path: '/claims' }] },
  },
  {
    name: 'OData',
    engine: () => createExampleEngine(),
    path: '/rest/claim/v1/$batch',
    batch: { requests: [{ id: '1', method: 'GET', url: 'claims' }] },
  },
];

const VALUES: Record<string, string[]> = {
  'Idempotency-Key': ['k1', 'a-UUID_like.key~!', 'x'.repeat(255), 'x'.repeat(256), 'two words', '"quoted"'],
  'RestBatch-Timeout': ['1000', '1', '007', '2147483647', '2147483648', '0', '-1', '1.5', 'soon', '12345678901'],
  'RestBatch-References': ['none', 'NONE', 'None', 'all', 'no', 'none,none'],
};

/** `engine` over HTTP with its document: `send` posts the batch with `headers`; close it in `finally`. */
async function serve(engine: Engine) {
  const document: OpenApiDocument = createOpenApiDocument(engine, { info: INFO });
  const server = await listen(createHttpHandler(engine));
  const send = async (path: string, batch: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(batch),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { document, send, close: server.close };
}

for (const endpoint of ENDPOINTS) {
  test(`${endpoint.name}: the batch operation documents the engine's request headers, each value answered as its schema says`, async () => {
    const { document, send, close } = await serve(endpoint.engine());
    try {
      let key = 0;
      for (const [name, values] of Object.entries(VALUES)) {
        const parameter = parameterOf(document, endpoint.path, 'post', name, 'header');
        assert.is(parameter.required, false, name);
        assert.type(parameter.description, 'string');
        const fits = queryValidator(document, parameter);
        for (const value of values) {
          // A fresh key each time: the Idempotency-Key values themselves are checked in their own row.
          const headers = name === 'Idempotency-Key' ? { [name]: value } : { [name]: value, 'Idempotency-Key': `row-${++key}` };
          const answer = await send(endpoint.path, endpoint.batch, headers);
          const shown = `${name}: ${JSON.stringify(value)} → ${answer.status} ${answer.text.slice(0, 200)}`;
          assert.is(answer.status === 200, fits(value), shown);
          if (answer.status !== 200) {
            assert.is(answer.status, 400, shown);
            assert.match(answer.text, /INVALID_HEADER/, shown);
          }
        }
      }
    } finally {
      await close();
    }
  });
}

test('a replayed batch carries Idempotent-Replayed, a response header of the batch operation, as is Idempotency-Status', async () => {
  const { document, send, close } = await serve(exagoEngine().engine);
  try {
    const operation = document.paths['/rest/batch']!.post!;
    const ok = operation.responses['200'] as { headers: Record<string, { schema: { enum?: string[] } }> };
    const names = Object.keys(ok.headers).map((n) => n.toLowerCase());
    assert.equal(names.sort(), [IDEMPOTENCY_STATUS_HEADER, REPLAY_HEADER, SUMMARY_HEADER].sort());
    const failed = operation.responses.default as { headers: Record<string, unknown> };
    assert.equal(
      Object.keys(failed.headers)
        .map((n) => n.toLowerCase())
        .sort(),
      [IDEMPOTENCY_STATUS_HEADER, REPLAY_HEADER],
    );
    const batch = [{ Url: 'Sessions', Method: 'POST' }];
    const first = await send('/rest/batch', batch, { 'Idempotency-Key': 'once' });
    assert.is(first.headers.get(REPLAY_HEADER), null);
    const again = await send('/rest/batch', batch, { 'Idempotency-Key': 'once' });
    assert.is(again.status, 200);
    assert.equal(ok.headers['Idempotent-Replayed']!.schema.enum, [again.headers.get(REPLAY_HEADER)]);
    assert.equal(ok.headers['Idempotency-Status']!.schema.enum, ['not-stored']);
  } finally {
    await close();
  }
});

test.run();
