import { isRestBatchError, newSessionId } from '@restbatch/core';
import type { RedisSessionStore } from '@restbatch/redis';
import * as assert from 'uvu/assert';

/** Where the shared store cases run: a single Redis, a Cluster... */
export interface StoreCaseEnv {
  /** Registers a test (the harness's `it`). */
  it: (name: string, fn: () => Promise<void>) => void;
  /** A store with its own key prefix (default: a fresh one), closed after the test. */
  store: (prefix?: string, extra?: { maxSessions?: number; maxSessionBytes?: number }) => RedisSessionStore;
  /** Every key matching `pattern`, on every primary. */
  keys: (pattern: string) => Promise<string[]>;
  /** The PTTL of every key matching `pattern`, on every primary. */
  pttls: (pattern: string) => Promise<number[]>;
}

const TTL = 60_000;

/** The hash tag Redis Cluster hashes a key by: what is between the first `{` and the next `}`. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

/** An operation key (`<prefix>{sid}:op:<id>`): a write's undo log, or a compensation's fence. */
function isUndoLog(key: string): boolean {
  return key.includes(':op:');
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

/** The session store's behaviour, the same on every Redis topology; `store` gives a store on it. */
export function storeCases(env: StoreCaseEnv): void {
  const { it, store } = env;
  it('a session created through one store is loaded, with its data, through another store on the same Redis', async () => {
    const [a, b] = [store('two:'), store('two:')];
    const id = await a.create({ Page: 'Home', ShowTabs: true }, { ttlMs: TTL });
    await a.set(id, 'roles', 'MyRole', { Id: 'MyRole' });
    assert.equal(await b.load(id, TTL), { Page: 'Home', ShowTabs: true });
    assert.equal(await b.get(id, 'roles', 'MyRole'), { Id: 'MyRole' });
  });

  it("a session holds at most maxSessionBytes, through direct writes and a batch's buffered writes alike", async () => {
    const s = store(undefined, { maxSessionBytes: 5000 });
    const id = await s.create({}, { ttlMs: TTL });
    // Each entry counts its key, its JSON and 4: 2007 here; the empty data 2.
    await s.set(id, 'c', 'a', 'x'.repeat(2000));
    await rejectsWith(s.set(id, 'c', 'b', 'x'.repeat(3000)), 'SESSION_FULL');
    const unit = s.unitOfWork(id, false);
    unit.index = 0;
    await unit.add('c', 'b', 'x'.repeat(2000));
    unit.index = 1;
    await unit.add('c', 'd', 'x'.repeat(2000));
    await unit.flush();
    const failures = unit.takeFailures();
    assert.is(failures?.has(0), false);
    assert.is((failures?.get(1) as { code?: string } | undefined)?.code, 'SESSION_FULL');
    assert.equal(
      (await s.list(id, 'c')).map(([key]) => key),
      ['a', 'b'],
    );
    assert.ok(await s.delete(id, 'c', 'a'));
    await s.set(id, 'c', 'd', 'x'.repeat(2000));
  });

  it('every key of a session starts with the prefix and carries the session id as its Cluster hash tag', async () => {
    const s = store('slot:');
    const id = await s.create({}, { ttlMs: TTL });
    await s.set(id, 'roles', 'MyRole', { Id: 'MyRole' });
    await s.set(id, 'parameters', 'P', { Id: 'P' });
    const keys = await env.keys('slot:*');
    // Besides the session's own keys, the undo log of the last write may not be deleted yet (see write-guard.ts).
    assert.equal(keys.filter((key) => !isUndoLog(key)).sort(), [`slot:{${id}}:c:parameters`, `slot:{${id}}:c:roles`, `slot:{${id}}:data`]);
    for (const key of keys) assert.is(hashTag(key), id);
  });

  it('loading a session extends the life of its data and of all its collections', async () => {
    const s = store();
    const id = await s.create({}, { ttlMs: 5_000 });
    await s.set(id, 'roles', 'MyRole', { Id: 'MyRole' });
    await s.set(id, 'meta', 'activeRole', 'MyRole');
    await s.load(id, 600_000);
    const ttls = await env.pttls(`*{${id}}:[cd]*`);
    assert.is(ttls.length, 3);
    for (const ttl of ttls) assert.ok(ttl > 5_000, `pttl ${ttl} was not extended`);
  });

  it('a session left unused past its lifetime is gone, collections included', async () => {
    const s = store('expiry:');
    const id = await s.create({ Page: 'Home' }, { ttlMs: 100 });
    await s.set(id, 'roles', 'MyRole', { Id: 'MyRole' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.is(await s.load(id, TTL), undefined);
    await rejectsWith(s.get(id, 'roles', 'MyRole'), 'SESSION_NOT_FOUND');
    assert.equal(await env.keys('expiry:*'), []);
    await rejectsWith(s.set(id, 'roles', 'Other', { Id: 'Other' }), 'SESSION_NOT_FOUND');
  });

  it('forged, malformed and unknown ids load as absent; reads, writes and deletes of their entries fail with SESSION_NOT_FOUND (as on the memory store), and no key is made', async () => {
    const s = store('forged:');
    for (const id of ['../x', '*', `${newSessionId()}}:data`, 'ABCDEF0123456789ABCDEF0123456789', newSessionId()]) {
      assert.is(await s.load(id, TTL), undefined);
      assert.is(await s.save(id, { Page: 'x' }), false);
      assert.is(await s.destroy(id), false);
      await rejectsWith(s.get(id, 'roles', 'MyRole'), 'SESSION_NOT_FOUND');
      await rejectsWith(s.list(id, 'roles'), 'SESSION_NOT_FOUND');
      await rejectsWith(s.delete(id, 'roles', 'MyRole'), 'SESSION_NOT_FOUND');
      // A key no entry can have (a lone surrogate) is never sent, but the session is still checked.
      await rejectsWith(s.get(id, 'roles', '\ud800'), 'SESSION_NOT_FOUND');
      await rejectsWith(s.list(id, '\ud800'), 'SESSION_NOT_FOUND');
      await rejectsWith(s.delete(id, 'roles', '\ud800'), 'SESSION_NOT_FOUND');
      await rejectsWith(s.set(id, 'roles', 'MyRole', { Id: 'MyRole' }), 'SESSION_NOT_FOUND');
      await rejectsWith(s.setIfAbsent(id, 'roles', 'MyRole', { Id: 'MyRole' }), 'SESSION_NOT_FOUND');
    }
    assert.equal(await env.keys('forged:*'), []);
    // In a live session the same key finds nothing.
    const id = await s.create({}, { ttlMs: TTL });
    assert.is(await s.get(id, 'roles', '\ud800'), undefined);
    assert.equal(await s.list(id, '\ud800'), []);
    assert.is(await s.delete(id, 'roles', '\ud800'), false);
  });

  it('a collection lists in insertion order; an overwritten entry keeps its place and a re-added one goes last', async () => {
    const s = store();
    const id = await s.create({}, { ttlMs: TTL });
    for (const key of ['zeta', 'alpha', 'mid', '10', '9']) await s.set(id, 'parameters', key, key);
    await s.set(id, 'parameters', 'alpha', 'changed');
    assert.is(await s.delete(id, 'parameters', 'mid'), true);
    await s.set(id, 'parameters', 'mid', 'back');
    assert.equal(await s.list(id, 'parameters'), [
      ['zeta', 'zeta'],
      ['alpha', 'changed'],
      ['10', '10'],
      ['9', '9'],
      ['mid', 'back'],
    ]);
  });

  it('destroy removes the session and every collection, and a second destroy reports false', async () => {
    const s = store('destroy:');
    const id = await s.create({}, { ttlMs: TTL });
    await s.set(id, 'roles', 'MyRole', { Id: 'MyRole' });
    await s.set(id, 'parameters', 'P', { Id: 'P' });
    assert.is(await s.destroy(id), true);
    assert.is(await s.destroy(id), false);
    assert.is(await s.load(id, TTL), undefined);
    assert.equal(await env.keys('destroy:*'), []);
  });

  it('two stores writing the same session at once lose no update, and saving data does not clobber collection writes', async () => {
    const [a, b] = [store('race:'), store('race:')];
    const id = await a.create({ n: 0 }, { ttlMs: TTL });
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      writes.push((i % 2 === 0 ? a : b).set(id, 'roles', `R${i}`, { Id: `R${i}` }));
      writes.push((i % 2 === 0 ? b : a).save(id, { n: i }));
    }
    await Promise.all(writes);
    const roles = await a.list(id, 'roles');
    assert.is(roles.length, 100);
    assert.equal(new Set(roles.map(([key]) => key)).size, 100);
  });

  it('of many concurrent setIfAbsent calls on one key across two stores exactly one wins', async () => {
    const [a, b] = [store('nx:'), store('nx:')];
    const id = await a.create({}, { ttlMs: TTL });
    const wins = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).setIfAbsent(id, 'idempotency', 'key-1', i)));
    assert.is(wins.filter(Boolean).length, 1);
    assert.is(await a.get(id, 'idempotency', 'key-1'), wins.indexOf(true));
  });

  it('with maxSessions, one session more fails with SESSION_LIMIT (503) until one is destroyed', async () => {
    const s = store('limit:', { maxSessions: 2 });
    const first = await s.create({}, { ttlMs: TTL });
    await s.create({}, { ttlMs: TTL });
    try {
      await s.create({}, { ttlMs: TTL });
      assert.unreachable('a third session was created');
    } catch (error) {
      assert.ok(isRestBatchError(error));
      assert.is(error.code, 'SESSION_LIMIT');
      assert.is(error.status, 503);
    }
    assert.is(await s.destroy(first), true);
    assert.match(await s.create({}, { ttlMs: TTL }), /^[0-9a-f]{32}$/);
  });
}
