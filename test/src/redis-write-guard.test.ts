import { createHash } from 'node:crypto';
import { isRestBatchError } from '@restbatch/core';
import { failFastOptions, RedisRateLimiter, RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';

const test = suite('redis write guard: late writes never land');
const { it, server, closing } = useRedis(test);
const TTL = 60_000;

function store(prefix: string, extra: Partial<ConstructorParameters<typeof RedisSessionStore>[0]> = {}): RedisSessionStore {
  const made = new RedisSessionStore({ url: server().url, keyPrefix: prefix, onError: () => undefined, ...extra });
  closing(() => made.close());
  return made;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isRestBatchError(error), `expected a RestBatchError, got ${String(error)}`);
    assert.is(error.code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

/** Keeps the Redis server busy for `ms` (a script spinning on TIME), from another connection. */
function busy(ms: number): Promise<unknown> {
  const raw = new Redis(server().url);
  const script = `local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + ${ms * 1000}
while true do t = redis.call('TIME'); if t[1] * 1000000 + t[2] > stop then return 1 end end`;
  return raw.eval(script, 0).finally(() => raw.disconnect());
}

it('a write that reaches Redis after its deadline refuses to apply and answers STORE_UNAVAILABLE', async () => {
  // Only the write under test has the short deadline: on a loaded machine 20 ms can pass before
  // an ordinary write reaches Redis, so the session is made and checked through a default store.
  const s = store('late:');
  const late = store('late:', { writeDeadlineMs: 20 });
  const id = await s.create({}, { ttlMs: TTL });
  const blocked = busy(150);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await rejectsWith(late.set(id, 'roles', 'Late', { Id: 'Late' }), 'STORE_UNAVAILABLE');
  await blocked;
  assert.is(await s.get(id, 'roles', 'Late'), undefined);
  // The same write on time lands.
  await s.set(id, 'roles', 'OnTime', { Id: 'OnTime' });
  assert.equal(await s.get(id, 'roles', 'OnTime'), { Id: 'OnTime' });
});

it('a write that ran but whose reply was lost is undone once Redis answers, so its 503 is true', async () => {
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: 'undo:' });
  closing(() => s.close());
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  await s.set(id, 'parameters', 'Kept', 'before');
  await s.set(id, 'parameters', 'Gone', 'before');
  // From here every script runs on the server, but its reply is lost on the way back, as when the
  // connection drops or the client times out just after Redis ran it.
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const reply = await original(...args);
      const key = String(args[2]);
      if (key.startsWith('undo:{') && !key.includes(':op:')) {
        throw new Error('Command timed out');
      }
      return reply;
    };
  }
  const writes = await Promise.allSettled([
    s.set(id, 'parameters', 'Kept', 'after'),
    s.setIfAbsent(id, 'parameters', 'New', 'x'),
    s.delete(id, 'parameters', 'Gone'),
    s.save(id, { Page: 'Other' }),
  ]);
  for (const w of writes) {
    assert.is(w.status, 'rejected');
    assert.is(((w as PromiseRejectedResult).reason as { code: string }).code, 'STORE_UNAVAILABLE');
  }
  delete (client as unknown as Record<string, unknown>).evalsha;
  delete (client as unknown as Record<string, unknown>).eval;
  await s.compensated();
  assert.equal(await s.list(id, 'parameters'), [
    ['Kept', 'before'],
    ['Gone', 'before'],
  ]);
  assert.equal(await s.load(id, TTL), { Page: 'Home' });
});

