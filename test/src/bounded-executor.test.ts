import 'reflect-metadata';
import { createEngine, type Engine, type EngineOptions, exagoApi, Get, type HandlerContext, Post, Resource } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batch, featuresEngine } from './support/features-engine.js';
import { listen } from './support/listen.js';
import { startWs, TestClient } from './support/ws-test-client.js';

const JSON_TYPE = { 'content-type': 'application/json' };
const SESSION = { Url: 'Sessions', Method: 'POST' };
type Item = { ReturnCode: string; ResponseContent: { code?: string; n?: number; Values?: unknown; Id?: string } | null };

/** Counts handler calls across the engine's per-batch scopes. */
interface Stats {
  calls: number;
  /** Calls of `Counter/slow`. */
  slow?: number;
}

/** A counter a handler returns and keeps changing afterwards: each result must show the value it had when it settled. */
function counterResource(stats: Stats) {
  @Resource('Counter')
  class CounterResource {
    readonly state = { n: 0 };

    @Post('next')
    next() {
      this.state.n = stats.calls++;
      return this.state;
    }

    /** Holds the event loop for 100 µs without waiting, as CPU-bound handlers do. */
    @Post('spin')
    spin() {
      const until = performance.now() + 0.1;
      while (performance.now() < until);
      return { n: stats.calls++ };
    }

    /** Holds the event loop for 2 ms without waiting. */
    @Post('slow')
    slow() {
      const until = performance.now() + 2;
      while (performance.now() < until);
      stats.slow = (stats.slow ?? 0) + 1;
      return { n: stats.calls++ };
    }

    @Get('big/:kb')
    big(ctx: HandlerContext) {
      stats.calls++;
      return { text: 'x'.repeat(Number(ctx.params.kb) * 1024) };
    }

    @Post('echo', { schema: { type: 'object', properties: { tag: { type: 'string', default: 'none' } } } })
    echo(ctx: HandlerContext) {
      return ctx.body;
    }
  }
  return CounterResource;
}

function engine(options: Partial<EngineOptions> = {}): { engine: Engine; counter: () => Stats } {
  const stats: Stats = { calls: 0 };
  const api = exagoApi({ configs: { default: { roles: [] } } });
  api.resources = [...api.resources, counterResource(stats)];
  const e = createEngine({ apis: [api], logger: { error: () => undefined }, ...options });
  return { engine: e, counter: () => stats };
}

