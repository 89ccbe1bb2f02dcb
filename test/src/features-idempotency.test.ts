import { createEngine, MemorySessionStore, type SessionStore } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { batch, canonicalDialect, featuresEngine, newSession } from './support/features-engine.js';

const CREATE = { requests: [{ method: 'POST', url: '/Notes', body: { id: 'a' } }] };

test('a retry with the same key and body gets the stored answer, marked as a replay, without running again', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const headers = { 'Idempotency-Key': 'k-1', authorization: 'Bearer alice' };
  const first = await batch(call, CREATE, { sid, headers });
  const second = await batch(call, CREATE, { sid, headers });
  assert.is(first.body.results[0]!.status, 201);
  assert.is(first.headers['idempotent-replayed'], undefined);
  assert.is(second.status, first.status);
  assert.equal(second.body, first.body);
  assert.is(second.headers['idempotent-replayed'], 'true');
  assert.is(second.headers['restbatch-summary'], 'succeeded=1, failed=0, skipped=0');
  // Without the key the same batch runs again and meets the note the first run made.
  const third = await batch(call, CREATE, { sid });
  assert.is(third.body.results[0]!.error!.code, 'CONFLICT');
});

test('the same key with a different body gets 422 IDEMPOTENCY_MISMATCH', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  await batch(call, CREATE, { sid, headers: { 'Idempotency-Key': 'k-2' } });
  const other = await batch(
    call,
    { requests: [{ method: 'POST', url: '/Notes', body: { id: 'b' } }] },
    { sid, headers: { 'Idempotency-Key': 'k-2' } },
  );
  assert.is(other.status, 422);
  assert.is(other.body.error!.code, 'IDEMPOTENCY_MISMATCH');
  assert.equal(
    (await engine.store.list(sid, 'notes')).map(([k]) => k),
    ['a'],
  );
});

test('another caller (Authorization) with the same key never sees the first answer', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  await batch(call, CREATE, { sid, headers: { 'Idempotency-Key': 'shared', authorization: 'Bearer alice' } });
  const bob = await batch(call, CREATE, { sid, headers: { 'Idempotency-Key': 'shared', authorization: 'Bearer bob' } });
  assert.is(bob.headers['idempotent-replayed'], undefined);
  assert.is(bob.body.results[0]!.error!.code, 'CONFLICT');
});

test('a duplicate while the first is still running gets 409 CONFLICT', async () => {
  const { call } = featuresEngine();
  const controller = new AbortController();
  const envelope = { requests: [{ method: 'GET', url: '/Tools/wait' }] };
  const first = batch(call, envelope, { headers: { 'Idempotency-Key': 'busy' }, signal: controller.signal });
  const second = await batch(call, envelope, { headers: { 'Idempotency-Key': 'busy' } });
  assert.is(second.status, 409);
  assert.is(second.body.error!.code, 'CONFLICT');
  controller.abort();
  assert.is((await first).body.results[0]!.status, 499);
});

test('a key expires after the configured time and then runs as new', async () => {
  let now = 1_000_000;
  const store = new MemorySessionStore({ now: () => now });
  const { engine, call } = featuresEngine({ store, idempotency: { ttlMs: 1000 } });
  const sid = await newSession(engine);
  const headers = { 'Idempotency-Key': 'short' };
  await batch(call, CREATE, { sid, headers });
  now += 999;
  assert.is((await batch(call, CREATE, { sid, headers })).headers['idempotent-replayed'], 'true');
  now += 2;
  const fresh = await batch(call, CREATE, { sid, headers });
  assert.is(fresh.headers['idempotent-replayed'], undefined);
  assert.is(fresh.body.results[0]!.error!.code, 'CONFLICT');
});

test('a batch rejected before it ran does not use up its key', async () => {
  const { call } = featuresEngine();
  const headers = { 'Idempotency-Key': 'retry-me' };
  const rejected = await batch(call, { requests: [] }, { headers });
  assert.is(rejected.status, 400);
  const accepted = await batch(call, { requests: [{ method: 'GET', url: '/Tools/ok' }] }, { headers });
  assert.is(accepted.status, 200);
  assert.is(accepted.headers['idempotent-replayed'], undefined);
});

test('a malformed Idempotency-Key gets 400 INVALID_HEADER', async () => {
  const { call } = featuresEngine();
  for (const key of ['x'.repeat(256), 'has space', '']) {
    const res = await batch(call, { requests: [{ method: 'GET', url: '/Tools/ok' }] }, { headers: { 'Idempotency-Key': key } });
    assert.is(res.status, 400, JSON.stringify(key));
    assert.is(res.body.error!.code, 'INVALID_HEADER');
  }
});

test('an Exago batch replays its array answer', async () => {
  const { call } = exagoEngine();
  const headers = { 'Idempotency-Key': 'exago-1' };
  const first = await call({ url: '/rest/batch', body: SEED_BATCH, headers });
  const second = await call({ url: '/rest/batch', body: SEED_BATCH, headers });
  assert.equal(second.body, first.body);
  assert.is(second.headers['idempotent-replayed'], 'true');
});

test('idempotency: false turns the feature off; a store without records cannot have it', async () => {
  const { engine, call } = featuresEngine({ idempotency: false });
  const sid = await newSession(engine);
  await batch(call, CREATE, { sid, headers: { 'Idempotency-Key': 'off' } });
  const again = await batch(call, CREATE, { sid, headers: { 'Idempotency-Key': 'off' } });
  assert.is(again.body.results[0]!.error!.code, 'CONFLICT');
  const memory = new MemorySessionStore();
  const bare: SessionStore = {
    create: (d, o) => memory.create(d, o),
    load: (i, t) => memory.load(i, t),
    save: (i, d) => memory.save(i, d),
    destroy: (i) => memory.destroy(i),
    get: (i, c, k) => memory.get(i, c, k),
    set: (i, c, k, v) => memory.set(i, c, k, v),
    delete: (i, c, k) => memory.delete(i, c, k),
    list: (i, c) => memory.list(i, c),
  };
  assert.throws(
    () =>
      createEngine({
        apis: [{ base: '/api', resources: [], batch: [{ path: 'batch', dialect: canonicalDialect }] }],
        store: bare,
        idempotency: { ttlMs: 1000 },
      }),
    /record methods/,
  );
});

test.run();
