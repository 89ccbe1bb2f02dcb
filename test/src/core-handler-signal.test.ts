import { setTimeout as sleep } from 'node:timers/promises';
import { createEngine, type HandlerContext, inject, type ResourceHandler } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalDialect } from './support/features-engine.js';

// The batch's signal is made only when a handler first reads it: these handlers read it late.
const seen: Array<{ aborted: boolean; code: unknown }> = [];
const late: ResourceHandler = {
  name: 'late',
  routes: [
    {
      method: 'GET',
      path: 'after',
      // Reads its signal only once the batch's deadline has passed.
      handle: async (ctx: HandlerContext) => {
        await sleep(60);
        seen.push({ aborted: ctx.signal.aborted, code: (ctx.signal.reason as { code?: unknown } | undefined)?.code });
        return { read: true };
      },
    },
    {
      method: 'GET',
      path: 'keys',
      // What a handler can reach on its context: its signal, never the deadline that ends the batch.
      handle: (ctx: HandlerContext) => ({ keys: Object.keys(ctx), signals: 'signals' in ctx }),
    },
    {
      method: 'GET',
      path: 'now',
      handle: (ctx: HandlerContext) => {
        const first = ctx.signal;
        return { aborted: first.aborted, same: first === ctx.signal };
      },
    },
  ],
};

function engine(batchTimeoutMs = 0, subRequestTimeoutMs = 0) {
  return createEngine({
    apis: [{ base: '/api', resources: [late], batch: [{ path: 'batch', dialect: canonicalDialect }] }],
    limits: { batchTimeoutMs, subRequestTimeoutMs },
    logger: { error: () => {} },
  });
}

test('a handler that reads its signal only after the batch deadline passed sees it aborted with TIMEOUT', async () => {
  seen.length = 0;
  const call = createDirectCaller(engine(20));
  const res = await call({ url: '/api/batch', body: { requests: [{ method: 'GET', url: '/late/after' }] } });
  assert.is(res.status, 200);
  assert.equal((res.body as { results: Array<{ status: number }> }).results[0]!.status, 504);
  // The handler goes on after the race was lost; wait for it to read its signal.
  for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(10);
  assert.equal(seen, [{ aborted: true, code: 'TIMEOUT' }]);
});

test('a sub-request nothing aborts reads one signal, not aborted, in a batch and alone', async () => {
  const e = engine();
  const call = createDirectCaller(e);
  const res = await call({ url: '/api/batch', body: { requests: [{ method: 'GET', url: '/late/now' }] } });
  assert.equal((res.body as { results: Array<{ body: unknown }> }).results[0]!.body, { aborted: false, same: true });
  const alone = await inject(e, { url: '/api/late/now' });
  assert.equal(alone.json(), { aborted: false, same: true });
});

test('a cancelled caller aborts the signal of a handler that reads it only afterwards', async () => {
  seen.length = 0;
  const call = createDirectCaller(engine());
  const controller = new AbortController();
  const pending = call({ url: '/api/batch', body: { requests: [{ method: 'GET', url: '/late/after' }] }, signal: controller.signal });
  await sleep(10);
  controller.abort(new Error('gone'));
  await pending;
  for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(10);
  assert.is(seen.length, 1);
  assert.is(seen[0]!.aborted, true);
});

test('the context hands out the signal only: no enumerable or `in`-visible source a handler could dispose of', async () => {
  const res = await createDirectCaller(engine(20))({ method: 'GET', url: '/api/late/keys' });
  const body = res.body as { keys: string[]; signals: boolean };
  assert.is(body.signals, false);
  assert.not.ok(body.keys.includes('signals'));
});

for (const subRequestTimeoutMs of [0, 1000]) {
  test(`an ordinary call whose caller was aborted before it started runs with its signal aborted (subRequestTimeoutMs ${subRequestTimeoutMs})`, async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone before'));
    const e = engine(0, subRequestTimeoutMs);
    try {
      const res = await createDirectCaller(e)({ method: 'GET', url: '/api/late/now', signal: controller.signal });
      // Without a sub-request timer the handler runs with the call's signal; with one, its timer's
      // signal starts aborted too (a parent aborted already fires no event to chain).
      assert.is(res.status, 200);
      assert.equal(res.body, { aborted: true, same: true });
    } finally {
      await e.close();
    }
  });
}

test.run();
