import 'reflect-metadata';
import { type EngineOptions, RestBatchError } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { featuresEngine } from './support/features-engine.js';
import { type HttpAnswer, type SendOptions, serveOverHttp } from './support/records-http.js';
import { useRedis } from './support/redis-server.js';

const test = suite('records per caller on the redis session store');
const { it, server } = useRedis(test);
let prefixes = 0;
const stores: RedisSessionStore[] = [];
const closing: Array<() => Promise<void>> = [];

type Item = { ReturnCode: string; ResponseContent: { Id?: string; code?: string } };
type Answer = { error?: { code: string } };

const byCookie = {
  authenticate: ({ headers }: { headers: Readonly<Record<string, string | string[] | undefined>> }) => {
    const cookie = headers.cookie;
    if (typeof cookie !== 'string') throw new RestBatchError('UNAUTHORIZED', 'log in first');
    return { id: cookie.replace(/^user=/, '') };
  },
};
const ECHO = (text: string) => ({ requests: [{ method: 'POST', url: '/Tools/echo', body: { text } }] });
const WAIT = { requests: [{ method: 'GET', url: '/Tools/wait' }] };

function app(): string {
  return `r${++prefixes}:`;
}

function nodeStore(prefix: string, maxSessions?: number): RedisSessionStore {
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix, ...(maxSessions === undefined ? {} : { maxSessions }) });
  stores.push(store);
  return store;
}

/** One node of an app over HTTP: an engine on its own Redis connection, served by node:http. */
async function exagoNode(prefix: string, options: Partial<EngineOptions> = {}, maxSessions?: number) {
  const http = await serveOverHttp(exagoEngine({}, { store: nodeStore(prefix, maxSessions), ...options }).engine);
  closing.push(http.close);
  return http;
}

async function featuresNode(prefix: string, options: Partial<EngineOptions> = {}) {
  const store = nodeStore(prefix);
  const http = await serveOverHttp(featuresEngine({ store, ...options }).engine);
  closing.push(http.close);
  return { ...http, store };
}

async function countKeys(pattern: string): Promise<number> {
  const raw = new Redis(server().url);
  try {
    return (await raw.keys(pattern)).length;
  } finally {
    raw.disconnect();
  }
}

async function open(send: (path: string, body?: unknown, options?: SendOptions) => Promise<HttpAnswer>, options: SendOptions = {}) {
  const res = await send('/rest/batch', [{ Url: 'Sessions', Method: 'POST' }], options);
  const item = (res.body as Item[])[0]!;
  assert.is(item.ReturnCode, '201', JSON.stringify(res.body));
  return item.ResponseContent.Id as string;
}