it("a batch's script whose reply was lost is undone whole: entries written twice, added then deleted, added, deleted", async () => {
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: 'apply:' });
  closing(() => s.close());
  const id = await s.create({}, { ttlMs: TTL });
  await s.set(id, 'parameters', 'Kept', 'before');
  await s.set(id, 'parameters', 'Gone', 'before');
  const unit = s.unitOfWork(id, false);
  unit.index = 0;
  // Loaded before replies get lost: only the batch's write script runs without an answer.
  assert.is(await unit.get('parameters', 'Kept'), 'before');
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const reply = await original(...args);
      const key = String(args[2]);
      if (key.startsWith('apply:{') && !key.includes(':op:')) throw new Error('Command timed out');
      return reply;
    };
  }
  await unit.set('parameters', 'Kept', 'one');
  await unit.set('parameters', 'Kept', 'two');
  await unit.add('parameters', 'Temp', 'x');
  await unit.delete('parameters', 'Temp');
  await unit.add('parameters', 'New', 'y');
  await unit.delete('parameters', 'Gone');
  await unit.flush();
  const failure = unit.takeFailures()?.get(0) as { code?: string } | undefined;
  assert.is(failure?.code, 'STORE_UNAVAILABLE');
  delete (client as unknown as Record<string, unknown>).evalsha;
  delete (client as unknown as Record<string, unknown>).eval;
  await s.compensated();
  assert.equal(await s.list(id, 'parameters'), [
    ['Kept', 'before'],
    ['Gone', 'before'],
  ]);
});

it("a create with an owner whose reply was lost is undone whole: the session destroyed, its id out of the owner's set, the session its count took out put back", async () => {
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: 'ownedlost:' });
  closing(() => s.close());
  const kept = await s.create({ Page: 'Kept' }, { ttlMs: TTL, owner: 'bob', maxPerOwner: 1 });
  const ownerKey = `ownedlost:owner:{${createHash('sha256').update('bob').digest('hex')}}`;
  const score = await client.zscore(ownerKey, kept);
  // The script that counts the next session in bob's set runs on the server, but its reply is lost.
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const reply = await original(...args);
      if (!args.slice(2, 2 + Number(args[1])).includes(ownerKey)) return reply;
      delete (client as unknown as Record<string, unknown>).evalsha;
      delete (client as unknown as Record<string, unknown>).eval;
      throw new Error('Command timed out');
    };
  }
  await rejectsWith(s.create({ Page: 'Lost' }, { ttlMs: TTL, owner: 'bob', maxPerOwner: 1 }), 'STORE_UNAVAILABLE');
  await s.compensated();
  assert.equal(await client.zrange(ownerKey, 0, -1, 'WITHSCORES'), [kept, score as string]);
  assert.equal(await s.load(kept, TTL), { Page: 'Kept' });
  assert.equal(await client.keys('ownedlost:{*}:data'), [`ownedlost:{${kept}}:data`]);
});

it("an answered write's undo log is deleted by the next write script, not by a command of its own; none is left after destroy or close", async () => {
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: 'forget:' });
  closing(() => s.close());
  let unlinks = 0;
  const unlink = client.unlink.bind(client) as (...keys: string[]) => Promise<number>;
  (client as unknown as Record<string, unknown>).unlink = (...keys: string[]) => {
    unlinks++;
    return unlink(...keys);
  };
  const undoLogs = async () => (await client.keys('forget:*')).filter((key) => key.includes(':op:'));
  const id = await s.create({}, { ttlMs: TTL });
  const writes = 20;
  for (let k = 0; k < writes; k++) {
    await s.set(id, 'parameters', `P${k}`, k);
    // Each write deleted the undo logs answered before it: only its own can be left.
    assert.ok((await undoLogs()).length <= 1);
  }
  // Before, each answered write sent its own UNLINK.
  assert.ok(unlinks < writes, `${unlinks} UNLINK commands for ${writes} writes`);
  // A destroy takes the session's last undo log with it.
  const other = await s.create({}, { ttlMs: TTL });
  await s.set(other, 'roles', 'R', { Id: 'R' });
  assert.ok(await s.destroy(other));
  assert.equal((await client.keys(`forget:{${other}}*`)).sort(), []);
  // So does closing the store (the app's client stays open).
  await s.set(id, 'parameters', 'Last', 1);
  await s.close();
  assert.equal(await undoLogs(), []);
  assert.is(await client.hlen(`forget:{${id}}:c:parameters`), writes + 1);
});

