import { createHash } from 'node:crypto';
import { isRestBatchError } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { storeCases } from './support/redis-store-cases.js';
import { onEvalsha } from './support/on-evalsha.js';

const test = suite('redis session store');
const { it, server, closing } = useRedis(test);
const TTL = 60_000;
let prefixes = 0;

/** A store on the suite's Redis with its own key prefix, so tests never see each other's keys; closed after the test. */
function store(prefix = `t${++prefixes}:`, extra: { maxSessions?: number; maxSessionBytes?: number } = {}): RedisSessionStore {
  const made = new RedisSessionStore({ url: server().url, keyPrefix: prefix, ...extra });
  closing(() => made.close());
  return made;
}

/** A store under `prefix` on a client of its own (whose commands a test watches), both closed after the test. */
function ownClientStore(prefix: string): { client: Redis; s: RedisSessionStore } {
  const client = new Redis(server().url);
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: prefix });
  closing(() => s.close());
  return { client, s };
}

/** The sorted set of `owner`'s sessions in a store under `prefix`. */
function ownerKeyOf(prefix: string, owner: string): string {
  return `${prefix}owner:{${createHash('sha256').update(owner).digest('hex')}}`;
}

async function withRaw<T>(fn: (raw: Redis) => Promise<T>): Promise<T> {
  const raw = new Redis(server().url);
  try {
    return await fn(raw);
  } finally {
    raw.disconnect();
  }
}

storeCases({
  it,
  store,
  keys: (pattern) => withRaw((raw) => raw.keys(pattern)),
  pttls: (pattern) => withRaw(async (raw) => Promise.all((await raw.keys(pattern)).map((k) => raw.pttl(k)))),
});

it('a destroy whose owner-set update is lost is finished later, the id taken out of its owner set too (it counted against the quota)', async () => {
  const client = new Redis(server().url);
  const s = new RedisSessionStore({ client, keyPrefix: 'lostzrem:' });
  closing(async () => {
    await s.close();
    client.disconnect();
  });
  const id = await s.create({}, { ttlMs: TTL, owner: 'alice', maxPerOwner: 10 });
  const ownerKey = ownerKeyOf('lostzrem:', 'alice');
  assert.ok((await client.zscore(ownerKey, id)) !== null);
  // The connection goes once the owner set was updated (by the DESTROY script itself on one Redis,
  // by a ZREM after it on a Cluster), before the reply arrives.
  let lost = false;
  const losing = (call: (...args: unknown[]) => Promise<unknown>) => {
    return async (...args: unknown[]) => {
      const reply = await call(...args);
      if (lost || !args.includes(ownerKey)) return reply;
      lost = true;
      throw new Error('Connection is closed.');
    };
  };
  for (const name of ['zrem', 'evalsha', 'eval'] as const) {
    (client as unknown as Record<string, unknown>)[name] = losing((client[name] as (...args: unknown[]) => Promise<unknown>).bind(client));
  }
  try {
    await s.destroy(id);
    assert.unreachable('the destroy reported success');
  } catch (error) {
    assert.ok(isRestBatchError(error));
    assert.is(error.code, 'STORE_UNAVAILABLE');
    assert.equal(error.details, { queued: true });
  }
  await s.compensated();
  assert.is(await client.zscore(ownerKey, id), null);
  assert.is(await s.load(id, TTL), undefined);
});

it("on one Redis a session with an owner is created and counted by one script, and the owner's session past its quota destroyed", async () => {
  const { client, s } = ownClientStore('owned:');
  let scripts = 0;
  onEvalsha(client, () => scripts++);
  const first = await s.create({}, { ttlMs: TTL, owner: 'carol', maxPerOwner: 1 });
  assert.is(scripts, 1);
  const second = await s.create({}, { ttlMs: TTL, owner: 'carol', maxPerOwner: 1 });
  const ownerKey = ownerKeyOf('owned:', 'carol');
  assert.equal(await client.zrange(ownerKey, 0, -1), [second]);
  assert.is(await s.load(first, TTL), undefined);
  assert.equal(await s.load(second, TTL), {});
});

it("a load by the store that made or loaded the session moves it in its owner's order in the same script", async () => {
  const { client, s } = ownClientStore('touch:');
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL, owner: 'dave', maxPerOwner: 10 });
  const ownerKey = ownerKeyOf('touch:', 'dave');
  const created = Number(await client.zscore(ownerKey, id));
  let scripts = 0;
  onEvalsha(client, () => scripts++);
  assert.equal(await s.load(id, 2 * TTL), { Page: 'Home' });
  assert.is(scripts, 1);
  assert.ok(Number(await client.zscore(ownerKey, id)) >= created + TTL);
});

it('a store that made or loaded a session knows its owner when it destroys it (no read first); another store reads it, and both take the id out of the owner set', async () => {
  const { client, s } = ownClientStore('knownowner:');
  const other = store('knownowner:');
  let reads = 0;
  const hget = client.hget.bind(client);
  client.hget = ((...args: Parameters<typeof hget>) => {
    reads++;
    return hget(...args);
  }) as typeof client.hget;
  const ownerKey = ownerKeyOf('knownowner:', 'alice');
  const made = await s.create({}, { ttlMs: TTL, owner: 'alice', maxPerOwner: 10 });
  assert.ok(await s.destroy(made));
  const loaded = await other.create({}, { ttlMs: TTL, owner: 'alice', maxPerOwner: 10 });
  await s.load(loaded, TTL);
  assert.ok(await s.destroy(loaded));
  assert.is(reads, 0);
  // A session this store never saw: its owner is read before the DESTROY.
  const unseen = await other.create({}, { ttlMs: TTL, owner: 'alice', maxPerOwner: 10 });
  assert.ok(await s.destroy(unseen));
  assert.is(reads, 1);
  assert.is(await client.zcard(ownerKey), 0);
});

