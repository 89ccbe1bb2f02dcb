import 'reflect-metadata';
import type { EngineOptions } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { batch, featuresEngine, newSession } from './support/features-engine.js';
import { useRedis } from './support/redis-server.js';
import { until } from './support/until.js';

const test = suite('idempotent retries across nodes on the redis session store');
const { it, server, closing } = useRedis(test);
const CREATE = { requests: [{ method: 'POST', url: '/Notes', body: { id: 'a' } }] };
const WAIT = { requests: [{ method: 'GET', url: '/Tools/wait' }] };
let prefixes = 0;

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> };

/** A fresh key prefix: one app whose nodes share it. */
function app(): string {
  return `i${++prefixes}:`;
}

/** One node of the app: its own Redis connection on the shared prefix, closed after the test. */
function nodeStore(prefix: string): RedisSessionStore {
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix });
  closing(() => store.close());
  return store;
}

function exagoNode(prefix: string) {
  return exagoEngine({}, { store: nodeStore(prefix) });
}

function featuresNode(prefix: string, options: Partial<EngineOptions> = {}) {
  return featuresEngine({ store: nodeStore(prefix), ...options });
}

async function keys(pattern: string): Promise<string[]> {
  const raw = new Redis(server().url);
  try {
    return (await raw.keys(pattern)).sort();
  } finally {
    raw.disconnect();
  }
}

async function pttl(key: string): Promise<number> {
  const raw = new Redis(server().url);
  try {
    return await raw.pttl(key);
  } finally {
    raw.disconnect();
  }
}

it('a batch retried on node B gets the answer node A stored, marked as a replay, and runs nothing again', async () => {
  const prefix = app();
  const a = exagoNode(prefix);
  const b = exagoNode(prefix);
  const headers = { 'Idempotency-Key': 'seed-1', authorization: 'Bearer alice' };
  const first = await a.call({ url: '/rest/batch', body: SEED_BATCH, headers });
  assert.equal(
    (first.body as Item[]).map((i) => i.ReturnCode),
    ['201', '204', '201'],
  );
  assert.is(first.headers['idempotent-replayed'], undefined);
  assert.is((await keys(`${prefix}{*}:data`)).length, 1);
  const retry = await b.call({ url: '/rest/batch', body: SEED_BATCH, headers });
  assert.is(retry.status, first.status);
  assert.equal(retry.body, first.body);
  assert.is(retry.headers['idempotent-replayed'], 'true');
  assert.is(retry.headers['restbatch-summary'], first.headers['restbatch-summary']);
  // Still the one session node A made: node B created none.
  assert.is((await keys(`${prefix}{*}:data`)).length, 1);
});

it('the same key with a different body on node B gets 422 IDEMPOTENCY_MISMATCH and runs nothing', async () => {
  const prefix = app();
  const a = featuresNode(prefix);
  const b = featuresNode(prefix);
  const sid = await newSession(a.engine);
  await batch(a.call, CREATE, { sid, headers: { 'Idempotency-Key': 'k-2' } });
  const other = await batch(
    b.call,
    { requests: [{ method: 'POST', url: '/Notes', body: { id: 'b' } }] },
    { sid, headers: { 'Idempotency-Key': 'k-2' } },
  );
  assert.is(other.status, 422);
  assert.is(other.body.error!.code, 'IDEMPOTENCY_MISMATCH');
  assert.equal(
    (await b.engine.store.list(sid, 'notes')).map(([k]) => k),
    ['a'],
  );
});

it('of duplicates in flight on both nodes at once exactly one runs; every other gets 409 CONFLICT', async () => {
  const prefix = app();
  const nodes = [featuresNode(prefix), featuresNode(prefix)];
  const controller = new AbortController();
  const settled: Array<Awaited<ReturnType<typeof batch>>> = [];
  const sent = Array.from({ length: 10 }, (_, i) =>
    batch(nodes[i % 2]!.call, WAIT, { headers: { 'Idempotency-Key': 'busy' }, signal: controller.signal }).then((r) => {
      settled.push(r);
      return r;
    }),
  );
  // The one that runs waits for its signal; were two running, nine would never settle.
  await until(() => settled.length === 9, 'nine duplicates are answered');
  for (const r of settled) {
    assert.is(r.status, 409);
    assert.is(r.body.error!.code, 'CONFLICT');
    // The seconds the running marker has left (30 s, renewed while the batch runs), not a blind 1.
    const seconds = Number(r.headers['retry-after']);
    assert.ok(seconds >= 29 && seconds <= 30, `retry-after ${r.headers['retry-after']}`);
  }
  controller.abort();
  const all = await Promise.all(sent);
  assert.is(all.filter((r) => r.status === 200 && r.body.results[0]!.status === 499).length, 1);
});

it('a key expires after the configured ttl on every node, then the batch runs as new', async () => {
  const prefix = app();
  const a = featuresNode(prefix, { idempotency: { ttlMs: 1000 } });
  const b = featuresNode(prefix, { idempotency: { ttlMs: 1000 } });
  const sid = await newSession(a.engine);
  const headers = { 'Idempotency-Key': 'short' };
  await batch(a.call, CREATE, { sid, headers });
  const [record] = await keys(`${prefix}rec:{idempotency}:[0-9a-f]*`);
  const left = await pttl(record!);
  assert.ok(left > 0 && left <= 1000, `PTTL ${left}`);
  assert.is((await batch(b.call, CREATE, { sid, headers })).headers['idempotent-replayed'], 'true');
  let gone = false;
  const watch = setInterval(() => void keys(`${prefix}rec:{idempotency}:[0-9a-f]*`).then((k) => (gone = k.length === 0)), 50);
  try {
    await until(() => gone, 'Redis expires the key', 5000);
  } finally {
    clearInterval(watch);
  }
  const fresh = await batch(b.call, CREATE, { sid, headers });
  assert.is(fresh.headers['idempotent-replayed'], undefined);
  // It really ran again: it met the note the first run made.
  assert.is(fresh.body.results[0]!.error!.code, 'CONFLICT');
});

