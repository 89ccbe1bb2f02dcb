import 'reflect-metadata';
import { createEngine, exagoApi, Get, Resource } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const MEMBERS = 1000;
const MEMBER = 'x'.repeat(1024);
let reads = 0;

/**
 * About 1 MB of JSON whose members count their reads. Frozen data is its own snapshot (see
 * docs/security.md, "Frozen means data"): the answer the idempotency guard measures holds this
 * very object, so every member it reads shows here.
 */
const LARGE = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(
      Array.from({ length: MEMBERS }, (_, i) => [
        `m${i}`,
        {
          enumerable: true,
          get: () => {
            reads++;
            return MEMBER;
          },
        },
      ]),
    ),
  ),
);

@Resource('Large', { session: 'none' })
class LargeResource {
  @Get()
  read() {
    return LARGE;
  }
}

test('an answer over maxIdempotencyRecordBytes is measured only until it passes the cap, not walked whole', async () => {
  const exago = exagoApi();
  const engine = createEngine({
    apis: [{ ...exago, resources: [...exago.resources, LargeResource] }],
    limits: { maxIdempotencyRecordBytes: 64 * 1024 },
    logger: { error: () => {} },
  });
  const call = createDirectCaller(engine);
  const send = async (headers: Record<string, string>) => {
    reads = 0;
    // Exago's answer holds each result's body as it is (ResponseContent).
    const body = [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Large', Method: 'GET' },
    ];
    const response = await call({ url: '/rest/batch', body, headers });
    return { response, reads };
  };
  // The first answer measures the frozen value once and remembers its size; the two counted below
  // read it the same way but for the guard.
  await send({});
  const plain = await send({});
  const keyed = await send({ 'idempotency-key': 'large' });
  assert.is(keyed.response.status, 200);
  assert.is(keyed.response.headers['idempotency-status'], 'not-stored');
  assert.is(plain.response.headers['idempotency-status'], undefined);
  // 64 KiB is passed after about 64 of the 1000 members; before, the guard read all 1000 to learn
  // that the answer was too large to keep (a 31 MB answer held the event loop 0.3-0.45 s).
  const guard = keyed.reads - plain.reads;
  assert.ok(guard > 0 && guard < 100, `the guard read ${guard} members`);
});

test.run();
