import type { Engine, EngineResponse } from '@restbatch/core';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SECRET, securityEngine } from './support/security-api.js';
import { codeOf, LEAK, slots } from './support/security-transports.js';

/** Every batch endpoint of the security engine, with its dialect. */
const ENDPOINTS = [
  { url: '/rest/batch', dialect: 'exago' },
  { url: '/api/$batch', dialect: 'odata' },
  { url: '/rest/claim/v1/batch', dialect: 'guidewire' },
  { url: '/rest/claim/v1/$batch', dialect: 'odata' },
] as const;

/** Each property stops after this long (and at most after its runs), so the file stays well under 20 s. */
const BUDGET = { numRuns: 300, interruptAfterTimeLimit: 2500 } as const;

const protoNames = Object.getOwnPropertyNames(Object.prototype).sort().join();

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const key = fc.oneof(fc.constantFrom(...PROTO_KEYS, 'Id', 'id', 'data', 'attributes'), fc.string({ maxLength: 8 }));
const payload = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, 0, -1, 1e308, '', '$ref:0/body', '${0/body/Id}', '$$ref:x', '..', '%00'),
    fc.string({ maxLength: 20 }),
    fc.double(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const PATHS = [
  'Sessions',
  'Roles',
  'Roles/MyRole',
  'Parameters',
  'Parameters/p',
  'Echo/1',
  'Echo',
  'Files/a',
  'Admin',
  'Boom',
  'claims',
  'claims/cc:22',
  'claims/cc:22/activities',
  'claims/cc:22/notes',
  '$batch',
  'batch',
  '..',
  '%2e%2e/x',
  '//evil',
  'http://evil/x',
  '\\x',
  '__proto__',
  'constructor/prototype',
  'Echo/%00',
  'Files/..%2F..',
  '$0/x',
  '${0/body/Id}',
];
const path = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.string({ maxLength: 12 }),
  fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom('', '?sid=1', '?__proto__=1', ';x=1', '#f')).map(([p, q]) => p + q),
);
const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'get', 'post', 'patch', 'delete', 'constructor', 'HEAD', ''),
  fc.anything(),
);
const headerObject = fc.dictionary(
  fc.oneof(fc.constantFrom('authorization', 'x-forwarded-for', 'if-match', 'cookie', ...PROTO_KEYS), fc.string({ maxLength: 6 })),
  fc.oneof(fc.string({ maxLength: 8 }), fc.constant('a\r\nb'), fc.anything()),
  { maxKeys: 3 },
);

/** A random sub-request in the shape of a dialect, with random fields left out, mistyped or added. */
function item(dialect: 'exago' | 'odata' | 'guidewire') {
  const fields: Record<string, fc.Arbitrary<unknown>> = dialect === 'exago'
    ? { Url: path, Method: method, Payload: payload }
    : dialect === 'odata'
      ? {
          id: fc.oneof(fc.constantFrom('1', '2', '3', 'a'), fc.anything()),
          method,
          url: path.map((p) => `/${p}`),
          headers: headerObject,
          body: payload,
          dependsOn: fc.array(fc.constantFrom('1', '2', 'a', 'zz'), { maxLength: 2 }),
          atomicityGroup: fc.constantFrom('g', 'h'),
        }
      : {
          method,
          path: path.map((p) => `/${p}`),
          query: fc.string({ maxLength: 8 }),
          body: payload,
          data: payload,
          headers: fc.array(fc.record({ name: fc.string({ maxLength: 6 }), value: fc.string({ maxLength: 6 }) }), { maxLength: 2 }),
          onFail: fc.constantFrom('abort', 'continue', 'x'),
        };
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(fields, {
        requiredKeys: dialect === 'exago' ? ['Url', 'Method'] : dialect === 'odata' ? ['id', 'method', 'url'] : ['method', 'path'],
      }),
    },
    { weight: 1, arbitrary: fc.record({ ...fields, extra: payload }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: payload },
  );
}

