import 'reflect-metadata';
import { createEngine, exagoApi, type ResourceHandler } from '@restbatch/core';
import { createDirectCaller, type DirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

// A large Exago batch (2000 calls or more, answered from items) keeps each waiting call as its
// method, path and payload and makes its sub-request again when it runs (UnmadeRequests). Each
// handler must see exactly the payload it was sent: the same members, values and key order, in an
// object of its own, whether the batch came as a value or as text.

/** The items-only threshold (`ITEMS_FROM`); core-plain-requests.test.ts checks that a batch this large is kept unmade. */
const LARGE = 2000;

interface Seen {
  /** What each `POST Echo` was handed, in call order, as its own JSON text and key list. */
  bodies: Array<{ json: string; keys: string[] | undefined; proto: unknown }>;
}

/** Exago's API with `POST Echo`, which answers its body after changing it. */
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
      const expected = JSON.parse(JSON.stringify(payload)) as unknown;
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
      assert.equal(item.ResponseContent, answered, `${send}: call ${i + 1} answered its own payload`);
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

test.run();
