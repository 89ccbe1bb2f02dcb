import 'reflect-metadata';
import { type HandlerContext, Post, type RateDecision, Resource } from '@restbatch/core';
import type { DirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import { type Item, items, openSession } from './support/exago-items.js';
import { FlakyStore } from './support/flaky-store.js';
import { serveOverHttp } from './support/records-http.js';

// An idempotency record exists so that work applied once is not applied twice. A batch whose
// sub-requests changed nothing and failed for a reason that passes (503 STORE_UNAVAILABLE, 429
// RATE_LIMITED) has applied nothing: keeping its answer would replay "retry later" for 24 hours.
// The IETF draft (draft-ietf-httpapi-idempotency-key-header, "Error Scenarios") leaves such
// answers to the server: "For other 4xx/5xx errors, such as 401, 403, 500, 502, 503, 504, 429,
// or any other HTTP error code that is not listed here, the client SHOULD act appropriately by
// following the resource server's documentation" (docs/idempotency.md, "What is stored").

const OPEN_AND_ACTIVATE = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
];

/** Writes a role into its session, then fails with a 500: it changed something. */
@Resource('Boom', { session: 'required' })
class BoomResource {
  @Post('')
  async boom(ctx: HandlerContext): Promise<never> {
    await ctx.session!.set('roles', 'Ghost', { Id: 'Ghost' });
    throw new Error('planned failure after a write');
  }
}

function codes(list: Item[]): string[] {
  return list.map((item) => `${item.ReturnCode}:${item.ResponseContent?.code ?? ''}`);
}

/** An Exago engine (existing sessions allowed, the Boom resource) on a store whose writes fail on demand. */
function flakyEngine(atomic = false, limiter?: { refuse: boolean }) {
  const store = new FlakyStore();
  const rateLimit =
    limiter === undefined
      ? undefined
      : {
          limiter: {
            take: (): RateDecision => (limiter.refuse ? { allowed: false, retryAfterMs: 1000 } : { allowed: true, retryAfterMs: 0 }),
          },
        };
  const { engine, call } = exagoEngine({}, { store, apis: [exagoTestApi([BoomResource], atomic)], rateLimit });
  return { store, engine, call };
}

async function keyed(call: DirectCaller, url: string, body: unknown[], key: string) {
  const res = await call({ url, body, headers: { 'idempotency-key': key } });
  return { codes: codes(items(res)), replayed: res.headers['idempotent-replayed'] };
}

test('a batch whose POST Sessions answered 503 and whose rest answered 401 releases its key: the retry runs (direct)', async () => {
  const { store, call } = flakyEngine();
  store.failNext(1);
  const first = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'order-42');
  assert.equal(first, { codes: ['503:STORE_UNAVAILABLE', '401:SESSION_REQUIRED'], replayed: undefined });
  const retry = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'order-42');
  assert.equal(retry, { codes: ['201:', '204:'], replayed: undefined });
  // That answer changed something: it is kept, and replayed from now on.
  const again = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'order-42');
  assert.equal(again, { codes: ['201:', '204:'], replayed: 'true' });
  assert.is(store.size, 1, 'the batch ran twice');
});

test('the same over HTTP: the 503 is not replayed, the retry runs and its answer is kept', async () => {
  const { store, engine } = flakyEngine();
  const { send, close } = await serveOverHttp(engine);
  try {
    store.failNext(1);
    const options = { headers: { 'idempotency-key': 'http-42' } };
    const first = await send('/rest/batch', OPEN_AND_ACTIVATE, options);
    assert.is(first.status, 200);
    assert.equal(codes(first.body as Item[]), ['503:STORE_UNAVAILABLE', '401:SESSION_REQUIRED']);
    const retry = await send('/rest/batch', OPEN_AND_ACTIVATE, options);
    assert.is(retry.headers['idempotent-replayed'], undefined);
    assert.equal(codes(retry.body as Item[]), ['201:', '204:']);
    const again = await send('/rest/batch', OPEN_AND_ACTIVATE, options);
    assert.is(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, retry.body);
  } finally {
    await close();
  }
});

test('a 503 beside a success keeps the key: the success must not be applied twice', async () => {
  const { store, call } = flakyEngine();
  // The create and its role write work; the parameter's write fails.
  store.failNext(1, 2);
  const body = [OPEN_AND_ACTIVATE[0]!, { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p' } }];
  const first = await keyed(call, '/rest/batch', body, 'mixed');
  assert.equal(first, { codes: ['201:', '503:STORE_UNAVAILABLE'], replayed: undefined });
  const retry = await keyed(call, '/rest/batch', body, 'mixed');
  assert.equal(retry, { codes: first.codes, replayed: 'true' });
  assert.is(store.size, 1);
});

test('a 503 beside a handler that failed after it wrote (500) keeps the key', async () => {
  const { store, call } = flakyEngine();
  const { sid } = await openSession(call);
  store.failNext(1);
  const body = [
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p' } },
    { Url: 'Boom', Method: 'POST' },
  ];
  const first = await keyed(call, `/rest/batch?sid=${sid}`, body, 'boom');
  assert.equal(first, { codes: ['503:STORE_UNAVAILABLE', '500:INTERNAL'], replayed: undefined });
  const retry = await keyed(call, `/rest/batch?sid=${sid}`, body, 'boom');
  assert.equal(retry, { codes: first.codes, replayed: 'true' });
});

test('a 503 beside refusals made before any handler ran (404 route, 400 validation) releases the key', async () => {
  const { store, call } = flakyEngine();
  const { sid } = await openSession(call);
  store.failNext(1);
  const body = [
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p' } },
    { Url: 'Nowhere', Method: 'GET' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 7 } },
  ];
  const first = await keyed(call, `/rest/batch?sid=${sid}`, body, 'refused');
  assert.equal(first, { codes: ['503:STORE_UNAVAILABLE', '404:ROUTE_NOT_FOUND', '400:VALIDATION_FAILED'], replayed: undefined });
  const retry = await keyed(call, `/rest/batch?sid=${sid}`, body, 'refused');
  assert.equal(retry, { codes: ['201:', '404:ROUTE_NOT_FOUND', '400:VALIDATION_FAILED'], replayed: undefined });
});

test('a batch refused by the rate limit (429 before every handler) releases the key', async () => {
  const limiter = { refuse: true };
  const { call } = flakyEngine(false, limiter);
  const first = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'limited');
  assert.equal(first, { codes: ['429:RATE_LIMITED', '429:RATE_LIMITED'], replayed: undefined });
  limiter.refuse = false;
  const retry = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'limited');
  assert.equal(retry, { codes: ['201:', '204:'], replayed: undefined });
});

test('an atomic batch rolled back after a 503 (ROLLED_BACK, its undo confirmed) releases the key', async () => {
  const { store, call } = flakyEngine(true);
  const { sid } = await openSession(call);
  store.failNext(1, 1);
  const body = [
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'a' } },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'b' } },
  ];
  const first = await keyed(call, `/rest/batch?sid=${sid}`, body, 'atomic');
  assert.equal(first, { codes: ['424:ROLLED_BACK', '503:STORE_UNAVAILABLE'], replayed: undefined });
  assert.equal(await store.list(sid, 'parameters'), []);
  const retry = await keyed(call, `/rest/batch?sid=${sid}`, body, 'atomic');
  assert.equal(retry, { codes: ['201:', '201:'], replayed: undefined });
});

test.run();
