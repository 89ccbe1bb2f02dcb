// OData 4.01 Protocol header rules a review found broken: `OData-Isolation` (§8.2.6), the
// `OData-Version` of a rejected batch and an unsupported `OData-Version` (§8.1.5). Through the
// direct transport and node:http.
import { createEngine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { claimApi } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CallRequest, type CallResponse, claimHarness, eachTransport } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/$batch';
const V401 = { 'OData-Version': '4.01' };

const error = (res: CallResponse) => (res.body as { error: { code: string; message: string } }).error;

async function noteCount(call: (r: CallRequest) => Promise<CallResponse>): Promise<number> {
  return ((await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' })).body as { count: number }).count;
}

const note = (id: string) => ({ id, method: 'post', url: 'claims/cc:22/notes', body: { data: { attributes: { body: `note ${id}` } } } });

eachTransport(
  test,
  'Protocol §8.2.6 "The Isolation header was named OData-Isolation in OData version 4.0": OData-Isolation: snapshot is refused with 412, nothing runs',
  async ({ call }) => {
    const res = await call({ url: BATCH, headers: { 'OData-Isolation': 'snapshot' }, body: { requests: [note('1')] } });
    assert.is(res.status, 412);
    assert.is(error(res).code, 'ISOLATION_UNSUPPORTED');
    assert.match(error(res).message, /^OData-Isolation: snapshot is not supported/);
    assert.is(await noteCount(call), 0);
  },
);

for (const [label, headers, body, status, code] of [
  ['requests that is not an array', V401, { requests: {} }, 400, 'BATCH_MALFORMED'],
  ['Isolation: snapshot', { ...V401, Isolation: 'snapshot' }, { requests: [note('1')] }, 412, 'ISOLATION_UNSUPPORTED'],
  ['a duplicate id', V401, { requests: [note('1'), note('1')] }, 400, 'BATCH_RULE_VIOLATION'],
  ['OData-MaxVersion and no requests member', { 'OData-MaxVersion': '4.01' }, {}, 400, 'BATCH_MALFORMED'],
] as const) {
  eachTransport(
    test,
    `Protocol §8.1.5 "MUST include the OData-Version header on a response": ${label} is rejected with OData-Version: 4.01`,
    async ({ call }) => {
      const res = await call({ url: BATCH, headers: { ...headers }, body });
      assert.is(res.status, status);
      assert.is(error(res).code, code);
      assert.is(res.headers['odata-version'], '4.01');
    },
  );
}

for (const [label, headers, body, status, code] of [
  [
    'a dependsOn naming a later request (the engine checks it)',
    V401,
    { requests: [{ ...note('1'), dependsOn: ['2'] }, note('2')] },
    400,
    'BATCH_RULE_VIOLATION',
  ],
  [
    'an unsupported media type (refused before decoding)',
    { ...V401, 'content-type': 'text/plain' },
    { requests: [note('1')] },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a reference to a later request',
    { 'OData-MaxVersion': '4.01' },
    { requests: [{ ...note('1'), url: '$2/notes' }, note('2')] },
    400,
    'REFERENCE_INVALID',
  ],
] as const) {
  eachTransport(
    test,
    `Protocol §8.1.5 "MUST include the OData-Version header on a response", whoever refuses the batch: ${label}`,
    async ({ call }) => {
      const res = await call({ url: BATCH, headers: { ...headers }, body });
      assert.is(res.status, status, JSON.stringify(res.body));
      assert.is(error(res).code, code);
      assert.is(res.headers['odata-version'], '4.01');
      assert.is(await noteCount(call), 0);
    },
  );
}

test('Protocol §8.1.5: a body over the limit, refused by the HTTP transport before the engine reads it, carries OData-Version: 4.01', async () => {
  const h = await claimHarness('http');
  try {
    const res = await fetch(`${h.url}${BATCH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'odata-version': '4.01' },
      body: JSON.stringify({ requests: [note('1')], pad: 'x'.repeat(h.engine.limits.maxBodyBytes) }),
    });
    assert.is(res.status, 413);
    assert.is(((await res.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    assert.is(res.headers.get('odata-version'), '4.01');
  } finally {
    await h.close();
  }
});

test('Protocol §8.1.5: a batch refused for its headers themselves (too many: 431; a value that is not text: 400) still carries OData-Version: 4.01', async () => {
  const engine = createEngine({ apis: [claimApi()], limits: { maxRequestHeaders: 5 }, logger: { error: () => undefined } });
  const call = createDirectCaller(engine);
  const body = { requests: [note('1')] };
  const many: Record<string, string> = { 'OData-Version': '4.01' };
  for (let i = 0; i < 6; i++) many[`x-h${i}`] = 'v';
  const tooMany = await call({ url: BATCH, headers: many, body });
  assert.is(tooMany.status, 431);
  assert.is(error(tooMany).code, 'HEADERS_TOO_LARGE');
  assert.is(tooMany.headers['odata-version'], '4.01');
  const notText = await call({ url: BATCH, headers: { 'OData-Version': '4.01', 'x-n': 5 as unknown as string }, body });
  assert.is(notText.status, 400);
  assert.is(error(notText).code, 'INVALID_HEADER');
  assert.is(notText.headers['odata-version'], '4.01');
});

eachTransport(
  test,
  'Protocol §8.1.5 "OData services MUST include the OData-Version header on a response": a rejected batch from a client that names no OData version (Microsoft Graph) carries OData-Version: 4.01 too',
  async ({ call }) => {
    const res = await call({ url: BATCH, body: { requests: {} } });
    assert.is(res.status, 400);
    assert.is(error(res).code, 'BATCH_MALFORMED');
    assert.is(res.headers['odata-version'], '4.01');
  },
);

for (const version of ['4.0', '5.0', 'x']) {
  eachTransport(
    test,
    `Protocol §8.1.5 "interpret the request payload according to ... the specified version ... or fail the request with a 4xx": OData-Version: ${version} is refused, nothing runs`,
    async ({ call }) => {
      const res = await call({ url: BATCH, headers: { 'OData-Version': version }, body: { requests: [note('1')] } });
      assert.is(res.status, 400);
      assert.is(error(res).code, 'INVALID_HEADER');
      assert.match(
        error(res).message,
        new RegExp(`^OData-Version: ${version.replace('.', '\\.')} is not supported: a JSON batch is OData 4\\.01`),
      );
      assert.is(res.headers['odata-version'], '4.01');
      assert.is(await noteCount(call), 0);
    },
  );
}

eachTransport(test, 'OData-Version: 4.01 runs the batch and is answered with OData-Version: 4.01', async ({ call }) => {
  const res = await call({ url: BATCH, headers: V401, body: { requests: [note('1')] } });
  assert.is(res.status, 200);
  assert.is(res.headers['odata-version'], '4.01');
  assert.is(await noteCount(call), 1);
});

test.run();
