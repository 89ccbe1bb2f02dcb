import 'reflect-metadata';
import { createEngine, exagoApi, type ResourceHandler } from '@restbatch/core';
import { createDirectCaller, type DirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

// A large Exago batch (2000 calls or more) is answered from items kept as each result becomes final
// and lets go of each sub-request once it ran. Each handler must see exactly the payload it was
// sent: the same members, values and key order, in an object of its own, whether the batch came as
// a value or as text; and each call runs with its own method and path, in order.

/** The items-only threshold (`ITEMS_FROM`). */
const LARGE = 2000;

interface Seen {
  /** What each `POST Echo` was handed, in call order, as its own JSON text and key list. */
  bodies: Array<{ json: string; keys: string[] | undefined; proto: unknown }>;
}

/** Exago's API with `POST Echo`, which answers its body after changing it, and `GET Echo/query`. */
function echoingCaller(seen: Seen): DirectCaller {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  const echo: ResourceHandler = {
    name: 'Echo',
    routes: [
      {
        method: 'POST',
        path: '',
        handle: (context) => {
          const body = context.body;
          const keys = typeof body === 'object' && body !== null ? Object.keys(body) : undefined;
          seen.bodies.push({
            json: JSON.stringify(body),
            keys,
            proto: typeof body === 'object' && body !== null ? Object.getPrototypeOf(body) : undefined,
          });
          // The payload is the call's own: changing it reaches no other call.
          if (typeof body === 'object' && body !== null && !Array.isArray(body)) (body as Record<string, unknown>).changed = true;
          return body;
        },
      },
      { method: 'GET', path: 'query', handle: (context) => ({ query: { ...context.query } }) },
    ],
  };
  const engine = createEngine({
    apis: [{ ...api, resources: [...api.resources, echo] }],
    logger: { error: () => {} },
  });
  return createDirectCaller(engine);
}

/** Payloads of every kind a JSON body may carry, flat or not. */
const PAYLOADS: unknown[] = [
  { s: 'text', n: 42, f: -1.5, z: 0, t: true, no: false, nil: null },
  {},
  { '2': 'two', b: 'b', '1': 'one', a: 'a' },
  { toString: 'own', hasOwnProperty: 1, valueOf: null },
  { ünïcode: '✓ \u0000 "quoted" \\', empty: '' },
  { nested: { deep: [1, 2, 3] }, flat: 'x' },
  { list: ['a', 'b'] },
  [1, 'two', null],
  'a string payload',
  7,
  false,
  null,
];

/** POST Sessions, then `POST Echo` with each payload in turn until `size` calls, the last with `last`. */
function batchOf(size: number, last: unknown): object[] {
  const calls: object[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let k = 0; calls.length < size - 1; k++) calls.push({ Url: 'Echo', Method: 'POST', Payload: PAYLOADS[k % PAYLOADS.length] });
  calls.push({ Url: 'Echo', Method: 'POST', Payload: last });
  return calls;
}

type Item = { ReturnCode: string; ResponseContent: unknown };

/** Runs `calls` as a value and as wire text (the text decoder's path), checking each call saw its payload. */
async function checkEveryPayload(calls: object[]): Promise<void> {
  for (const send of ['value', 'text'] as const) {
    const seen: Seen = { bodies: [] };
    const call = echoingCaller(seen);
    const res =
      send === 'value'
        ? await call({ url: '/rest/batch', body: calls })
        : await call({ url: '/rest/batch', raw: JSON.stringify(calls), headers: { 'content-type': 'application/json' } });
    assert.is(res.status, 200, send);
    const items = res.body as Item[];
    assert.is(items.length, calls.length, send);
    const echoed = calls.slice(1) as Array<{ Payload: unknown }>;
    assert.is(seen.bodies.length, echoed.length, send);
    for (let i = 0; i < echoed.length; i++) {
      const payload = echoed[i]?.Payload;
      // `"Payload": null` is no payload (docs/dialects.md): the handler gets none, and answers nothing.
      const expected = payload === null ? undefined : (JSON.parse(JSON.stringify(payload)) as unknown);
      const got = seen.bodies[i]!;
      assert.is(got.json, JSON.stringify(expected), `${send}: call ${i + 1} saw its payload`);
      if (typeof expected === 'object' && expected !== null) {
        assert.equal(got.keys, Object.keys(expected), `${send}: call ${i + 1} saw its keys in order`);
        assert.is(
          got.proto,
          Array.isArray(expected) ? Array.prototype : Object.prototype,
          `${send}: call ${i + 1}'s payload is a plain object`,
        );
      }
      const item = items[i + 1]!;
      const answered =
        typeof expected === 'object' && expected !== null && !Array.isArray(expected) ? { ...expected, changed: true } : expected;
      // A handler that answers nothing answers 204.
      const content = answered === undefined ? { StatusCode: 204, StatusDescription: null } : answered;
      assert.equal(item.ResponseContent, content, `${send}: call ${i + 1} answered its own payload`);
    }
  }
}

test('each payload of a large batch reaches its handler as it was sent: members, values, key order, an object of its own', async () => {
  await checkEveryPayload(batchOf(LARGE + 40, { last: 'flat' }));
});

test('a smaller batch (kept as objects) answers the same', async () => {
  await checkEveryPayload(batchOf(LARGE - 40, { last: 'flat' }));
});

test('a payload with a constructor member (the value path then copies by a round trip) reaches its handler as sent', async () => {
  await checkEveryPayload(batchOf(LARGE + 2, { constructor: 'own', other: 1 }));
});

test('a payload changed by the caller after the call was made does not reach the batch', async () => {
  const seen: Seen = { bodies: [] };
  const payload: Record<string, unknown> = { value: 'before' };
  const calls = batchOf(LARGE + 2, payload);
  const pending = echoingCaller(seen)({ url: '/rest/batch', body: calls });
  payload.value = 'after';
  payload.added = 1;
  const res = await pending;
  assert.is(res.status, 200);
  assert.equal((res.body as Item[]).at(-1)?.ResponseContent, { value: 'before', changed: true });
});

/** POST Sessions, then POST/PATCH/GET/DELETE cycles on distinct parameters up to `size` calls. */
function parameterCycles(size: number): object[] {
  const calls: object[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let k = 0; calls.length < size; k++) {
    const id = `P${k}`;
    calls.push(
      { Url: 'Parameters', Method: 'POST', Payload: { Id: id, DataType: 'String', Value: `v${k}`, PromptText: 'Enter a value' } },
      { Url: `Parameters/${id}`, Method: 'PATCH', Payload: { Value: `w${k}` } },
      { Url: `Parameters/${id}`, Method: 'GET' },
      { Url: `Parameters/${id}`, Method: 'DELETE' },
    );
  }
  return calls.slice(0, size);
}

test('each call of a large batch runs with its own method, path and payload, in order', async () => {
  const calls = parameterCycles(LARGE + 1);
  const res = await echoingCaller({ bodies: [] })({ url: '/rest/batch', body: calls });
  const items = res.body as Item[];
  assert.is(items.length, calls.length);
  assert.equal(
    items.slice(0, 5).map((item) => item.ReturnCode),
    ['201', '201', '204', '200', '204'],
  );
  for (let k = 0; 1 + 4 * k + 3 < calls.length; k++) {
    const at = 1 + 4 * k;
    assert.is((items[at]?.ResponseContent as { Id?: string } | null)?.Id, `P${k}`);
    assert.is((items[at]?.ResponseContent as { Value?: string } | null)?.Value, `v${k}`);
    assert.is((items[at + 2]?.ResponseContent as { Value?: string } | null)?.Value, `w${k}`, `GET of P${k}`);
    assert.is(items[at + 3]?.ReturnCode, '204');
  }
});

test('a call whose Url has a query keeps it in a large batch, and the batch-wide checks see every call before any runs', async () => {
  const seen: Seen = { bodies: [] };
  const calls = [...batchOf(LARGE + 2, { a: 1 }), { Url: 'Sessions', Method: 'POST' }];
  // A second POST Sessions at the end breaks Exago's rules: the whole batch is refused before anything runs.
  const refused = await echoingCaller(seen)({ url: '/rest/batch', body: calls });
  assert.is(refused.status, 400);
  assert.is((refused.body as { code?: string }).code, 'BATCH_RULE_VIOLATION');
  assert.is(seen.bodies.length, 0);
  const withQuery = [...calls.slice(0, -1), { Url: 'Echo/query?x=1&y=two', Method: 'GET' }];
  const res = await echoingCaller(seen)({ url: '/rest/batch', body: withQuery });
  assert.is(res.status, 200);
  assert.equal((res.body as Item[]).at(-1)?.ResponseContent, { query: { x: '1', y: 'two' } });
});

test.run();
