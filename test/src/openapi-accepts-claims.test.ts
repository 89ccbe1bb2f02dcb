import 'reflect-metadata';
import { createExampleEngine, type ExampleEngineOptions } from '@restbatch/example-server';
import { createHttpHandler } from '@restbatch/http';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { parameterOf, queryValidator } from './support/openapi-ajv.js';

// The claim API's document says which query parameters and headers its routes read, with the
// bounds its server checks: each value is sent to the server and checked against the document.

const INFO = { title: 'claims', version: '1' };
const BASE = '/rest/claim/v1';

interface Answer {
  status: number;
  body: { data?: { id?: string; checksum?: string }; errorCode?: string };
  etag: string | null;
}

/** The example engine over HTTP with its document, and one claim with an activity and a note; close it in `finally`. */
async function serveClaims(options: ExampleEngineOptions = {}) {
  const engine = createExampleEngine(options);
  const document = createOpenApiDocument(engine, { info: INFO });
  const server = await listen(createHttpHandler(engine));
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${server.url}${BASE}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: text === '' ? {} : JSON.parse(text), etag: res.headers.get('etag') };
  };
  const claim = await send('POST', '/claims', { data: { attributes: { description: 'hail' } } });
  const id = claim.body.data!.id!;
  const activity = await send('POST', `/claims/${id}/activities`, { data: { attributes: { subject: 'call' } } });
  await send('POST', `/claims/${id}/notes`, { data: { attributes: { body: 'a note' } } });
  const ids = { claimId: id, activityId: activity.body.data!.id! };
  return { document, send, ids, close: server.close };
}

const LISTS = [
  { template: '/claims', path: () => '/claims' },
  { template: '/claims/{claimId}/activities', path: (id: string) => `/claims/${id}/activities` },
  { template: '/claims/{claimId}/notes', path: (id: string) => `/claims/${id}/notes` },
];

const VALUES: Record<string, string[]> = {
  pageSize: ['1', '25', '100', '007', '0', '101', '-1', '1.5', '+5', 'abc', ''],
  pageOffset: ['0', '3', '1000000000', '1000000001', '-1', '2.0', 'x'],
  includeTotal: ['true', 'false', 'yes', '1', 'TRUE'],
  fields: ['id', 'id,description', '*summary', '*all', 'nope', '', 'id,', ',id', 'id,nope'],
};

for (const list of LISTS) {
  test(`GET ${list.template} documents pageSize, pageOffset, includeTotal and fields, each value answered as the document says`, async () => {
    const { document, send, ids, close } = await serveClaims();
    try {
      const documented = document.paths[`${BASE}${list.template}`]!.get!.parameters!.filter((p) => p.in === 'query');
      assert.equal(documented.map((p) => p.name).sort(), ['fields', 'includeTotal', 'pageOffset', 'pageSize']);
      for (const [name, values] of Object.entries(VALUES)) {
        const fits = queryValidator(document, parameterOf(document, `${BASE}${list.template}`, 'get', name));
        for (const value of values) {
          const answer = await send('GET', `${list.path(ids.claimId)}?${name}=${encodeURIComponent(value)}`);
          const shown = `${name}=${JSON.stringify(value)}: ${answer.status} ${JSON.stringify(answer.body)}`;
          assert.is(answer.status === 200, fits(value), shown);
          if (answer.status !== 200) assert.is(answer.body.errorCode, 'VALIDATION_FAILED', shown);
        }
      }
    } finally {
      await close();
    }
  });
}

test("a list's documented pageSize follows the claim API's own limits (maxPageSize 10)", async () => {
  const { document, send, close } = await serveClaims({ claims: { limits: { maxPageSize: 10, defaultPageSize: 5 } } });
  try {
    const parameter = parameterOf(document, `${BASE}/claims`, 'get', 'pageSize');
    assert.equal(parameter.schema, { type: 'integer', minimum: 1, maximum: 10 });
    const fits = queryValidator(document, parameter);
    for (const value of ['10', '11']) {
      assert.is((await send('GET', `/claims?pageSize=${value}`)).status === 200, fits(value), value);
    }
    assert.not.ok(fits('11'));
  } finally {
    await close();
  }
});

test("an entity's GET documents fields for its own type, as its server reads them", async () => {
  const { document, send, ids, close } = await serveClaims();
  try {
    const gets = Object.entries(document.paths).filter(([path, item]) => path.startsWith(`${BASE}/claims`) && item.get !== undefined);
    assert.is(gets.length, 6);
    for (const [path, item] of gets)
      assert.ok(
        item.get!.parameters!.some((p) => p.name === 'fields' && p.in === 'query'),
        path,
      );
    const routes = [
      { template: '/claims/{claimId}', path: `/claims/${ids.claimId}`, own: 'lossCause', other: 'subject' },
      {
        template: '/claims/{claimId}/activities/{activityId}',
        path: `/claims/${ids.claimId}/activities/${ids.activityId}`,
        own: 'priority',
        other: 'lossCause',
      },
    ];
    for (const route of routes) {
      const fits = queryValidator(document, parameterOf(document, `${BASE}${route.template}`, 'get', 'fields'));
      for (const value of [route.own, `id,${route.own}`, '*summary', route.other, '', 'id,,id']) {
        const answer = await send('GET', `${route.path}?fields=${encodeURIComponent(value)}`);
        assert.is(answer.status === 200, fits(value), `${route.template} fields=${value}: ${answer.status}`);
      }
    }
  } finally {
    await close();
  }
});

test('the PATCH routes document GW-Checksum and If-Match, the headers that guard them, and the server reads both', async () => {
  const { document, send, ids, close } = await serveClaims();
  try {
    for (const template of ['/claims/{claimId}', '/claims/{claimId}/activities/{activityId}']) {
      const headers = document.paths[`${BASE}${template}`]!.patch!.parameters!.filter((p) => p.in === 'header');
      assert.equal(headers.map((p) => p.name).sort(), ['GW-Checksum', 'If-Match'], template);
      assert.match(String(parameterOf(document, `${BASE}${template}`, 'patch', 'GW-Checksum', 'header').description), /409 CONFLICT/);
      assert.match(
        String(parameterOf(document, `${BASE}${template}`, 'patch', 'If-Match', 'header').description),
        /412 PRECONDITION_FAILED/,
      );
      // A GET reads neither.
      const onGet = document.paths[`${BASE}${template}`]!.get!.parameters!.filter((p) => p.in === 'header');
      assert.equal(onGet, []);
    }
    const path = `/claims/${ids.claimId}`;
    const change = { data: { attributes: { lossCause: 'hail' } } };
    const read = await send('GET', path);
    assert.is((await send('PATCH', path, change, { 'GW-Checksum': 'stale' })).status, 409);
    assert.is((await send('PATCH', path, change, { 'If-Match': '"stale"' })).status, 412);
    assert.is((await send('PATCH', path, change, { 'GW-Checksum': read.body.data!.checksum!, 'If-Match': read.etag! })).status, 200);
  } finally {
    await close();
  }
});

test('the claim API document validates as OpenAPI 3.1 with its parameters', async () => {
  const { document, close } = await serveClaims();
  try {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    assert.equal(result.errors ?? [], [], JSON.stringify(result.errors));
  } finally {
    await close();
  }
});

test.run();
