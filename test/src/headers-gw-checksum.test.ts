// Guidewire's GW-Checksum is a precondition of one operation (a stale checksum answers 409), and a
// precondition is never dropped silently (docs/concepts.md). Guidewire's seed: "each subrequest
// inherits the information in the headers of the main request object. The one exception to this is
// the GW-Checksum header. This header is not inherited" — the Guidewire dialect's default, which its
// option replaces; the vendor's batch then runs without it (not refused as an outer If-Match is).
// OData and Exago treat it as they treat If-Match; a dialect of one's own decides for itself.
import 'reflect-metadata';
import { checkBatchSize, createEngine, type Dialect, parseUrl } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CallRequest, type CallResponse, EchoResource, eachTransport, responses } from './support/claim-engine.js';
import { listen } from './support/listen.js';

const API = '/rest/claim/v1';
const CLAIM = `${API}/claims/cc:22`;
/** A claim change as a call's body (alone, OData) and as a Guidewire sub-request's `data`. */
const change = (lossCause: string) => ({ data: { attributes: { lossCause } } });
const gwData = (lossCause: string) => ({ attributes: { lossCause } });

async function lossCause(call: (r: CallRequest) => Promise<CallResponse>): Promise<unknown> {
  return ((await call({ method: 'GET', url: CLAIM })).body as { data: { attributes: { lossCause?: unknown } } }).data.attributes.lossCause;
}

eachTransport(
  test,
  'Guidewire: an outer GW-Checksum is not inherited and the batch runs, as the vendor writes it ("The one exception to this is the GW-Checksum header. This header is not inherited")',
  async ({ call }) => {
    const res = await call({
      url: `${API}/batch`,
      headers: { 'GW-Checksum': '999' },
      body: { requests: [{ method: 'patch', path: '/claims/cc:22', data: gwData('hail') }] },
    });
    assert.is(res.status, 200, JSON.stringify(res.body));
    assert.equal(
      responses(res).map((r) => r.status),
      [200],
    );
    assert.is(await lossCause(call), 'hail', 'the PATCH ran without the outer checksum');
    // The sub-request's own GW-Checksum is its precondition, as the same PATCH alone has it.
    const own = await call({
      url: `${API}/batch`,
      body: {
        requests: [{ method: 'patch', path: '/claims/cc:22', data: gwData('hail'), headers: [{ name: 'GW-Checksum', value: '999' }] }],
      },
    });
    assert.equal(
      responses(own).map((r) => [r.status, r.body?.errorCode]),
      [[409, 'CONFLICT']],
    );
  },
);

eachTransport(
  test,
  'Guidewire: a nonInheritedHeaders list replaces the default: without GW-Checksum in it, every sub-request inherits an outer one (a stale one answers 409, as alone)',
  async ({ call }) => {
    const alone = await call({ method: 'PATCH', url: CLAIM, headers: { 'GW-Checksum': '999' }, body: change('hail') });
    assert.is(alone.status, 409);
    const res = await call({
      url: `${API}/batch`,
      headers: { 'GW-Checksum': '999', 'X-Tenant': 't1' },
      body: { requests: [{ method: 'patch', path: '/claims/cc:22', data: gwData('hail') }] },
    });
    assert.is(res.status, 200, JSON.stringify(res.body));
    assert.equal(
      responses(res).map((r) => [r.status, r.body?.errorCode]),
      [[409, 'CONFLICT']],
    );
    const echo = await call({
      url: '/rest/echo/v1/batch',
      headers: { 'GW-Checksum': '999', 'X-Tenant': 't1', 'X-Trace': 'abc' },
      body: { requests: [{ method: 'get', path: '/echo/a' }] },
    });
    const headers = responses(echo)[0]!.body.headers;
    assert.equal([headers['gw-checksum'], headers['x-tenant'], headers['x-trace']], ['999', undefined, 'abc']);
  },
  { guidewire: { nonInheritedHeaders: ['X-Tenant'] } },
);

