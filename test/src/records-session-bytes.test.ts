import 'reflect-metadata';
import { type DataPoint, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { isRestBatchError, Journal, MemorySessionStore, Session } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import { items } from './support/exago-items.js';
import { serveOverHttp } from './support/records-http.js';
import { growthBatch } from './support/session-growth.js';

const TTL = 60_000;
const MiB = 1024 * 1024;

type Item = { ReturnCode: string; ResponseContent: { Id?: string; code?: string; details?: { limit?: number; size?: number } } };

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<{ details: unknown; headers: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isRestBatchError(error), `expected a RestBatchError, got ${String(error)}`);
    assert.is(error.code, code, error.message);
    return { details: error.details, headers: error.headers };
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

test('the abuse batch over HTTP: the session stops growing at 1 MiB, later writes answer 507, earlier ones stay', async () => {
  const store = new MemorySessionStore();
  const http = await serveOverHttp(exagoEngine({}, { store }).engine);
  try {
    const sessions: string[] = [];
    for (let round = 0; round < 3; round++) {
      const res = await http.send('/rest/batch', growthBatch(120));
      assert.is(res.status, 200);
      const answer = res.body as Item[];
      assert.is(answer.length, 122);
      assert.equal([answer[0]!.ReturnCode, answer[1]!.ReturnCode], ['201', '201']);
      const codes = answer.slice(2).map((item) => item.ReturnCode);
      const kept = codes.indexOf('507');
      // Fourteen 64 KiB copies fit beside the first, and nothing after the first refusal.
      assert.ok(kept >= 10 && kept <= 16, `kept ${kept}`);
      assert.equal(codes.slice(0, kept), new Array(kept).fill('201'));
      assert.equal(codes.slice(kept), new Array(120 - kept).fill('507'));
      const refused = answer[2 + kept]!.ResponseContent;
      assert.is(refused.code, 'SESSION_FULL');
      assert.is(refused.details?.limit, MiB);
      assert.ok((refused.details?.size ?? 0) > MiB);
      const sid = answer[0]!.ResponseContent.Id as string;
      sessions.push(sid);
      const first = await http.send(`/rest/Parameters/C0?sid=${sid}`);
      assert.is(first.status, 200);
      assert.is((first.body as { Value: string }).Value.length, 65_536);
      assert.is((await http.send(`/rest/Parameters/C${kept}?sid=${sid}`)).status, 404);
    }
    // Three sessions of at most 1 MiB of JSON each: about 3 MiB kept, not the 23 MB the batches
    // asked for (the store counts their memory: one-byte text, an eighth more than its characters).
    assert.ok(store.bytes <= 3 * 1.15 * MiB, `${store.bytes} bytes kept`);
    assert.ok(store.bytes > 2.5 * MiB, `${store.bytes} bytes kept`);
    // The process still serves: a new session, and a delete in a full session makes room.
    const other = await http.send('/rest/batch', [{ Url: 'Sessions', Method: 'POST' }]);
    assert.is((other.body as Item[])[0]!.ReturnCode, '201');
    const sid = sessions[0]!;
    assert.is((await http.send(`/rest/Parameters/C0?sid=${sid}`, undefined, { method: 'DELETE' })).status, 204);
    const again = await http.send(`/rest/Parameters?sid=${sid}`, { Id: 'Again', Value: 'x'.repeat(60_000) });
    assert.is(again.status, 201);
  } finally {
    await http.close();
  }
});

test('an overwrite with a value of the same size never grows the session; a delete frees its room', async () => {
  const store = new MemorySessionStore({ maxSessionBytes: 3000 });
  const id = await store.create({}, { ttlMs: TTL });
  for (let i = 0; i < 100; i++) await store.set(id, 'c', 'k', `${i % 10}`.repeat(2000));
  const before = store.bytes;
  await store.set(id, 'c', 'k', 'y'.repeat(2000));
  assert.is(store.bytes, before);
  const { details } = await rejectsWith(store.set(id, 'c', 'other', 'z'.repeat(2000)), 'SESSION_FULL');
  // Each entry: its key, its value's 2000 characters and 2 quotes, and 4.
  assert.equal(details, { limit: 3000, size: 1 + 2002 + 4 + (5 + 2002 + 4) });
  assert.is(await store.get(id, 'c', 'other'), undefined);
  await rejectsWith(store.setIfAbsent(id, 'c', 'other', 'z'.repeat(2000)), 'SESSION_FULL');
  await rejectsWith(store.compareAndSet(id, 'c', 'k', 'y'.repeat(2000), 'y'.repeat(3000)), 'SESSION_FULL');
  assert.is(await store.get(id, 'c', 'k'), 'y'.repeat(2000));
  // Shrinking passes, and so does growing back within the cap.
  assert.ok(await store.compareAndSet(id, 'c', 'k', 'y'.repeat(2000), 'small'));
  assert.ok(await store.compareAndSet(id, 'c', 'k', 'small', 'y'.repeat(2000)));
  assert.ok(await store.delete(id, 'c', 'k'));
  await store.set(id, 'c', 'other', 'z'.repeat(2000));
  assert.is(await store.get(id, 'c', 'other'), 'z'.repeat(2000));
});

test('values of every shape written, overwritten and deleted leave the count where it began', async () => {
  const store = new MemorySessionStore();
  const id = await store.create({ Page: 'Home' }, { ttlMs: TTL });
  // The collection's map is counted from its first entry on, emptied or not: made before the count.
  await store.set(id, 'c', 'seed', 0);
  assert.ok(await store.delete(id, 'c', 'seed'));
  const begin = store.bytes;
  const shared = Object.freeze({ deep: Object.freeze(['frozen', 1, null]) });
  const shapes: unknown[] = [
    'text',
    'ünïcødé ✓',
    0,
    -1.5e-7,
    123456789012,
    true,
    null,
    [],
    {},
    [1, 'two', [3, [4, { five: 5 }]], undefined, null],
    { a: undefined, b: { c: [true, false], d: '' }, e: 12.5 },
    { shared, list: [shared, shared] },
  ];
  for (const [i, value] of shapes.entries()) {
    await store.set(id, 'c', `k${i}`, value as never);
    await store.patchData(id, { [`f${i}`]: value as never });
  }
  for (const [i, value] of [...shapes].reverse().entries()) await store.set(id, 'c', `k${i}`, value as never);
  for (let i = 0; i < shapes.length; i++) {
    assert.ok(await store.delete(id, 'c', `k${i}`));
    await store.patchData(id, { [`f${i}`]: undefined });
  }
  assert.is(store.bytes, begin);
});

test("the session's data counts too: save and patchData past the cap are refused and change nothing", async () => {
  const store = new MemorySessionStore({ maxSessionBytes: 3000 });
  const id = await store.create({ Page: 'Home' }, { ttlMs: TTL });
  await store.set(id, 'c', 'k', 'x'.repeat(1500));
  await rejectsWith(store.patchData(id, { Big: 'y'.repeat(1500) }), 'SESSION_FULL');
  await rejectsWith(store.save(id, { Page: 'Home', Big: 'y'.repeat(1500) }), 'SESSION_FULL');
  assert.equal(await store.load(id, TTL), { Page: 'Home' });
  // Replacing a field counts only the difference.
  await store.patchData(id, { Page: 'p'.repeat(1000) });
  await store.patchData(id, { Page: 'q'.repeat(1000) });
  assert.ok(await store.save(id, { Page: 'r'.repeat(1000) }));
  await store.patchData(id, { Page: undefined });
  await store.patchData(id, { Big: 'y'.repeat(1400) });
  assert.is((await store.load(id, TTL))!.Big, 'y'.repeat(1400));
});

test('a session created with data over the cap is refused with 507 SESSION_FULL and nothing is kept', async () => {
  const store = new MemorySessionStore({ maxSessionBytes: 3000 });
  const { details } = await rejectsWith(store.create({ Big: 'x'.repeat(5000) }, { ttlMs: TTL }), 'SESSION_FULL');
  assert.equal(details, { limit: 3000, size: 3 + 4 + 5002 });
  assert.is(store.size, 0);
  assert.is(store.bytes, 0);
});

test('the byte budgets must be whole numbers of at least 1 (or Infinity)', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new MemorySessionStore({ maxSessionBytes: bad }), RangeError);
    assert.throws(() => new MemorySessionStore({ maxBytes: bad }), RangeError);
  }
  new MemorySessionStore({ maxSessionBytes: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY });
});