async function withHttp<T>(e: Engine, run: (url: string) => Promise<T>): Promise<T> {
  const server = await listen(createHttpHandler(e));
  try {
    return await run(server.url);
  } finally {
    await server.close();
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${url}/rest/batch`, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, body: JSON.parse(text) as Item[] };
}

/** The 87 KB attack of issue 10: one 64 KB value, a list repeating it 300 times, 200 whole-value references to that list. */
function amplification(): unknown[] {
  const value = 'v'.repeat(64 * 1024);
  const calls: unknown[] = [
    SESSION,
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'A', DataType: 'String', Value: value, PromptText: 'a' } },
    {
      Url: 'Parameters',
      Method: 'POST',
      Payload: { Id: 'B', DataType: 'String', IsMultiValue: true, Values: Array(300).fill('${1/body/Value}'), PromptText: 'b' },
    },
  ];
  for (let k = 0; k < 200; k++) {
    calls.push({
      Url: 'Parameters',
      Method: 'POST',
      Payload: { Id: `C${k}`, DataType: 'String', IsMultiValue: true, Values: '$ref:2/body/Values', PromptText: 'c' },
    });
  }
  return calls;
}

test('reference amplification: the 87 KB batch answers REFERENCES_TOO_LARGE in the expanding slot and 424 after it, and the process stays up', async () => {
  const { engine: e } = engine();
  await withHttp(e, async (url) => {
    const res = await post(url, amplification());
    assert.is(res.status, 200);
    assert.is(res.body.length, 203);
    assert.equal(
      res.body.slice(0, 3).map((i) => i.ReturnCode),
      ['201', '201', '413'],
    );
    assert.is(res.body[2]!.ResponseContent!.code, 'REFERENCES_TOO_LARGE');
    for (const item of res.body.slice(3)) {
      assert.is(item.ReturnCode, '424');
      assert.is(item.ResponseContent!.code, 'DEPENDENCY_FAILED');
    }
    // The answer is the size of its input, not of what the references would have made.
    assert.ok(res.text.length < 200 * 1024, `answer of ${res.text.length} characters`);
    // The server still answers.
    assert.is((await post(url, [SESSION])).body[0]!.ReturnCode, '201');
  });
});

test('whole-value references within the budget are shared: every item gets the whole list, charged per use', async () => {
  const { engine: e } = engine({ limits: { maxResolvedBytes: 3 * 70 * 1024 } });
  const calls: unknown[] = [
    SESSION,
    {
      Url: 'Parameters',
      Method: 'POST',
      Payload: { Id: 'A', DataType: 'String', IsMultiValue: true, Values: ['v'.repeat(64 * 1024)], PromptText: 'a' },
    },
  ];
  for (let k = 0; k < 4; k++) {
    calls.push({
      Url: 'Parameters',
      Method: 'POST',
      Payload: { Id: `C${k}`, DataType: 'String', IsMultiValue: true, Values: '$ref:1/body/Values', PromptText: 'c' },
    });
  }
  const res = await createDirectCaller(e)({ url: '/rest/batch', body: calls });
  const items = res.body as Item[];
  // Three uses of 64 KB fit in 210 KB; the fourth does not.
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '201', '201', '201', '201', '413'],
  );
  assert.is((items[4]!.ResponseContent!.Values as string[])[0]!.length, 64 * 1024);
  assert.is(items[5]!.ResponseContent!.code, 'REFERENCES_TOO_LARGE');
});

test('a string that repeats a reference is measured before it is built', async () => {
  const { engine: e } = engine({ limits: { maxResolvedBytes: 1000 } });
  const res = await createDirectCaller(e)({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'A', DataType: 'String', Value: 'y'.repeat(100), PromptText: 'a' } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'B', DataType: 'String', Value: '${1/body/Value}'.repeat(9), PromptText: 'b' } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'C', DataType: 'String', Value: '${1/body/Value}'.repeat(2), PromptText: 'c' } },
    ],
  });
  const items = res.body as Item[];
  // 900 characters fit in 1000; the next 200 do not.
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '201', '201', '413'],
  );
});

test('results over the batch result budget answer RESULTS_TOO_LARGE (507) in their slot; smaller ones after it still fit', async () => {
  const { engine: e } = engine({ limits: { maxResultBytes: 50 * 1024 } });
  await withHttp(e, async (url) => {
    const res = await post(url, [
      SESSION,
      { Url: 'Counter/big/20', Method: 'GET' },
      { Url: 'Counter/big/40', Method: 'GET' },
      { Url: 'Counter/big/1', Method: 'GET' },
    ]);
    assert.equal(
      res.body.map((i) => i.ReturnCode),
      ['201', '200', '507', '200'],
    );
    assert.is(res.body[2]!.ResponseContent!.code, 'RESULTS_TOO_LARGE');
  });
});

test('an atomic batch over the result budget rolls back: nothing is half-written', async () => {
  const { engine: e } = engine({ limits: { maxResultBytes: 30 * 1024 } });
  const call = createDirectCaller(e);
  const res = await call({
    url: '/rest/batch?onFail=atomic',
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } }, { Url: 'Counter/big/40', Method: 'GET' }],
  });
  const items = res.body as Item[];
  assert.equal(
    items.map((i) => i.ResponseContent?.code ?? i.ReturnCode),
    ['ROLLED_BACK', 'ROLLED_BACK', 'RESULTS_TOO_LARGE'],
  );
});

test('each result is a snapshot taken when it settles: a handler changing its object later does not change earlier results, on every transport', async () => {
  const batch = [
    SESSION,
    { Url: 'Counter/next', Method: 'POST' },
    { Url: 'Counter/next', Method: 'POST' },
    { Url: 'Counter/next', Method: 'POST' },
  ];
  const expected = [0, 1, 2];
  const numbers = (items: Item[]) => items.slice(1).map((i) => i.ResponseContent!.n);
  // direct
  assert.equal(numbers((await createDirectCaller(engine().engine)({ url: '/rest/batch', body: batch })).body as Item[]), expected);
  // HTTP, plain JSON and NDJSON
  await withHttp(engine().engine, async (url) => assert.equal(numbers((await post(url, batch)).body), expected));
  await withHttp(engine().engine, async (url) => {
    const res = await request(`${url}/rest/batch`, {
      method: 'POST',
      headers: { ...JSON_TYPE, accept: 'application/x-ndjson' },
      body: JSON.stringify(batch),
    });
    const lines = (await res.body.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(
      lines.slice(1, 4).map((l) => l.ResponseContent.n),
      expected,
    );
  });
  // WebSocket: streamed items and the final answer agree
  const ws = await startWs(engine().engine);
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({ id: 1, endpoint: '/rest/batch', body: batch });
    assert.equal(
      answer.results.slice(1).map((r) => (r.item as Item).ResponseContent!.n),
      expected,
    );
    assert.equal(numbers(TestClient.response(answer).body as Item[]), expected);
  } finally {
    await client.close();
    await ws.close();
  }
});

test('a shared reference reaches a route whose schema writes defaults: the payload is copied first, the earlier result stays as it was', async () => {
  const { engine: e } = engine();
  const res = await createDirectCaller(e)({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Counter/echo', Method: 'POST', Payload: { inner: { a: 1 } } },
      { Url: 'Counter/echo', Method: 'POST', Payload: '$ref:1/body' },
    ],
  });
  const items = res.body as Array<{ ReturnCode: string; ResponseContent: unknown }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '201', '201'],
  );
  assert.equal(items[1]!.ResponseContent, { inner: { a: 1 }, tag: 'none' });
  assert.equal(items[2]!.ResponseContent, { inner: { a: 1 }, tag: 'none' });
});

test('a batch whose handlers never wait still honours RestBatch-Timeout: 1 (the clock is read at least every 8 sub-requests)', async () => {
  const { engine: e, counter } = engine();
  await withHttp(e, async (url) => {
    const calls = [SESSION, ...Array.from({ length: 9999 }, () => ({ Url: 'Counter/big/1', Method: 'GET' }))];
    const res = await post(url, calls, { 'restbatch-timeout': '1' });
    assert.is(res.status, 200);
    const timedOut = res.body.slice(1).filter((i) => i.ResponseContent?.code === 'TIMEOUT').length;
    assert.ok(timedOut > 5000, `only ${timedOut} of 10000 answered TIMEOUT`);
    assert.is(res.body.at(-1)!.ReturnCode, '504');
    // Only what ran in the first millisecond ran at all.
    assert.ok(counter().calls + timedOut === 9999, `${counter().calls} ran, ${timedOut} timed out`);
  });
});

test('a long batch lets go of the event loop: another client is answered while it runs', async () => {
  const { engine: e } = engine();
  await withHttp(e, async (url) => {
    const calls = [SESSION, ...Array.from({ length: 9999 }, () => ({ Url: 'Counter/big/4', Method: 'GET' }))];
    let longDone = false;
    const long = post(url, calls).then((res) => {
      longDone = true;
      return res;
    });
    // Give the long batch time to start, then ask for something small.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const small = await post(url, [SESSION]);
    assert.is(small.body[0]!.ReturnCode, '201');
    assert.not.ok(longDone, 'the small request waited for the whole long batch');
    assert.is((await long).body.length, 10000);
  });
});

test('sub-requests that turn slow after many fast ones: the batch still lets go of the event loop within 8 of them past its slice', async () => {
  const { engine: e, counter } = engine({ limits: { yieldIntervalMs: 10 } });
  const call = createDirectCaller(e);
  // 400 fast sub-requests let the clock read only every 8th; then 40 that take 2 ms each without waiting.
  const calls = [
    SESSION,
    ...Array.from({ length: 400 }, () => ({ Url: 'Counter/next', Method: 'POST' })),
    ...Array.from({ length: 40 }, () => ({ Url: 'Counter/slow', Method: 'POST' })),
  ];
  const perTurn: number[] = [];
  let seen = 0;
  let running = true;
  const turn = () => {
    const slow = counter().slow ?? 0;
    perTurn.push(slow - seen);
    seen = slow;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  const res = await call({ url: '/rest/batch', body: calls });
  running = false;
  assert.is((res.body as Item[]).length, 441);
  assert.is(counter().slow, 40);
  // A 10 ms slice holds five 2 ms sub-requests; a stale reading adds at most 7 (a busy machine makes it fewer).
  const most = Math.max(...perTurn, (counter().slow ?? 0) - seen);
  assert.ok(most <= 12, `${most} slow sub-requests ran in one turn of the event loop`);
});

test('twenty batches that let go of the event loop share its turns: one turn runs their slices for yieldIntervalMs together, not one slice each', async () => {
  const { engine: e, counter } = engine({ limits: { yieldIntervalMs: 10 } });
  const call = createDirectCaller(e);
  // Each batch: 15 sub-requests that take 2 ms without waiting; 20 batches, started one per turn
  // (each then waits behind those already waiting for their slice).
  const calls = [SESSION, ...Array.from({ length: 15 }, () => ({ Url: 'Counter/slow', Method: 'POST' }))];
  const runs: Array<Promise<unknown>> = [];
  for (let k = 0; k < 20; k++) {
    runs.push(call({ url: '/rest/batch', body: calls }));
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Once all run: a timer runs once per turn of the loop, between the batches' slices (never among them).
  const perTurn: number[] = [];
  let seen = counter().slow ?? 0;
  let running = true;
  const turn = () => {
    const slow = counter().slow ?? 0;
    perTurn.push(slow - seen);
    seen = slow;
    if (running) setTimeout(turn, 0);
  };
  setTimeout(turn, 0);
  const answers = (await Promise.all(runs)) as Array<{ body: Item[] }>;
  running = false;
  assert.is(counter().slow, 300);
  for (const answer of answers) assert.equal([...new Set(answer.body.map((i) => i.ReturnCode))], ['201']);
  // A turn holds five 2 ms sub-requests and the one that passes the 10 ms (a busy machine makes it
  // fewer); each batch that yielded on its own came back in the same turn as the others, and the
  // loop ran one slice of each still running, up to twenty sub-requests, before it let I/O in.
  const most = Math.max(...perTurn, (counter().slow ?? 0) - seen);
  assert.ok(most <= 8, `${most} slow sub-requests ran in one turn of the event loop (turns: ${perTurn.join(' ')})`);
});

test('a client that leaves stops its batch at the next sub-request, even when no handler waits', async () => {
  const { engine: e, counter } = engine();
  await withHttp(e, async (url) => {
    // About one second of handlers that never wait.
    const calls = [SESSION, ...Array.from({ length: 9999 }, () => ({ Url: 'Counter/spin', Method: 'POST' }))];
    const controller = new AbortController();
    const sent = request(`${url}/rest/batch`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify(calls),
      signal: controller.signal,
    });
    for (let i = 0; i < 5000 && counter().calls === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort();
    await sent.then(
      () => undefined,
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ran = counter().calls;
    assert.ok(ran > 0 && ran < 9999, `${ran} sub-requests ran after the client left`);
  });
});

test('RestBatch-Timeout beyond what a timer can hold (2^31 - 1 ms) is refused with 400 INVALID_HEADER, not turned into 1 ms', async () => {
  const { engine: e } = engine();
  await withHttp(e, async (url) => {
    const refused = await post(url, [SESSION], { 'restbatch-timeout': '9999999999' });
    assert.is(refused.status, 400);
    assert.match(refused.text, /INVALID_HEADER|at most 2147483647/);
    const longest = await post(url, [SESSION], { 'restbatch-timeout': '2147483647' });
    assert.is(longest.status, 200);
    assert.is(longest.body[0]!.ReturnCode, '201');
  });
  const ws = await startWs(e);
  const client = await TestClient.open(ws.url);
  try {
    const answer = await client.request({
      id: 't',
      endpoint: '/rest/batch',
      headers: { 'RestBatch-Timeout': '9999999999' },
      body: [SESSION],
    });
    assert.is((answer.final as { status?: number }).status, 400);
  } finally {
    await client.close();
    await ws.close();
  }
});

test('a handler that rejects after its client left never becomes an unhandled rejection (the WebSocket flood crash)', async () => {
  const { engine: e } = engine();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const controller = new AbortController();
    controller.abort();
    const res = await createDirectCaller(e)({ method: 'GET', url: '/rest/Sessions/none', signal: controller.signal });
    assert.is(res.status, 499);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the result budget is exact at its edge: a result of 11 characters ({"ok":true}) fits in 11 and not in 10', async () => {
  const ok = { url: 'Tools/ok', method: 'GET' };
  const fits = featuresEngine({ limits: { maxResultBytes: 11 } });
  assert.equal(
    (await batch(fits.call, { requests: [ok, ok] })).body.results.map((r) => r.status),
    [200, 507],
  );
  const short = featuresEngine({ limits: { maxResultBytes: 10 } });
  const res = await batch(short.call, { requests: [ok] });
  assert.is(res.body.results[0]!.status, 507);
  assert.is(res.body.results[0]!.error!.code, 'RESULTS_TOO_LARGE');
});

test.run();