eachTransport(
  test,
  "Guidewire: the documented list ['GW-Checksum', 'X-Tenant'] keeps the vendor's rule and adds X-Tenant",
  async ({ call }) => {
    const kept = await call({
      url: '/rest/echo/v1/batch',
      headers: { 'GW-Checksum': '1' },
      body: { requests: [{ method: 'get', path: '/echo/a' }] },
    });
    assert.is(kept.status, 200);
    assert.is(responses(kept)[0]!.body.headers['gw-checksum'], undefined);
    const res = await call({
      url: '/rest/echo/v1/batch',
      headers: { 'X-Tenant': 't1', 'X-Trace': 'abc' },
      body: { requests: [{ method: 'get', path: '/echo/a' }] },
    });
    const headers = responses(res)[0]!.body.headers;
    assert.equal([headers['x-tenant'], headers['x-trace']], [undefined, 'abc']);
  },
  { guidewire: { nonInheritedHeaders: ['GW-Checksum', 'X-Tenant'] } },
);

eachTransport(
  test,
  "OData: an outer GW-Checksum refuses the $batch whole, as an outer If-Match does: the PATCH alone answers 409 and the batch's never runs unchecked",
  async ({ call }) => {
    const before = await lossCause(call);
    const patch = { id: '1', method: 'PATCH', url: '/claims/cc:22', headers: { 'content-type': 'application/json' }, body: change('hail') };
    for (const outer of [{ 'GW-Checksum': '999' }, { 'If-Match': '"999"' }] as Array<Record<string, string>>) {
      const res = await call({ url: `${API}/$batch`, headers: outer, body: { requests: [patch] } });
      assert.is(res.status, 400, JSON.stringify(res.body));
      assert.is((res.body as { error: { code: string } }).error.code, 'INVALID_HEADER');
    }
    assert.is(await lossCause(call), before, 'nothing ran');
    assert.is((await call({ method: 'PATCH', url: CLAIM, headers: { 'GW-Checksum': '999' }, body: change('hail') })).status, 409);
  },
);

/** A dialect of one's own: a JSON array of `{method, url}`, answered by `{status, body}` items. */
function plainDialect(nonInheritedHeaders?: readonly string[]): Dialect {
  const item = (r: { status: number; error?: unknown; body?: unknown }) => ({ status: r.status, body: r.error ?? r.body });
  return {
    name: 'plain',
    defaults: nonInheritedHeaders === undefined ? { maxSubRequests: 10 } : { maxSubRequests: 10, nonInheritedHeaders },
    decode(body, context) {
      const ops = body as Array<{ method: 'GET'; url: string }>;
      checkBatchSize(ops.length, context.maxSubRequests);
      return { requests: ops.map((op, index) => ({ index, method: op.method, ...parseUrl(op.url), headers: {} })) };
    },
    encode: (result) => result.results.map(item),
    encodeResult: item,
    encodeError: (e) => ({ code: e.code, message: e.message }),
  };
}

test("a dialect of one's own passes an outer GW-Checksum down to every sub-request, or refuses it when it names it: never drops it", async () => {
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [EchoResource],
        batch: [
          { path: 'batch', dialect: plainDialect() },
          { path: 'strict', dialect: plainDialect(['GW-Checksum']) },
        ],
      },
    ],
  });
  const direct = createDirectCaller(engine);
  const server = await listen(createHttpHandler(engine));
  const overHttp = async (url: string, body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'GW-Checksum': '7' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const overDirect = async (url: string, body: unknown) => direct({ method: 'POST', url, headers: { 'GW-Checksum': '7' }, body });
  const ops = [
    { method: 'GET', url: '/echo/a' },
    { method: 'GET', url: '/echo/b' },
  ];
  try {
    for (const send of [overDirect, overHttp]) {
      const passed = await send('/api/batch', ops);
      assert.is(passed.status, 200);
      assert.equal(
        (passed.body as Array<{ body: { headers: Record<string, string> } }>).map((i) => i.body.headers['gw-checksum']),
        ['7', '7'],
      );
      const refused = await send('/api/strict', ops);
      assert.is(refused.status, 400);
      assert.is((refused.body as { code: string }).code, 'INVALID_HEADER');
    }
  } finally {
    await server.close();
  }
});

test.run();
