import 'reflect-metadata';
import { createEngine, type HandlerContext, Post, Resource } from '@restbatch/core';
import { createExampleEngine, type ExampleEngineOptions } from '@restbatch/example-server';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveJson } from './support/http-json.js';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

// The `{"requests": [...]}` envelopes of the claim API (Guidewire at batch, OData at $batch) say
// how many items their servers take: each batch is sent and checked against the document.

const INFO = { title: 'claims', version: '1' };
const GUIDEWIRE = '/rest/claim/v1/batch';
const ODATA = '/rest/claim/v1/$batch';

const guidewireItem = () => ({ method: 'get', path: '/claims' });
let id = 0;
const odataItem = () => ({ id: `r${++id}`, method: 'GET', url: '/claims' });

/** The error code of a Guidewire (`errorCode`) or OData (`error.code`) error body. */
function codeOf(body: unknown): unknown {
  const b = body as { errorCode?: string; error?: { code?: string } };
  return b.errorCode ?? b.error?.code;
}

/** The example engine served over HTTP, with its document's validator of `path`'s request body. */
async function serveClaims(path: string, options: ExampleEngineOptions = {}) {
  const engine = createExampleEngine(options);
  const document = createOpenApiDocument(engine, { info: INFO });
  const validate = componentValidator(document, requestSchemaOf(document, path));
  return { validate, server: await serveJson(engine) };
}

const ENDPOINTS = [
  { path: GUIDEWIRE, item: guidewireItem, limited: { claims: { guidewire: { maxSubRequests: 3 } } } },
  { path: ODATA, item: odataItem, limited: { claims: { odata: { maxSubRequests: 3 } } } },
];

test(`${GUIDEWIRE}: an empty requests array does not validate, as the server refuses it (BATCH_EMPTY)`, async () => {
  const { validate, server } = await serveClaims(GUIDEWIRE);
  try {
    const empty = { requests: [] };
    const answer = await server.post(GUIDEWIRE, empty);
    assert.is(answer.status, 400);
    assert.is(codeOf(answer.body), 'BATCH_EMPTY', JSON.stringify(answer.body));
    assert.not.ok(validate(empty));
    const one = { requests: [guidewireItem()] };
    assert.is((await server.post(GUIDEWIRE, one)).status, 200);
    assert.ok(validate(one), JSON.stringify(validate.errors));
  } finally {
    await server.close();
  }
});

test(`${ODATA}: an empty requests array validates, as the server answers it 200 (OData Protocol §11.7 "If the set of request headers of a batch request are valid the service MUST return a 200 OK")`, async () => {
  const { validate, server } = await serveClaims(ODATA);
  try {
    const empty = { requests: [] };
    const answer = await server.post(ODATA, empty);
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.equal((answer.body as { responses: unknown[] }).responses, []);
    assert.ok(validate(empty), JSON.stringify(validate.errors));
  } finally {
    await server.close();
  }
});

for (const { path, item, limited } of ENDPOINTS) {
  test(`${path}: the document's maxItems is the endpoint's limit, on both sides of it`, async () => {
    const { validate, server } = await serveClaims(path, limited);
    try {
      const full = { requests: [item(), item(), item()] };
      assert.is((await server.post(path, full)).status, 200);
      assert.ok(validate(full), JSON.stringify(validate.errors));
      const over = { requests: [item(), item(), item(), item()] };
      const answer = await server.post(path, over);
      assert.is(answer.status, 400);
      assert.is(codeOf(answer.body), 'BATCH_TOO_MANY_REQUESTS', JSON.stringify(answer.body));
      assert.not.ok(validate(over));
    } finally {
      await server.close();
    }
  });
}

test('$batch: a method the server refuses does not validate, a non-ASCII case fold among them', async () => {
  const { validate, server } = await serveClaims(ODATA);
  try {
    // `'poﬆ'.toUpperCase()` is `'POST'`: no client means it.
    for (const method of ['po\uFB06', 'G\u0395T', 'HEAD', 'gets']) {
      const batch = { requests: [{ id: 'a', method, url: '/claims' }] };
      const answer = await server.post(ODATA, batch);
      assert.is(answer.status, 400, method);
      assert.is(codeOf(answer.body), 'BATCH_MALFORMED', method);
      assert.not.ok(validate(batch), method);
    }
  } finally {
    await server.close();
  }
});

@Resource('Things')
class ThingsResource {
  @Post('', { query: { dryRun: { description: 'Checks without saving', schema: { type: 'string', enum: ['true', 'false'] } }, tag: {} } })
  create(ctx: HandlerContext): unknown {
    return { dryRun: ctx.query.dryRun ?? null };
  }
}

test("a route's query docs become the operation's query parameters, a missing schema as a string", () => {
  const engine = createEngine({ apis: [{ base: '/api', resources: [ThingsResource] }] });
  const operation = createOpenApiDocument(engine, { info: INFO }).paths['/api/Things']!.post!;
  assert.equal(operation.parameters, [
    {
      name: 'dryRun',
      in: 'query',
      required: false,
      description: 'Checks without saving',
      schema: { type: 'string', enum: ['true', 'false'] },
    },
    { name: 'tag', in: 'query', required: false, schema: { type: 'string' } },
  ]);
});

test("a route's query parameter with an invalid schema fails createEngine, naming it", () => {
  @Resource('Bad')
  class BadResource {
    @Post('', { query: { when: { schema: { type: 'moment' } } } })
    create(): unknown {
      return {};
    }
  }
  assert.throws(() => createEngine({ apis: [{ base: '/api', resources: [BadResource] }] }), /query parameter when of POST \/Bad/);
});

test.run();
