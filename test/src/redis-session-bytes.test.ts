import 'reflect-metadata';
import { dataSize, isRestBatchError, type JsonValue, Journal, memberSize, Session } from '@restbatch/core';
import { failFastOptions, RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import { items } from './support/exago-items.js';
import { serveOverHttp } from './support/records-http.js';
import { applyOps } from './support/redis-apply-ops.js';
import { onEvalsha } from './support/on-evalsha.js';
import { useRedis } from './support/redis-server.js';
import { growthBatch } from './support/session-growth.js';

const test = suite('redis store: the per-session byte cap');
const { it, server, closing } = useRedis(test);
const TTL = 60_000;
const MiB = 1024 * 1024;
let prefixes = 0;

type Item = { ReturnCode: string; ResponseContent: { Id?: string; code?: string; details?: { limit?: number } } };

function store(prefix: string, maxSessionBytes?: number): RedisSessionStore {
  const made = new RedisSessionStore({ url: server().url, keyPrefix: prefix, onError: () => undefined, maxSessionBytes });
  closing(() => made.close());
  return made;
}

function app(): string {
  return `b${++prefixes}:`;
}

/** A store under `prefix` on a client of its own (whose commands a test watches or breaks); both closed after the test. */
function ownClientStore(prefix: string, maxSessionBytes: number): { client: Redis; s: RedisSessionStore } {
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: prefix, maxSessionBytes });
  closing(() => s.close());
  return { client, s };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isRestBatchError(error), `expected a RestBatchError, got ${String(error)}`);
    assert.is(error.code, code, error.message);
    return error.details;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

/**
 * The session's size counter and the size of what it holds, measured from Redis's own keys as the
 * memory store measures a session (core's `dataSize` and `memberSize`).
 */
async function sizes(prefix: string, id: string): Promise<{ counter: number; contents: number }> {
  const raw = new Redis(server().url);
  try {
    const data = await raw.hgetall(`${prefix}{${id}}:data`);
    let contents = data.d === undefined ? 0 : dataSize(JSON.parse(data.d) as Record<string, JsonValue>);
    for (const field of Object.keys(data)) {
      if (!field.startsWith('c:')) continue;
      const entries = await raw.hgetall(`${prefix}{${id}}:c:${field.slice(2)}`);
      for (const [key, text] of Object.entries(entries)) {
        contents += memberSize(key, JSON.parse(text.slice(text.indexOf(':') + 1)) as JsonValue);
      }
    }
    return { counter: Number(data.b ?? 0), contents };
  } finally {
    raw.disconnect();
  }
}

async function assertCounted(prefix: string, id: string, limit: number): Promise<number> {
  const { counter, contents } = await sizes(prefix, id);
  assert.is(counter, contents, 'the counter matches what the session holds');
  assert.ok(contents <= limit, `${contents} bytes held, over ${limit}`);
  return contents;
}

it('every write path keeps to the cap: overwrite, delete, add, compare-and-set, save, patchData, create', async () => {
  const prefix = app();
  const s = store(prefix, 3000);
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  for (let i = 0; i < 50; i++) await s.set(id, 'c', 'k', `${i % 10}`.repeat(2000));
  const details = await rejectsWith(s.set(id, 'c', 'other', 'z'.repeat(2000)), 'SESSION_FULL');
  // {"Page":"Home"} counts 14 (its member), each entry its key's JSON, its value's and 2.
  assert.equal(details, { limit: 3000, size: 14 + (3 + 2 + 2002) + (7 + 2 + 2002) });
  assert.is(await s.get(id, 'c', 'other'), undefined);
  await rejectsWith(s.setIfAbsent(id, 'c', 'other', 'z'.repeat(2000)), 'SESSION_FULL');
  await rejectsWith(s.compareAndSet(id, 'c', 'k', '9'.repeat(2000), 'y'.repeat(3000)), 'SESSION_FULL');
  await rejectsWith(s.patchData(id, { Big: 'y'.repeat(1000) }), 'SESSION_FULL');
  await rejectsWith(s.save(id, { Big: 'y'.repeat(1000) }), 'SESSION_FULL');
  assert.equal(await s.load(id, TTL), { Page: 'Home' });
  assert.is(await s.get(id, 'c', 'k'), '9'.repeat(2000));
  await assertCounted(prefix, id, 3000);
  // Shrinking and growing back within the cap pass; a delete frees its room.
  assert.ok(await s.compareAndSet(id, 'c', 'k', '9'.repeat(2000), 'small'));
  await s.patchData(id, { Big: 'y'.repeat(1000) });
  assert.ok(await s.save(id, { Page: 'Home' }));
  assert.ok(await s.compareAndSet(id, 'c', 'k', 'small', 'y'.repeat(2000)));
  assert.ok(await s.delete(id, 'c', 'k'));
  assert.ok(await s.setIfAbsent(id, 'c', 'other', 'z'.repeat(2000)));
  await assertCounted(prefix, id, 3000);
  // A session created with data over the cap is refused before anything is written.
  assert.equal(await rejectsWith(s.create({ Big: 'x'.repeat(5000) }, { ttlMs: TTL }), 'SESSION_FULL'), { limit: 3000, size: 5009 });
});

