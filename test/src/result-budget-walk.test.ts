import 'reflect-metadata';
import { createEngine, exagoApi, type HandlerContext } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// What a batch's results cost in CPU is bounded by its result budget: a result that does not fit
// in what the batch has left is measured only until it passes it (before, it was copied and
// measured whole, then refused), and the size of each frozen value a store hands out is
// remembered whatever its size (before, only from 1 KiB: an outside review read back a session of
// 1,031 parameters of about 1,000 characters 500 times in one 112 KB request, 471 reads refused
// 507, and spent 3.7 s of CPU walking them).

let reads = 0;

/** An object of `members` members of `length` characters each (1 KiB), each counting its reads; frozen or not. */
function counting(members: number, frozen: boolean, length = 1024): Record<string, string> {
  const value = Object.defineProperties(
    {},
    Object.fromEntries(
      Array.from({ length: members }, (_, i) => [
        `m${i}`,
        {
          enumerable: true,
          get: () => {
            reads++;
            return 'x'.repeat(length);
          },
        },
      ]),
    ),
  ) as Record<string, string>;
  return frozen ? Object.freeze(value) : value;
}

/** 300 frozen entries of about 1,000 characters each, as a store's list hands them out (a fresh array each read). */
const ENTRIES = Array.from({ length: 300 }, () => counting(1, true, 1000));

const Big = {
  name: 'Big',
  session: 'none' as const,
  routes: [
    // A fresh object each time: copied and measured as it is read.
    { method: 'GET' as const, path: 'fresh', handle: () => counting(1000, false) },
    { method: 'GET' as const, path: 'list', handle: (_: HandlerContext) => [...ENTRIES] },
  ],
};

function caller(limits: Record<string, number>) {
  const api = exagoApi();
  return createDirectCaller(createEngine({ apis: [{ ...api, resources: [...api.resources, Big] }], limits, logger: { error: () => {} } }));
}

type Item = { ReturnCode: string; ResponseContent: { code?: string } };

test('a result larger than what the batch has left is read only until it passes it, then refused (507 RESULTS_TOO_LARGE)', async () => {
  const call = caller({ maxResultBytes: 64 * 1024 });
  reads = 0;
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Big/fresh', Method: 'GET' },
    ],
  });
  const items = res.body as Item[];
  assert.is(items[1]!.ReturnCode, '507');
  assert.is(items[1]!.ResponseContent.code, 'RESULTS_TOO_LARGE');
  // 64 KiB is passed after about 64 of the 1,000 members of 1 KiB; before, all 1,000 were read.
  assert.ok(reads > 0 && reads < 100, `${reads} members read`);
});

test('a list of small frozen entries read back many times is measured once: later reads, kept or refused, read none of it', async () => {
  const call = caller({ maxResultBytes: 2 * 1024 * 1024 });
  const body = [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: 30 }, () => ({ Url: 'Big/list', Method: 'GET' }))];
  reads = 0;
  const first = await call({ url: '/rest/batch', body });
  // Each read is about 303,000 characters: six fit in 2 MiB, the other 24 are refused.
  const codes = (first.body as Item[]).slice(1).map((item) => item.ReturnCode);
  assert.equal(codes, [...new Array(6).fill('200'), ...new Array(24).fill('507')]);
  // Each entry read once, when first measured.
  assert.is(reads, 300);
  const measured = reads;
  reads = 0;
  const again = await call({ url: '/rest/batch', body });
  assert.equal(
    (again.body as Item[]).slice(1).map((item) => item.ReturnCode),
    codes,
  );
  // The second batch measures nothing: every size is remembered. Before, entries under 1 KiB were
  // walked again on every read, kept or refused (6 × 300 reads, then each refused read until
  // its size passed what was left).
  assert.is(reads, 0, `${reads} members read by the second batch, ${measured} by the first`);
});

test.run();
