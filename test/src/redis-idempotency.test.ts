import 'reflect-metadata';
import type { EngineOptions, ResourceHandler } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
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

/** What becomes of one script a store sends: passed as is, refused by Redis as late, or run with its reply lost. */
type Fate = 'pass' | 'late' | 'lost';

/**
 * Decides the fate of the next write scripts that name `key` (`fates`, in order; then 'pass'). A 'late'
 * one is sent with its deadline (its last argument, in Redis's clock) long past, so Redis itself
 * refuses it with LATE; a 'lost' one runs, then its reply is dropped as on a timeout. `answered`
 * resolves once the first of them got its reply.
 */
function sabotage(client: Redis, key: string, fates: Fate[]): { answered: Promise<void> } {
  let first: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (first = resolve));
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const keys = args.slice(2, 2 + Number(args[1])).map(String);
      // Write scripts only (their operation key comes last), not the batch's read of the collection.
      if (!keys.includes(key) || !keys[keys.length - 1]!.includes(':op:')) return original(...args);
      const fate = fates[0] ?? 'pass';
      if (fate === 'late') args[args.length - 1] = 1;
      let reply: unknown;
      try {
        reply = await original(...args);
      } catch (error) {
        // NOSCRIPT: the same script comes again as EVAL, with the same fate.
        if (!String(error).includes('NOSCRIPT')) fates.shift();
        throw error;
      }
      fates.shift();
      first();
      if (fate === 'lost') throw new Error('Command timed out');
      return reply;
    };
  }
  return { answered };
}

/**
 * `POST Pair` writes `a`, waits until `between` resolves, then writes `b` (into `things`); `runs`
 * counts its calls.
 */
function pairResource(between: () => Promise<void>, runs: { count: number }): ResourceHandler {
  return {
    name: 'Pair',
    session: 'required',
    routes: [
      {
        method: 'POST',
        path: '',
        handle: async (ctx) => {
          runs.count++;
          await ctx.session!.set('things', 'a', 1);
          await between();
          await ctx.session!.set('things', 'b', 2);
          return { ok: true };
        },
      },
    ],
  };
}

/** An Exago node whose store's scripts on the `things` of the session it opens meet `fates`; `between` runs in `POST Pair`. */
async function pairNode(fates: Fate[], between: (sabotaged: { answered: Promise<void> }) => Promise<void>) {
  const prefix = app();
  const store = nodeStore(prefix);
  const runs = { count: 0 };
  let sabotaged = { answered: Promise.resolve() };
  const { call } = exagoEngine({}, { store, apis: [exagoTestApi([pairResource(() => between(sabotaged), runs)], false)] });
  const made = (await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] })).body as Item[];
  const sid = made[0]!.ResponseContent.Id as string;
  sabotaged = sabotage(store.client as Redis, `${prefix}{${sid}}:c:things`, fates);
  const send = async () => {
    const res = await call({
      url: `/rest/batch?sid=${sid}`,
      body: [{ Url: 'Pair', Method: 'POST' }],
      headers: { 'Idempotency-Key': 'pair' },
    });
    const item = (res.body as Item[])[0]!;
    return {
      answer: `${item.ReturnCode} ${String(item.ResponseContent.code ?? '')}`.trim(),
      reason: String(item.ResponseContent.reason ?? ''),
      replayed: res.headers['idempotent-replayed'],
    };
  };
  return { store, sid, runs, send };
}

it('idempotency.md: a sub-request answered 503 after Redis applied one of its writes keeps its key: the retry replays the answer and does not run the handler again', async () => {
  for (const fate of ['late', 'lost'] as const) {
    // The first write's script lands; the second's is refused as late, or runs with its reply lost (then undone).
    const node = await pairNode(['pass', fate], (sabotaged) => sabotaged.answered);
    const first = await node.send();
    assert.is(first.answer, '503 STORE_UNAVAILABLE', fate);
    await node.store.compensated();
    assert.equal(await node.store.list(node.sid, 'things'), [['a', 1]], `${fate}: the first write stands, the second is not applied`);
    const retry = await node.send();
    assert.equal(retry, { ...first, replayed: 'true' }, fate);
    assert.is(node.runs.count, 1, `${fate}: the retry ran the handler again`);
    // The answer says what stands (docs/several-nodes.md, "What a 503 means").
    assert.match(first.reason, /Writes of this sub-request that Redis confirmed before the failure were applied and stand/);
  }
});

it('a sub-request whose every write was refused as late, or had its reply lost (undone), releases its key: the retry runs it', async () => {
  for (const fate of ['late', 'lost'] as const) {
    // Both writes travel in one script, which does not land.
    const node = await pairNode([fate], async () => undefined);
    const first = await node.send();
    assert.is(first.answer, '503 STORE_UNAVAILABLE', fate);
    assert.is(first.reason, 'The session store is unavailable; retry later');
    await node.store.compensated();
    assert.equal(await node.store.list(node.sid, 'things'), [], fate);
    const retry = await node.send();
    assert.equal(retry, { answer: '201', reason: '', replayed: undefined }, fate);
    assert.is(node.runs.count, 2, fate);
    assert.equal(await node.store.list(node.sid, 'things'), [
      ['a', 1],
      ['b', 2],
    ]);
  }
});

test.run();