it('with waitForReplicas and no replica, a write answers STORE_UNAVAILABLE and is undone', async () => {
  const s = store('wait:', { waitForReplicas: { replicas: 1, timeoutMs: 50 } });
  await rejectsWith(s.create({ Page: 'Home' }, { ttlMs: TTL }), 'STORE_UNAVAILABLE');
  await s.compensated();
  const raw = new Redis(server().url);
  try {
    // Only the fence stays (it refuses a late copy of the write), and it expires by itself.
    const keys = await raw.keys('wait:*');
    assert.equal(
      keys.filter((key) => !key.includes(':op:')),
      [],
    );
    for (const key of keys) assert.is(await raw.get(key), 'F');
  } finally {
    raw.disconnect();
  }
});

it("an undone delete of a collection's last entry puts the collection back with the session's TTL: it expires with its session", async () => {
  const s = store('undel:');
  const waiting = store('undel:', { waitForReplicas: { replicas: 1, timeoutMs: 50 } });
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  await s.set(id, 'parameters', 'Only', 'v');
  // No replica acknowledges it: the delete answers 503 and is undone. Redis had deleted the emptied hash.
  await rejectsWith(waiting.delete(id, 'parameters', 'Only'), 'STORE_UNAVAILABLE');
  await waiting.compensated();
  assert.is(await s.get(id, 'parameters', 'Only'), 'v');
  const raw = new Redis(server().url);
  try {
    const ttl = await raw.pttl(`undel:{${id}}:c:parameters`);
    assert.ok(ttl > 0 && ttl <= TTL, `the collection's PTTL is ${ttl}`);
  } finally {
    raw.disconnect();
  }
});

it('an unconfirmed delete undone after another node destroyed the session puts nothing back: no key outlives the session', async () => {
  const s = store('undestroyed:');
  const waiting = store('undestroyed:', { commandTimeoutMs: 3000, waitForReplicas: { replicas: 1, timeoutMs: 1000 } });
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  await s.set(id, 'parameters', 'Secret', 'v');
  const raw = new Redis(server().url);
  try {
    const deleting = waiting.delete(id, 'parameters', 'Secret');
    // The delete ran; its WAIT holds its answer while the session is destroyed elsewhere.
    while ((await raw.hexists(`undestroyed:{${id}}:c:parameters`, 'Secret')) === 1) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.is(await s.destroy(id), true);
    await rejectsWith(deleting, 'STORE_UNAVAILABLE');
    await waiting.compensated();
    const left = (await raw.keys(`undestroyed:{${id}}*`)).filter((key) => !key.includes(':op:'));
    assert.equal(left, []);
    assert.is(await s.load(id, TTL), undefined);
  } finally {
    raw.disconnect();
  }
});

it('a write deadline not below the command timeout is refused when the store is made', () => {
  assert.throws(() => new RedisSessionStore({ url: server().url, commandTimeoutMs: 500, writeDeadlineMs: 500 }), /writeDeadlineMs/);
  assert.throws(() => new RedisSessionStore({ url: server().url, cluster: { nodes: ['127.0.0.1:1'] } }), /exactly one/);
  return Promise.resolve();
});

it('the rate limiter connects from a URL itself and closes what it made', async () => {
  const limiter = new RedisRateLimiter({ url: server().url, limit: 2, windowMs: 60_000, keyPrefix: 'rl-url:' });
  try {
    assert.equal(
      [(await limiter.take('a', 1)).allowed, (await limiter.take('a', 1)).allowed, (await limiter.take('a', 1)).allowed],
      [true, true, false],
    );
  } finally {
    await limiter.close();
  }
  // Its own client is closed: the next take cannot reach Redis.
  await rejectsWith(limiter.take('a', 1), 'STORE_UNAVAILABLE');
});

test.run();