test('an undo is never refused: a rollback puts back an entry and a field even where other writes filled the room', async () => {
  const store = new MemorySessionStore({ maxSessionBytes: 2000 });
  const id = await store.create({ Big: 'd'.repeat(800) }, { ttlMs: TTL });
  await store.set(id, 'c', 'big', 'x'.repeat(900));
  const session = new Session(id, (await store.load(id, TTL))!, store);
  session.journal = new Journal();
  // The group frees ~1700, and another batch on the same session takes the room meanwhile.
  assert.ok(await session.delete('c', 'big'));
  await session.update({ Big: undefined });
  await store.set(id, 'c', 'other', 'y'.repeat(1900));
  assert.equal(await session.journal.rollback(), []);
  assert.is(await store.get(id, 'c', 'big'), 'x'.repeat(900));
  assert.is((await store.load(id, TTL))!.Big, 'd'.repeat(800));
  // Over its cap now: growing is refused until it shrinks below it.
  await rejectsWith(store.set(id, 'c', 'more', 'z'), 'SESSION_FULL');
  assert.ok(await store.delete(id, 'c', 'other'));
  await store.set(id, 'c', 'more', 'z');
});

test('an atomic batch whose write passes the cap answers 507 for it and rolls the others back, room included', async () => {
  const store = new MemorySessionStore({ maxSessionBytes: 200_000 });
  const plain = exagoEngine({}, { store });
  const atomic = exagoEngine({}, { store, apis: [exagoTestApi([], true)] });
  const param = (Id: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, Value: 'v'.repeat(60_000) } });
  const created = await plain.call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, param('P1')] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  const before = store.bytes;
  const res = await atomic.call({ url: `/rest/batch?sid=${sid}`, body: [param('P2'), param('P3'), param('P4')] });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['424', '424', '507'],
  );
  assert.is((items(res)[2]!.ResponseContent as { code?: string }).code, 'SESSION_FULL');
  assert.equal(
    (await store.list(sid, 'parameters')).map(([key]) => key),
    ['P1'],
  );
  assert.is(store.bytes, before);
  // The undone writes gave their room back: two of them fit again.
  const next = await atomic.call({ url: `/rest/batch?sid=${sid}`, body: [param('P2'), param('P3')] });
  assert.equal(
    items(next).map((i) => i.ReturnCode),
    ['201', '201'],
  );
});