it('while Redis is down every operation fails with STORE_UNAVAILABLE (503), and the same store serves again once it is back', async () => {
  const s = store('down:');
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  await server().stop();
  try {
    const failures = await Promise.allSettled([
      s.create({}, { ttlMs: TTL }),
      s.load(id, TTL),
      s.save(id, {}),
      s.set(id, 'roles', 'MyRole', { Id: 'MyRole' }),
      s.get(id, 'roles', 'MyRole'),
      s.list(id, 'roles'),
      s.delete(id, 'roles', 'MyRole'),
      s.destroy(id),
    ]);
    for (const failure of failures) {
      assert.is(failure.status, 'rejected');
      const reason = (failure as PromiseRejectedResult).reason;
      assert.ok(isRestBatchError(reason));
      assert.is(reason.code, 'STORE_UNAVAILABLE');
      assert.is(reason.status, 503);
    }
  } finally {
    await server().start();
  }
  // The client reconnects on its own (at most a second apart); no new store is made.
  let again: string | undefined;
  for (let attempt = 0; attempt < 50 && again === undefined; attempt++) {
    again = await s.create({ Page: 'Back' }, { ttlMs: TTL }).catch(() => undefined);
    if (again === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(again !== undefined, 'the store did not recover');
  assert.equal(await s.load(again, TTL), { Page: 'Back' });
});

it("at maxmemory (noeviction) a caller's sessions are still read and deleted: their last-use update is skipped, and onError told once", async () => {
  const reports: Error[] = [];
  const s = new RedisSessionStore({ url: server().url, keyPrefix: 'oom:', onError: (error) => reports.push(error), maxSessions: 100 });
  closing(() => s.close());
  const { call } = exagoEngine({}, { store: s });
  const made = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (made.body as Array<{ ResponseContent: { Id: string } }>)[0]!.ResponseContent.Id;
  const owned = await s.create({ Page: 'Home' }, { ttlMs: TTL, owner: 'caller-a', maxPerOwner: 10 });
  await withRaw(async (raw) => {
    // Below what Redis uses already: every command that may take memory (ZADD, HSET) is refused.
    const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
    await raw.config('SET', 'maxmemory-policy', 'noeviction');
    await raw.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    try {
      for (let i = 0; i < 3; i++) {
        const roles = await call({ url: `/rest/Roles?sid=${sid}`, method: 'GET' });
        assert.is(roles.status, 200, JSON.stringify(roles.body));
        assert.equal(await s.load(owned, TTL), { Page: 'Home' });
      }
      // Writes that take memory are refused (503: not applied), as before.
      const added = await call({ url: `/rest/Parameters?sid=${sid}`, body: { Id: 'New', DataType: 'String', Value: 'v' } });
      assert.is(added.status, 503, JSON.stringify(added.body));
      assert.is(reports.length, 1, reports.map((r) => r.message).join('\n'));
      assert.match(reports[0]!.message, 'OOM');
      // Deleting a session frees memory: DELETE Sessions/{sid} loads the session first.
      const deleted = await call({ url: `/rest/Sessions/${sid}?sid=${sid}`, method: 'DELETE' });
      assert.is(deleted.status, 204, JSON.stringify(deleted.body));
      assert.is(await s.destroy(owned), true);
    } finally {
      await raw.config('SET', 'maxmemory', '0');
    }
    assert.equal(await raw.keys(`oom:{${sid}}*`), []);
    assert.equal(await raw.keys(`oom:{${owned}}*`), []);
  });
});

it('at maxmemory a session this store made for a caller is read in one script (LOAD_OWNED) all the same, its last use moved with it', async () => {
  const reports: Error[] = [];
  const s = new RedisSessionStore({ url: server().url, keyPrefix: 'oom-owned:', onError: (error) => reports.push(error) });
  closing(() => s.close());
  const owned = await s.create({ Page: 'Home' }, { ttlMs: TTL, owner: 'caller-b', maxPerOwner: 10 });
  await withRaw(async (raw) => {
    const [set] = await raw.keys('oom-owned:owner:*');
    const before = Number(await raw.zscore(set!, owned));
    const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
    await raw.config('SET', 'maxmemory-policy', 'noeviction');
    await raw.config('SET', 'maxmemory', String(Math.floor(used / 2)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < 3; i++) assert.equal(await s.load(owned, TTL), { Page: 'Home' });
      // Redis lets a script that has written (the load's PEXPIREs) go on at maxmemory, so the
      // owner's update in the same script lands; were it refused, it would be reported as OWNER_TOUCH's.
      assert.ok(Number(await raw.zscore(set!, owned)) > before, 'the last use did not move');
      assert.equal(reports, []);
      assert.is(await s.destroy(owned), true);
    } finally {
      await raw.config('SET', 'maxmemory', '0');
    }
    assert.equal(await raw.keys('oom-owned:*'), []);
  });
});

test.run();