function envelope(dialect: 'exago' | 'odata' | 'guidewire') {
  const items = fc.array(item(dialect), { maxLength: 6 });
  if (dialect === 'exago')
    return fc.oneof(
      { weight: 5, arbitrary: items.map((rest) => [{ Url: 'Sessions', Method: 'POST' }, ...rest]) },
      { weight: 1, arbitrary: items },
      { weight: 1, arbitrary: payload },
    );
  return fc.oneof(
    { weight: 5, arbitrary: items.map((requests) => ({ requests })) },
    { weight: 1, arbitrary: fc.record({ requests: items, extra: payload }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: payload },
  );
}

/**
 * The 5xx statuses the engine documents for these inputs (docs/errors.md): a store, session cap or
 * shutdown (503) and a deadline (504). A 500 means the engine threw where it should have answered;
 * only the `Boom` handler, which throws on purpose, may cause one.
 */
const DOCUMENTED_5XX = new Set([503, 504]);

/** Whether a status is one the engine may give to any input: 2xx, 4xx or a documented 5xx. */
function expectedStatus(status: number): boolean {
  return (status >= 200 && status <= 299) || (status >= 400 && status <= 499) || DOCUMENTED_5XX.has(status);
}

/** The error the engine logged for a 500, if it is the `Boom` handler's own (the only 500 allowed). */
function isBoom(entry: Record<string, unknown>): boolean {
  return (entry.err as { message?: unknown } | undefined)?.message === SECRET;
}

/**
 * Dispatches and checks what must hold for any input: an answer, a coded error or one result per
 * item, no unexpected 500 (outer or in any slot), nothing leaked, no prototype touched.
 */
async function holds(
  setup: { engine: Engine; logged: Array<Record<string, unknown>> },
  url: string,
  body: string | Uint8Array,
  items: number | undefined,
): Promise<void> {
  const { engine, logged } = setup;
  logged.length = 0;
  let response: EngineResponse;
  try {
    response = await engine.dispatch({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', prefer: 'odata.continue-on-error' },
      body,
      transport: 'direct',
    });
  } catch (error) {
    throw new Error(`dispatch rejected: ${String(error)}`);
  }
  const text = JSON.stringify(response.body) ?? '';
  const unexpected = logged.filter((entry) => !isBoom(entry));
  assert.is(unexpected.length, 0, `the engine logged an unexpected error: ${JSON.stringify(unexpected[0]?.err)} for ${text.slice(0, 200)}`);
  assert.ok(expectedStatus(response.status), `unexpected status ${response.status}: ${text.slice(0, 200)}`);
  assert.not.match(text, LEAK);
  assert.is(Object.getOwnPropertyNames(Object.prototype).sort().join(), protoNames);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  if (response.status === 200) {
    const results = slots(response.body);
    if (items !== undefined) assert.is(results.length, items, text.slice(0, 300));
    let boomed = 0;
    for (const [status, code] of results) {
      if (status === 500) boomed++;
      else assert.ok(expectedStatus(status), `unexpected sub-result status ${status} (${code}): ${text.slice(0, 300)}`);
    }
    // Each allowed 500 is a Boom call the engine logged; a 500 without one is an engine fault.
    assert.ok(
      boomed <= logged.length,
      `${boomed} sub-results are 500 but only ${logged.length} Boom errors were logged: ${text.slice(0, 300)}`,
    );
  } else {
    assert.ok(response.status >= 400, `status ${response.status}`);
    assert.type(codeOf(response.body), 'string', `one coded whole-batch error: ${text.slice(0, 200)}`);
  }
}

for (const { url, dialect } of ENDPOINTS) {
  test(`random byte strings sent to ${url} never crash the engine and always get a coded answer`, async () => {
    const setup = securityEngine();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 64 }), fc.json()), (body) =>
        holds(setup, url, body, undefined),
      ),
      BUDGET,
    );
  });

  test(`random ${dialect} envelopes sent to ${url} get one result per sub-request or one whole-batch error`, async () => {
    const setup = securityEngine();
    await fc.assert(
      fc.asyncProperty(envelope(dialect), (body) =>
        holds(
          setup,
          url,
          JSON.stringify(body) ?? 'null',
          Array.isArray(body) ? body.length : (body as { requests?: unknown[] } | null)?.requests?.length,
        ),
      ),
      BUDGET,
    );
  });
}

test('random payloads in well-formed batches always get exactly one result per sub-request', async () => {
  const setup = securityEngine();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom('/Echo', '/Login', '/Echo/1'), payload), { minLength: 1, maxLength: 8 }),
      async (calls) => {
        const requests = calls.map(([u, body], i) => ({ id: String(i), method: u === '/Echo/1' ? 'PATCH' : 'POST', url: u, body }));
        await holds(setup, '/api/$batch', JSON.stringify({ requests }), requests.length);
      },
    ),
    BUDGET,
  );
});

test.run();