test.after.each(async () => {
  await Promise.all(closing.splice(0).map((close) => close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

it('a caller at its session quota loses its least-recently-used session, on every node', async () => {
  const prefix = app();
  const a = await exagoNode(prefix, { limits: { maxSessionsPerCaller: 3 } });
  const b = await exagoNode(prefix, { limits: { maxSessionsPerCaller: 3 } });
  const [s1, s2, s3] = [await open(a.send), await open(b.send), await open(a.send)];
  assert.is((await b.send(`/rest/Roles?sid=${s1}`)).status, 200);
  const s4 = await open(b.send);
  assert.is((await a.send(`/rest/Roles?sid=${s2}`)).status, 401);
  for (const sid of [s1, s3, s4]) assert.is((await a.send(`/rest/Roles?sid=${sid}`)).status, 200, sid);
  assert.is(await countKeys(`${prefix}{*}:data`), 3);
});

it('one caller never locks another out of the global cap; many callers still meet 503 SESSION_LIMIT', async () => {
  const prefix = app();
  const a = await exagoNode(prefix, byCookie, 6);
  for (let i = 0; i < 20; i++) await open(a.send, { headers: { cookie: 'user=alice' } });
  // Alice's quota is one below the global cap, whatever maxSessionsPerCaller says.
  assert.is(await countKeys(`${prefix}{*}:data`), 5);
  await open(a.send, { headers: { cookie: 'user=bob' } });
  const refused = await a.send('/rest/batch', [{ Url: 'Sessions', Method: 'POST' }], { headers: { cookie: 'user=carol' } });
  assert.is((refused.body as Item[])[0]!.ResponseContent.code, 'SESSION_LIMIT');
});

it('two callers (cookies) with the same Idempotency-Key and body get their own answers across nodes', async () => {
  const prefix = app();
  const a = await exagoNode(prefix, byCookie);
  const b = await exagoNode(prefix, byCookie);
  const headers = (user: string) => ({ cookie: `user=${user}`, 'idempotency-key': 'same' });
  const alice = await a.send('/rest/batch', SEED_BATCH, { headers: headers('alice') });
  const bob = await b.send('/rest/batch', SEED_BATCH, { headers: headers('bob') });
  assert.is(bob.headers['idempotent-replayed'], undefined);
  const sid = (res: HttpAnswer) => (res.body as Item[])[0]!.ResponseContent.Id;
  assert.is.not(sid(bob), sid(alice));
  const again = await b.send('/rest/batch', SEED_BATCH, { headers: headers('alice') });
  assert.is(again.headers['idempotent-replayed'], 'true');
  assert.is(sid(again), sid(alice));
});

it('record budgets hold on Redis: per caller the oldest goes, past the total 503 RECORD_LIMIT, a large answer is not stored', async () => {
  const prefix = app();
  const limits = { maxIdempotencyRecordsPerCaller: 2, maxIdempotencyRecords: 3, maxIdempotencyRecordBytes: 1024 };
  const a = await featuresNode(prefix, { ...byCookie, limits });
  const send = (user: string, key: string, text = key) =>
    a.send('/api/batch', ECHO(text), { headers: { cookie: `user=${user}`, 'idempotency-key': key } });
  for (const key of ['k1', 'k2', 'k3']) await send('alice', key);
  assert.is((await send('alice', 'k3')).headers['idempotent-replayed'], 'true');
  assert.is((await send('alice', 'k1')).headers['idempotent-replayed'], undefined);
  await send('bob', 'b1');
  const refused = await send('carol', 'c1');
  assert.is(refused.status, 503);
  assert.is((refused.body as Answer).error!.code, 'RECORD_LIMIT');
  // Alice at her quota makes room by dropping her oldest, so the total allows her marker.
  const big = await send('alice', 'big', 'x'.repeat(2000));
  assert.is(big.status, 200);
  assert.is(big.headers['idempotency-status'], 'not-stored');
  const retry = await send('alice', 'big', 'x'.repeat(2000));
  assert.is(retry.status, 422);
  assert.is((retry.body as Answer).error!.code, 'IDEMPOTENCY_NOT_STORED');
});

it('expired records stop counting on Redis: the total budget frees up, and their bookkeeping goes with them', async () => {
  const prefix = app();
  const a = await featuresNode(prefix, { idempotency: { ttlMs: 300 }, limits: { maxIdempotencyRecords: 2 } });
  const send = (key: string) => a.send('/api/batch', ECHO(key), { headers: { 'idempotency-key': key } });
  await send('a');
  await send('b');
  assert.is((await send('c')).status, 503);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.is((await send('c')).status, 200);
  // a and b are gone from the counts: only c's record and bookkeeping are left.
  assert.is(await countKeys(`${prefix}rec:{idempotency}:[0-9a-f]*`), 1);
  const raw = new Redis(server().url);
  try {
    assert.is(await raw.zcard(`${prefix}rec:{idempotency}:#expiry`), 1);
    assert.is(await raw.hlen(`${prefix}rec:{idempotency}:#meta`), 2);
  } finally {
    raw.disconnect();
  }
});

it("a long batch outliving its marker lifetime blocks duplicates on another node; a dead node's marker expires soon", async () => {
  const prefix = app();
  // Renewed every third of its lifetime (500 ms): a loaded CI machine may hold a timer back a few
  // hundred milliseconds, which must not let the marker lapse while node a is alive.
  const options = { idempotency: { runningTtlMs: 1500 } };
  const a = await featuresNode(prefix, options);
  const b = await featuresNode(prefix, options);
  const headers = { 'idempotency-key': 'long' };
  const controller = new AbortController();
  const first = a.send('/api/batch', WAIT, { headers, signal: controller.signal }).catch((error: unknown) => error);
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Longer than the marker's lifetime: only its renewals keep it.
    for (let i = 0; i < 4; i++) {
      const duplicate = await b.send('/api/batch', WAIT, { headers, signal: AbortSignal.timeout(3000) });
      assert.is(duplicate.status, 409);
      // The marker's remaining lifetime in whole seconds, rounded up: at most 2 of its 1.5 s.
      assert.ok(['1', '2'].includes(duplicate.headers['retry-after'] as string), `retry-after ${duplicate.headers['retry-after']}`);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    // Node a loses Redis mid-batch (as if it died): its marker is no longer renewed.
    await a.store.close();
    const closedAt = Date.now();
    let status = 409;
    while (status === 409) {
      assert.ok(Date.now() - closedAt < 5000, 'the dead marker expires soon after its lifetime');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A retry let in runs the waiting handler, which holds it until this client gives up (status 0).
      const res = await b.send('/api/batch', WAIT, { headers, signal: AbortSignal.timeout(300) }).catch(() => undefined);
      status = res === undefined ? 0 : res.status;
    }
    assert.is(status, 0);
  } finally {
    controller.abort();
    await first;
  }
});

test.run();