it('a batch rejected before it ran releases its key for a corrected retry on the other node', async () => {
  const prefix = app();
  const a = featuresNode(prefix);
  const b = featuresNode(prefix);
  const headers = { 'Idempotency-Key': 'retry-me' };
  const rejected = await batch(a.call, { requests: [] }, { headers });
  assert.is(rejected.status, 400);
  assert.equal(await keys(`${prefix}rec:*`), []);
  const accepted = await batch(b.call, { requests: [{ method: 'GET', url: '/Tools/ok' }] }, { headers });
  assert.is(accepted.status, 200);
  assert.is(accepted.headers['idempotent-replayed'], undefined);
});

it('a client-chosen key never shapes a Redis key: it is stored under its SHA-256', async () => {
  const prefix = app();
  const a = featuresNode(prefix);
  for (const key of ['{slot}*?[x]', 'a:b:c', '../..']) {
    const res = await batch(a.call, { requests: [{ method: 'GET', url: '/Tools/ok' }] }, { headers: { 'Idempotency-Key': key } });
    assert.is(res.status, 200, key);
  }
  const stored = await keys(`${prefix}*`);
  const records = stored.filter((key) => !key.includes('#'));
  assert.is(records.length, 3);
  for (const key of records) assert.match(key, new RegExp(`^${prefix}rec:\\{idempotency\\}:[0-9a-f]{64}$`));
  // Beside them only the namespace's bookkeeping, in the same slot: expiry order, sizes, the caller's records.
  assert.equal(
    stored.filter((key) => key.includes('#')).map((key) => key.replace(/#owner:.*/, '#owner:*')),
    [`${prefix}rec:{idempotency}:#expiry`, `${prefix}rec:{idempotency}:#meta`, `${prefix}rec:{idempotency}:#owner:*`],
  );
});

it('the record methods follow the SessionStore contract', async () => {
  const store = nodeStore(app());
  assert.is(await store.putRecordIfAbsent('ns', 'k', { n: 1 }, 60_000), true);
  assert.is(await store.putRecordIfAbsent('ns', 'k', { n: 2 }, 60_000), false);
  assert.equal(await store.getRecord('ns', 'k'), { n: 1 });
  assert.is(await store.getRecord('other', 'k'), undefined);
  await store.setRecord('ns', 'k', { n: 3 }, 60_000);
  assert.equal(await store.getRecord('ns', 'k'), { n: 3 });
  assert.is(await store.deleteRecord('ns', 'k'), true);
  assert.is(await store.deleteRecord('ns', 'k'), false);
  assert.is(await store.getRecord('ns', 'k'), undefined);
  await store.setRecord('ns', 'k', 'x', 60_000);
  assert.is(await store.putRecordIfAbsent('ns', 'k', 'y', 60_000), false);
  const wins = await Promise.all(
    Array.from({ length: 20 }, (_, i) => nodeStore(`i${prefixes}:`).putRecordIfAbsent('ns', 'race', i, 60_000)),
  );
  assert.is(wins.filter(Boolean).length, 1);
  try {
    await store.getRecord('bad namespace', 'k');
    assert.unreachable('a malformed namespace must throw');
  } catch (error) {
    assert.match(String(error), /invalid record namespace/);
  }
});

it('while Redis is down an idempotent batch gets 503 STORE_UNAVAILABLE and does not run; it runs once Redis is back', async () => {
  const prefix = app();
  const a = featuresNode(prefix);
  const b = featuresNode(prefix);
  const ok = { requests: [{ method: 'GET', url: '/Tools/ok' }] };
  const headers = { 'Idempotency-Key': 'outage' };
  assert.is((await batch(a.call, ok)).status, 200);
  await server().stop();
  try {
    // Without a key the same batch runs (it needs no store); with one it must not run unprotected.
    const plain = await batch(a.call, ok);
    assert.is(plain.body.results[0]!.status, 200);
    const guarded = await batch(a.call, ok, { headers });
    assert.is(guarded.status, 503);
    assert.is(guarded.body.error!.code, 'STORE_UNAVAILABLE');
    assert.is(guarded.headers['retry-after'], '1');
    assert.is(guarded.body.results, undefined);
  } finally {
    await server().start();
  }
  let again = await batch(a.call, ok, { headers });
  for (let attempt = 0; attempt < 50 && again.status === 503; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    again = await batch(a.call, ok, { headers });
  }
  assert.is(again.status, 200);
  assert.is(again.headers['idempotent-replayed'], undefined);
  assert.equal(again.body.results[0]!.body, { ok: true });
  let replay = await batch(b.call, ok, { headers });
  for (let attempt = 0; attempt < 50 && replay.status === 503; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    replay = await batch(b.call, ok, { headers });
  }
  assert.is(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.body, again.body);
  assert.is(a.engine.running + b.engine.running, 0);
});

test.run();
