import 'reflect-metadata';
import { type HandlerContext, Post, type RateDecision, Resource, RestBatchError } from '@restbatch/core';
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

/** Writes two parameters, one after the other: the second write can fail after the first was made. */
@Resource('Pair', { session: 'required' })
class PairResource {
  @Post('')
  async pair(ctx: HandlerContext): Promise<{ ok: true }> {
    await ctx.session!.set('parameters', 'first', 1);
    await ctx.session!.set('parameters', 'second', 2);
    return { ok: true };
  }
}

/** Changes something outside the store (declared with onRollback), then throws 503 STORE_UNAVAILABLE itself. */
@Resource('Mail', { session: 'required' })
class MailResource {
  static sent = 0;

  @Post('')
  send(ctx: HandlerContext): never {
    MailResource.sent++;
    ctx.onRollback(() => {
      MailResource.sent--;
    });
    throw new RestBatchError('STORE_UNAVAILABLE', 'the mail log is unavailable');
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
  const { engine, call } = exagoEngine({}, { store, apis: [exagoTestApi([BoomResource, PairResource, MailResource], atomic)], rateLimit });
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

test('a handler whose second write answered 503 after its first was made keeps the key: the retry replays, nothing is written twice', async () => {
  const { store, call } = flakyEngine();
  const { sid } = await openSession(call);
  // The first write works, the second fails.
  store.failNext(1, 1);
  const body = [{ Url: 'Pair', Method: 'POST' }];
  const first = await keyed(call, `/rest/batch?sid=${sid}`, body, 'pair');
  assert.equal(first, { codes: ['503:STORE_UNAVAILABLE'], replayed: undefined });
  assert.equal(await store.list(sid, 'parameters'), [['first', 1]], 'the first write stands');
  const writes = store.writes;
  const retry = await keyed(call, `/rest/batch?sid=${sid}`, body, 'pair');
  assert.equal(retry, { codes: first.codes, replayed: 'true' });
  assert.is(store.writes, writes, 'the retry ran the handler again');
});

test('a handler that declared a change (onRollback) and threw 503 STORE_UNAVAILABLE itself keeps the key', async () => {
  const { call } = flakyEngine();
  const { sid } = await openSession(call);
  MailResource.sent = 0;
  const body = [{ Url: 'Mail', Method: 'POST' }];
  const first = await keyed(call, `/rest/batch?sid=${sid}`, body, 'mail');
  assert.equal(first, { codes: ['503:STORE_UNAVAILABLE'], replayed: undefined });
  const retry = await keyed(call, `/rest/batch?sid=${sid}`, body, 'mail');
  assert.equal(retry, { codes: first.codes, replayed: 'true' });
  assert.is(MailResource.sent, 1);
});

test('the same in an atomic batch whose rollback undid the change (confirmed) releases the key: nothing remains of it', async () => {
  const { store, call } = flakyEngine(true);
  const { sid } = await openSession(call);
  store.failNext(1, 1);
  const pair = await keyed(call, `/rest/batch?sid=${sid}`, [{ Url: 'Pair', Method: 'POST' }], 'atomic-pair');
  assert.equal(pair, { codes: ['503:STORE_UNAVAILABLE'], replayed: undefined });
  assert.equal(await store.list(sid, 'parameters'), [], 'the rollback undid the first write');
  const again = await keyed(call, `/rest/batch?sid=${sid}`, [{ Url: 'Pair', Method: 'POST' }], 'atomic-pair');
  assert.equal(again, { codes: ['201:'], replayed: undefined });
  MailResource.sent = 0;
  const mail = await keyed(call, `/rest/batch?sid=${sid}`, [{ Url: 'Mail', Method: 'POST' }], 'atomic-mail');
  assert.equal(mail, { codes: ['503:STORE_UNAVAILABLE'], replayed: undefined });
  assert.is(MailResource.sent, 0);
  const retry = await keyed(call, `/rest/batch?sid=${sid}`, [{ Url: 'Mail', Method: 'POST' }], 'atomic-mail');
  assert.equal(retry.replayed, undefined);
});

test('a POST Sessions that wrote a role, then answered 503 on the next, releases the key: its session and writes are gone', async () => {
  const { store, call } = flakyEngine();
  // The create and the first role write work, the second role write fails (config Detailed has two roles).
  store.failNext(1, 2);
  const body = [{ Url: 'Sessions', Method: 'POST' }];
  const first = await keyed(call, '/rest/batch?config=Detailed', body, 'detailed');
  assert.equal(first, { codes: ['503:STORE_UNAVAILABLE'], replayed: undefined });
  assert.is(store.size, 0);
  const retry = await keyed(call, '/rest/batch?config=Detailed', body, 'detailed');
  assert.equal(retry, { codes: ['201:'], replayed: undefined });
});

test('an atomic batch whose POST Sessions failed and whose session the store could not destroy keeps its key: a retry makes no second session', async () => {
  const { store, call } = flakyEngine(true);
  store.failNext(1, 1);
  store.destroyMode = 'fails';
  const first = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'left');
  assert.equal(first, { codes: ['500:ROLLBACK_INCOMPLETE', '424:SKIPPED'], replayed: undefined });
  const retry = await keyed(call, '/rest/batch', OPEN_AND_ACTIVATE, 'left');
  assert.equal(retry, { codes: first.codes, replayed: 'true' });
  assert.is(store.size, 1);
});

test.run();