it('two nodes writing one session at once never take it past the cap', async () => {
  const prefix = app();
  const [a, b] = [store(prefix, 20_000), store(prefix, 20_000)];
  const id = await a.create({}, { ttlMs: TTL });
  const writes = [];
  for (let i = 0; i < 40; i++) writes.push(a.set(id, 'c', `a${i}`, 'x'.repeat(900)), b.setIfAbsent(id, 'c', `b${i}`, 'x'.repeat(900)));
  const settled = await Promise.allSettled(writes);
  const refused = settled.filter((r) => r.status === 'rejected');
  for (const r of refused) assert.is((r.reason as { code?: string }).code, 'SESSION_FULL');
  // Each entry counts 908 or 909 (keys of 2 or 3 characters): any twenty-two fit in 20000, no twenty-three.
  assert.is(settled.length - refused.length, 22);
  const held = await assertCounted(prefix, id, 20_000);
  assert.ok(held > 20_000 - 909, `${held}`);
});

it('two nodes sending batches into one session at once never take it past the cap (the buffered writes)', async () => {
  const prefix = app();
  const api = exagoTestApi([], false);
  const a = exagoEngine({}, { store: store(prefix, 100_000), apis: [api] });
  const b = exagoEngine({}, { store: store(prefix, 100_000), apis: [api] });
  const created = await a.call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  const batch = (node: string) =>
    Array.from({ length: 40 }, (_, i) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id: `${node}${i}`, Value: 'v'.repeat(2000) } }));
  const answers = await Promise.all([
    a.call({ url: `/rest/batch?sid=${sid}`, body: batch('a') }),
    b.call({ url: `/rest/batch?sid=${sid}`, body: batch('b') }),
  ]);
  const codes = answers.flatMap((res) => items(res).map((i) => i.ReturnCode));
  assert.equal([...new Set(codes)].sort(), ['201', '507']);
  const held = await assertCounted(prefix, sid, 100_000);
  const kept = (await a.call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` })).body as unknown[];
  assert.is(kept.length, codes.filter((code) => code === '201').length);
  assert.ok(held > 100_000 - 2300, `${held}`);
});

it('the abuse batch over HTTP: the session stops at 1 MiB, later writes answer 507, earlier ones stay', async () => {
  const prefix = app();
  const http = await serveOverHttp(exagoEngine({}, { store: store(prefix) }).engine);
  try {
    const res = await http.send('/rest/batch', growthBatch(120));
    const answer = res.body as Item[];
    assert.equal([answer[0]!.ReturnCode, answer[1]!.ReturnCode], ['201', '201']);
    const codes = answer.slice(2).map((item) => item.ReturnCode);
    const kept = codes.indexOf('507');
    assert.ok(kept >= 10 && kept <= 16, `kept ${kept}`);
    assert.equal(codes.slice(0, kept), new Array(kept).fill('201'));
    assert.equal(codes.slice(kept), new Array(120 - kept).fill('507'));
    assert.is(answer[2 + kept]!.ResponseContent.code, 'SESSION_FULL');
    assert.is(answer[2 + kept]!.ResponseContent.details?.limit, MiB);
    const sid = answer[0]!.ResponseContent.Id as string;
    await assertCounted(prefix, sid, MiB);
    const first = await http.send(`/rest/Parameters/C0?sid=${sid}`);
    assert.is((first.body as { Value: string }).Value.length, 65_536);
    assert.is((await http.send(`/rest/Parameters/C${kept}?sid=${sid}`)).status, 404);
  } finally {
    await http.close();
  }
});

/** A seeded pseudo-random sequence (a linear congruential generator): the same cases every run. */
function seeded(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((state / 2_147_483_648) * below);
  };
}

it("a batch's buffered writes end exactly as the same writes sent one by one: entries, their order, the size counter and the write the cap refuses", async () => {
  // Writes in a row to one entry travel as one run whose overwritten JSON is not sent; the cap is
  // checked at every step all the same, in UTF-16 units as the memory store counts. Mostly one key,
  // so runs form; values of all sizes near a small cap, so that some batches are sent again without runs.
  const prefix = app();
  const { client, s } = ownClientStore(prefix, 400);
  // APPLY scripts sent: a batch's writes leave in one, unless a run may pass the cap and they are sent again.
  let scripts = 0;
  onEvalsha(client, (args) => {
    if (applyOps(args) !== undefined) scripts++;
  });
  let resent = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const random = seeded(seed);
    const [batched, oneByOne] = [await s.create({}, { ttlMs: TTL }), await s.create({}, { ttlMs: TTL })];
    const unit = s.unitOfWork(batched, false);
    const before = scripts;
    // The same writes as store calls, one by one until one is refused for the cap (a batch stops there too).
    const oneByOneWrites: Array<() => Promise<unknown>> = [];
    const keys = ['a', 'a', 'a', random(2) === 0 ? 'b' : 'c'];
    // The batch's writes first: nothing in between lets its buffered writes leave in several scripts.
    for (let index = 0; index < 16; index++) {
      const key = keys[random(keys.length)] as string;
      // Some values of characters UTF-8 and UTF-16 count differently (3 bytes, 1 unit; 4 bytes, 2 units).
      const value = (seed % 3 === 0 ? '中😀' : 'v').repeat(1 + random(random(2) === 0 ? 250 : 40));
      const current = await unit.get('c', key);
      unit.index = index;
      const kind = random(4);
      // A compare-and-set deletes the entry one time in three.
      const next = kind === 3 && random(3) === 0 ? undefined : value;
      if (kind === 0) {
        await unit.set('c', key, value);
        oneByOneWrites.push(() => s.set(oneByOne, 'c', key, value));
      } else if (kind === 1) {
        await unit.add('c', key, value);
        oneByOneWrites.push(() => s.setIfAbsent(oneByOne, 'c', key, value));
      } else if (kind === 2) {
        await unit.delete('c', key);
        oneByOneWrites.push(() => s.delete(oneByOne, 'c', key));
      } else {
        await unit.compareAndSet?.('c', key, current, next, random(4) === 0 ? 'skip' : 'conflict');
        oneByOneWrites.push(() => s.compareAndSet(oneByOne, 'c', key, current, next));
      }
    }
    let refused: number | undefined;
    for (const [index, write] of oneByOneWrites.entries()) {
      try {
        await write();
      } catch (error) {
        assert.ok(isRestBatchError(error) && error.code === 'SESSION_FULL', String(error));
        refused = index;
        break;
      }
    }
    await unit.flush();
    resent += Math.max(0, scripts - before - 1);
    const failures = unit.takeFailures();
    const firstFailed = failures === undefined ? undefined : Math.min(...failures.keys());
    assert.is(firstFailed, refused, `seed ${seed}`);
    if (refused !== undefined) assert.is((failures?.get(refused) as { code?: string } | undefined)?.code, 'SESSION_FULL');
    assert.equal(await s.list(batched, 'c'), await s.list(oneByOne, 'c'), `seed ${seed}`);
    const [a, b] = [await sizes(prefix, batched), await sizes(prefix, oneByOne)];
    assert.equal(a, b, `seed ${seed}`);
    assert.is(a.counter, a.contents);
  }
  // The seeds are fixed, so this count is too: it shows the test reaches that path.
  assert.ok(resent >= 3, `${resent} batches sent again without runs`);
});

it('a batch with a run of writes to one entry that may pass the cap is sent again without runs, and keeps the writes before the refused one', async () => {
  const prefix = app();
  const { client, s } = ownClientStore(prefix, 500);
  const sent: string[][] = [];
  onEvalsha(client, (args) => {
    const ops = applyOps(args);
    if (ops !== undefined) sent.push(ops.map(({ op, key, json, writes }) => `${op} ${key} ${json.length}${writes ? ` (${writes})` : ''}`));
  });
  const id = await s.create({}, { ttlMs: TTL });
  const unit = s.unitOfWork(id, true);
  unit.index = 0;
  await unit.add('c', 'k', 'small');
  unit.index = 1;
  await unit.set('c', 'k', 'x'.repeat(600));
  unit.index = 2;
  await unit.set('c', 'other', 1);
  await unit.flush();
  const failures = unit.takeFailures();
  assert.equal([...(failures?.keys() ?? [])], [1, 2]);
  assert.is((failures?.get(1) as { code?: string } | undefined)?.code, 'SESSION_FULL');
  assert.equal(await s.list(id, 'c'), [['k', 'small']]);
  await assertCounted(prefix, id, 500);
  // First with a run for k (the added JSON not sent), then each write with its JSON.
  assert.equal(sent, [
    ['r k 602 (2)', 's other 1'],
    ['a k 7', 's k 602', 's other 1'],
  ]);
});

it('an undo is never refused: a rollback puts back an entry and a field where another node filled the room', async () => {
  const prefix = app();
  const [s, other] = [store(prefix, 2000), store(prefix, 2000)];
  const id = await s.create({ Big: 'd'.repeat(800) }, { ttlMs: TTL });
  await s.set(id, 'c', 'big', 'x'.repeat(900));
  const session = new Session(id, (await s.load(id, TTL))!, s);
  session.journal = new Journal();
  assert.ok(await session.delete('c', 'big'));
  await session.update({ Big: undefined });
  await other.set(id, 'c', 'other', 'y'.repeat(1900));
  assert.equal(await session.journal.rollback(), []);
  assert.is(await s.get(id, 'c', 'big'), 'x'.repeat(900));
  assert.is((await s.load(id, TTL))!.Big, 'd'.repeat(800));
  const { counter, contents } = await sizes(prefix, id);
  assert.is(counter, contents);
  assert.ok(counter > 2000);
  await rejectsWith(s.set(id, 'c', 'more', 'z'), 'SESSION_FULL');
  assert.ok(await other.delete(id, 'c', 'other'));
  await s.set(id, 'c', 'more', 'z');
});

it('an atomic batch whose write passes the cap answers 507 for it and rolls the others back, room included', async () => {
  const prefix = app();
  const s = store(prefix, 200_000);
  const plain = exagoEngine({}, { store: s });
  const atomic = exagoEngine({}, { store: s, apis: [exagoTestApi([], true)] });
  const param = (Id: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, Value: 'v'.repeat(60_000) } });
  const created = await plain.call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, param('P1')] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  const before = await assertCounted(prefix, sid, 200_000);
  const res = await atomic.call({ url: `/rest/batch?sid=${sid}`, body: [param('P2'), param('P3'), param('P4')] });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['424', '424', '507'],
  );
  assert.equal(
    (await s.list(sid, 'parameters')).map(([key]) => key),
    ['P1'],
  );
  assert.is(await assertCounted(prefix, sid, 200_000), before);
  const next = await atomic.call({ url: `/rest/batch?sid=${sid}`, body: [param('P2'), param('P3')] });
  assert.equal(
    items(next).map((i) => i.ReturnCode),
    ['201', '201'],
  );
});

it('writes whose reply was lost are undone with their bytes: the counter still matches the session', async () => {
  const prefix = app();
  const { client, s } = ownClientStore(prefix, 10_000);
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  await s.set(id, 'c', 'Kept', 'before');
  await s.set(id, 'c', 'Gone', 'before');
  await s.set(id, 'c', 'Other', 'before');
  const unit = s.unitOfWork(id, false);
  unit.index = 0;
  assert.is(await unit.get('c', 'Other'), 'before');
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const reply = await original(...args);
      const key = String(args[2]);
      if (key.startsWith(`${prefix}{`) && !key.includes(':op:')) throw new Error('Command timed out');
      return reply;
    };
  }
  await Promise.allSettled([
    s.set(id, 'c', 'Kept', 'a much longer value than before'),
    s.setIfAbsent(id, 'c', 'New', 'x'.repeat(3000)),
    s.delete(id, 'c', 'Gone'),
    s.save(id, { Page: 'p'.repeat(2000) }),
  ]);
  // Runs too (writes in a row to one entry, one op in the script): their size changes are undone alike.
  await unit.set('c', 'Batch', 'y'.repeat(3000));
  await unit.set('c', 'Batch', '中😀'.repeat(700));
  await unit.delete('c', 'Other');
  await unit.add('c', 'Other', '中'.repeat(500));
  await unit.flush();
  delete (client as unknown as Record<string, unknown>).evalsha;
  delete (client as unknown as Record<string, unknown>).eval;
  await s.compensated();
  assert.equal(await s.list(id, 'c'), [
    ['Kept', 'before'],
    ['Gone', 'before'],
    ['Other', 'before'],
  ]);
  const { counter, contents } = await sizes(prefix, id);
  assert.is(counter, contents);
  // The room those writes took is free again.
  await s.set(id, 'c', 'Room', 'z'.repeat(9000));
});

it('maxSessionBytes must be a whole number of at least 1 (or Infinity)', async () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new RedisSessionStore({ url: server().url, maxSessionBytes: bad }), RangeError);
  }
});

test.run();
