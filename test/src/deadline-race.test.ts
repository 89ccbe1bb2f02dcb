import { createEngine, type EngineOptions, odataDialect, type ResourceHandler } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Async handlers: each answer comes from a promise, so a bounded deadline races every one. */
const SLOW: ResourceHandler = {
  name: 'Slow',
  routes: [
    { method: 'GET', path: 'echo/:n', handle: async (ctx) => ({ n: Number(ctx.params.n) }) },
    {
      method: 'GET',
      path: 'later/:ms',
      handle: async (ctx) => {
        await sleep(Number(ctx.params.ms));
        return { late: true };
      },
    },
    {
      method: 'GET',
      path: 'reject',
      handle: async () => {
        throw new Error('rejected on purpose');
      },
    },
  ],
};

function caller(limits: EngineOptions['limits'] = {}) {
  const engine = createEngine({
    apis: [{ base: '/api', resources: [SLOW], batch: [{ path: '$batch', dialect: odataDialect({ maxSubRequests: 1000 }) }] }],
    limits,
    logger: { error: () => undefined },
  });
  return createDirectCaller(engine);
}

type Answer = { responses: Array<{ id: string; status: number; body?: { n?: number; late?: boolean; code?: string } }> };

async function run(call: ReturnType<typeof caller>, urls: string[], signal?: AbortSignal): Promise<Answer> {
  const requests = urls.map((url, i) => ({ id: String(i), method: 'GET', url }));
  const res = await call({ url: '/api/$batch', headers: { prefer: 'odata.continue-on-error' }, body: { requests }, signal });
  return res.body as Answer;
}

test('under a batch deadline, 300 async handlers in a row each answer with their own value, in order', async () => {
  const call = caller({ batchTimeoutMs: 60_000 });
  const urls = Array.from({ length: 300 }, (_, i) => `/Slow/echo/${i}`);
  const answer = await run(call, urls);
  assert.equal(
    answer.responses.map((r) => r.body?.n),
    urls.map((_, i) => i),
  );
});

test('under an outer signal that never fires, async answers, rejections and later answers keep their places', async () => {
  const call = caller();
  const controller = new AbortController();
  const answer = await run(call, ['/Slow/echo/1', '/Slow/reject', '/Slow/later/5', '/Slow/echo/4'], controller.signal);
  assert.equal(
    answer.responses.map((r) => [r.status, r.body?.n ?? r.body?.late ?? null]),
    [
      [200, 1],
      [500, null],
      [200, true],
      [200, 4],
    ],
  );
});

test('a handler that settles after the batch deadline fails with TIMEOUT at the deadline; its late answer reaches no later batch', async () => {
  const call = caller({ batchTimeoutMs: 30 });
  const first = await run(call, ['/Slow/echo/0', '/Slow/later/80', '/Slow/echo/2']);
  assert.equal(
    first.responses.map((r) => r.status),
    [200, 504, 504],
  );
  // The next batch runs while the first one's handler is still waiting, and after it answered.
  const second = await run(call, ['/Slow/echo/7', '/Slow/echo/8']);
  await sleep(100);
  const third = await run(call, ['/Slow/echo/9']);
  assert.equal(
    second.responses.map((r) => r.body?.n),
    [7, 8],
  );
  assert.equal(third.responses[0]!.body?.n, 9);
});

test('an outer signal aborted while an async handler runs fails it at once with ABORTED and skips the rest', async () => {
  const call = caller();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 10);
  const started = performance.now();
  const answer = await run(call, ['/Slow/echo/0', '/Slow/later/1500', '/Slow/echo/2'], controller.signal);
  assert.ok(performance.now() - started < 1000, 'the batch did not wait for the handler (1500 ms)');
  assert.equal(
    answer.responses.map((r) => r.status),
    [200, 499, 499],
  );
});

test.run();