test("past the memory store's total budget a write answers 503 SESSION_LIMIT with Retry-After; freed sessions make room", async () => {
  let now = 1_000_000;
  // maxBytes counts memory: a session about 640 bytes, an entry its text, an eighth more and its place.
  const store = new MemorySessionStore({ maxSessionBytes: 3000, maxBytes: 7500, now: () => now });
  const a = await store.create({}, { ttlMs: 1000 });
  const b = await store.create({}, { ttlMs: TTL });
  await store.set(a, 'c', 'v', 'x'.repeat(2500));
  await store.set(b, 'c', 'v', 'x'.repeat(2000));
  assert.ok(store.bytes > 7000 && store.bytes <= 7500, `${store.bytes}`);
  const { details, headers } = await rejectsWith(store.set(b, 'c', 'w', 'x'.repeat(600)), 'SESSION_LIMIT');
  assert.equal(details, { limit: 7500 });
  assert.equal(headers, { 'retry-after': '60' });
  await rejectsWith(store.create({ Big: 'x'.repeat(600) }, { ttlMs: TTL }), 'SESSION_LIMIT');
  // The expired session's bytes are dropped before a write is refused.
  now += 1000;
  await store.set(b, 'c', 'w', 'x'.repeat(600));
  assert.is(store.size, 1);
  assert.ok(await store.destroy(b));
  assert.is(store.bytes, 0);
});

test("a caller's session quota bounds its bytes: the session it loses gives its room back", async () => {
  // Each session takes about 4300 bytes of memory (640 of its own, 2900 characters and an eighth, their places).
  const store = new MemorySessionStore({ maxSessionBytes: 3000, maxBytes: 10_500 });
  const owned = { ttlMs: TTL, owner: 'caller', maxPerOwner: 2 };
  for (let i = 0; i < 5; i++) {
    const id = await store.create({}, owned);
    await store.set(id, 'c', 'v', 'x'.repeat(2900));
  }
  assert.is(store.sessionsOf('caller'), 2);
  assert.ok(store.bytes <= 8800, `${store.bytes}`);
  // Another caller still has room.
  const other = await store.create({}, { ttlMs: TTL, owner: 'other', maxPerOwner: 2 });
  await store.set(other, 'c', 'v', 'x'.repeat(400));
});

/** A reader that collects when asked. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test('with metrics on, restbatch.budget.refusals counts each SESSION_FULL write', async () => {
  const reader = new TestReader();
  const { engine, call } = exagoEngine({}, { telemetry: { meterProvider: new MeterProvider({ readers: [reader] }) } });
  try {
    const res = await call({ url: '/rest/batch', body: growthBatch(20) });
    const refused = (res.body as Item[]).filter((item) => item.ResponseContent.code === 'SESSION_FULL').length;
    assert.ok(refused > 0);
    const { resourceMetrics } = await reader.collect();
    const metric = (resourceMetrics as ResourceMetrics).scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'restbatch.budget.refusals');
    assert.equal(
      ((metric?.dataPoints ?? []) as DataPoint<number>[]).map((p) => [p.attributes['error.type'], p.value]),
      [['SESSION_FULL', refused]],
    );
  } finally {
    await engine.close();
  }
});

test.run();
