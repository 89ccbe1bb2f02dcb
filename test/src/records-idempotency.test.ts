import { MemorySessionStore, RestBatchError } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { featuresEngine } from './support/features-engine.js';
import { type HttpAnswer, serveOverHttp } from './support/records-http.js';

type Item = { ReturnCode: string; ResponseContent: { Id?: string } };
type Answer = { results: Array<{ status: number; body: unknown }>; error?: { code: string } };

const byCookie = {
  authenticate: ({ headers }: { headers: Readonly<Record<string, string | string[] | undefined>> }) => {
    const cookie = headers.cookie;
    if (typeof cookie !== 'string') throw new RestBatchError('UNAUTHORIZED', 'log in first');
    return { id: cookie.replace(/^user=/, '') };
  },
};

const ECHO = (text: string) => ({ requests: [{ method: 'POST', url: '/Tools/echo', body: { text } }] });

function answer(res: HttpAnswer): Answer {
  return res.body as Answer;
}

test('two callers (cookies) sending the same Idempotency-Key and body each get their own answer and session', async () => {
  const { engine } = exagoEngine({}, byCookie);
  const http = await serveOverHttp(engine);
  try {
    const send = (user: string) => http.send('/rest/batch', SEED_BATCH, { headers: { cookie: `user=${user}`, 'idempotency-key': 'same' } });
    const alice = await send('alice');
    const bob = await send('bob');
    assert.is(bob.status, 200);
    assert.is(bob.headers['idempotent-replayed'], undefined);
    const sid = (res: HttpAnswer) => (res.body as Item[])[0]!.ResponseContent.Id;
    assert.match(String(sid(bob)), /^[0-9a-f]{32}$/);
    assert.is.not(sid(bob), sid(alice));
    // Each caller's own retry replays its own answer.
    const again = await send('alice');
    assert.is(again.headers['idempotent-replayed'], 'true');
    assert.is(sid(again), sid(alice));
  } finally {
    await http.close();
  }
});

test('without an identity or Authorization, two addresses with the same key get their own answers', async () => {
  const { engine } = featuresEngine();
  const http = await serveOverHttp(engine);
  try {
    const headers = { 'idempotency-key': 'k' };
    await http.send('/api/batch', ECHO('x'), { headers, from: '127.0.0.2' });
    const other = await http.send('/api/batch', ECHO('x'), { headers, from: '127.0.0.3' });
    assert.is(other.headers['idempotent-replayed'], undefined);
    const same = await http.send('/api/batch', ECHO('x'), { headers, from: '127.0.0.2' });
    assert.is(same.headers['idempotent-replayed'], 'true');
  } finally {
    await http.close();
  }
});

test('a caller at its record quota loses its oldest record: that key runs as new, the newest still replays', async () => {
  const store = new MemorySessionStore();
  const { engine } = featuresEngine({ store, limits: { maxIdempotencyRecordsPerCaller: 2 } });
  const http = await serveOverHttp(engine);
  try {
    for (const key of ['k1', 'k2', 'k3']) await http.send('/api/batch', ECHO(key), { headers: { 'idempotency-key': key } });
    assert.is(store.records.count, 2);
    const oldest = await http.send('/api/batch', ECHO('k1'), { headers: { 'idempotency-key': 'k1' } });
    assert.is(oldest.headers['idempotent-replayed'], undefined);
    const newest = await http.send('/api/batch', ECHO('k3'), { headers: { 'idempotency-key': 'k3' } });
    assert.is(newest.headers['idempotent-replayed'], 'true');
  } finally {
    await http.close();
  }
});

test('past the total record count a keyed batch is refused with 503 RECORD_LIMIT before it runs', async () => {
  const { engine } = featuresEngine({ ...byCookie, limits: { maxIdempotencyRecords: 2 } });
  const http = await serveOverHttp(engine);
  try {
    await http.send('/api/batch', ECHO('a'), { headers: { cookie: 'user=alice', 'idempotency-key': 'a' } });
    await http.send('/api/batch', ECHO('b'), { headers: { cookie: 'user=alice', 'idempotency-key': 'b' } });
    const refused = await http.send('/api/batch', ECHO('c'), { headers: { cookie: 'user=bob', 'idempotency-key': 'c' } });
    assert.is(refused.status, 503);
    assert.is(answer(refused).error!.code, 'RECORD_LIMIT');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    // Without a key the same batch runs: only what would be kept is budgeted.
    assert.is((await http.send('/api/batch', ECHO('c'), { headers: { cookie: 'user=bob' } })).status, 200);
  } finally {
    await http.close();
  }
});

test('an answer too large to keep goes out marked not-stored; a retry gets 422 IDEMPOTENCY_NOT_STORED and does not run', async () => {
  const store = new MemorySessionStore();
  const { engine } = featuresEngine({ store, limits: { maxIdempotencyRecordBytes: 1024 } });
  const http = await serveOverHttp(engine);
  try {
    const big = ECHO('x'.repeat(2000));
    const first = await http.send('/api/batch', big, { headers: { 'idempotency-key': 'big' } });
    assert.is(first.status, 200);
    assert.is(answer(first).results[0]!.status, 201);
    assert.is(first.headers['idempotency-status'], 'not-stored');
    assert.ok(store.records.bytes < 1024, `kept ${store.records.bytes} bytes`);
    const retry = await http.send('/api/batch', big, { headers: { 'idempotency-key': 'big' } });
    assert.is(retry.status, 422);
    assert.is(answer(retry).error!.code, 'IDEMPOTENCY_NOT_STORED');
    // A small answer under the same budget is kept and replayed as before.
    await http.send('/api/batch', ECHO('small'), { headers: { 'idempotency-key': 'small' } });
    const small = await http.send('/api/batch', ECHO('small'), { headers: { 'idempotency-key': 'small' } });
    assert.is(small.headers['idempotent-replayed'], 'true');
    assert.is(small.headers['idempotency-status'], undefined);
  } finally {
    await http.close();
  }
});

test('answers past the total byte budget are not stored either', async () => {
  const store = new MemorySessionStore();
  const { engine } = featuresEngine({ store, limits: { maxIdempotencyBytes: 3000 } });
  const http = await serveOverHttp(engine);
  try {
    const first = await http.send('/api/batch', ECHO('a'.repeat(1500)), { headers: { 'idempotency-key': 'a' } });
    assert.is(first.headers['idempotency-status'], undefined);
    const second = await http.send('/api/batch', ECHO('b'.repeat(1500)), { headers: { 'idempotency-key': 'b' } });
    assert.is(second.headers['idempotency-status'], 'not-stored');
    assert.ok(store.records.bytes <= 3000, `kept ${store.records.bytes} bytes`);
  } finally {
    await http.close();
  }
});

test('expired records stop counting: the total budget frees up as the oldest expire', async () => {
  let now = 1_000_000;
  const store = new MemorySessionStore({ now: () => now });
  const { engine } = featuresEngine({ store, idempotency: { ttlMs: 1000 }, limits: { maxIdempotencyRecords: 2 } });
  const http = await serveOverHttp(engine);
  try {
    await http.send('/api/batch', ECHO('a'), { headers: { 'idempotency-key': 'a' } });
    now += 500;
    await http.send('/api/batch', ECHO('b'), { headers: { 'idempotency-key': 'b' } });
    assert.is((await http.send('/api/batch', ECHO('c'), { headers: { 'idempotency-key': 'c' } })).status, 503);
    now += 600;
    // a expired; b lives on.
    assert.is((await http.send('/api/batch', ECHO('c'), { headers: { 'idempotency-key': 'c' } })).status, 200);
    assert.is(store.records.count, 2);
    const b = await http.send('/api/batch', ECHO('b'), { headers: { 'idempotency-key': 'b' } });
    assert.is(b.headers['idempotent-replayed'], 'true');
  } finally {
    await http.close();
  }
});

test('a batch running longer than its marker lifetime still blocks a duplicate (409 with the seconds left)', async () => {
  const { engine } = featuresEngine({ idempotency: { runningTtlMs: 300 } });
  const http = await serveOverHttp(engine);
  const controller = new AbortController();
  const headers = { 'idempotency-key': 'long' };
  const WAIT = { requests: [{ method: 'GET', url: '/Tools/wait' }] };
  const first = http.send('/api/batch', WAIT, { headers, signal: controller.signal }).catch((error: unknown) => error);
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 3; i++) {
      // Were the duplicate let in, it would wait forever: the timeout turns that into a failure.
      const duplicate = await http.send('/api/batch', WAIT, { headers, signal: AbortSignal.timeout(2000) });
      assert.is(duplicate.status, 409, `after ${i * 400 + 50} ms`);
      assert.is(answer(duplicate).error!.code, 'CONFLICT');
      assert.is(duplicate.headers['retry-after'], '1');
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  } finally {
    controller.abort();
    await first;
    await http.close();
  }
});

test('Retry-After gives the seconds the running marker has left', async () => {
  const { engine } = featuresEngine({ idempotency: { runningTtlMs: 20_000 } });
  const http = await serveOverHttp(engine);
  const controller = new AbortController();
  const headers = { 'idempotency-key': 'busy' };
  const WAIT = { requests: [{ method: 'GET', url: '/Tools/wait' }] };
  const first = http.send('/api/batch', WAIT, { headers, signal: controller.signal }).catch((error: unknown) => error);
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const duplicate = await http.send('/api/batch', WAIT, { headers });
    assert.is(duplicate.status, 409);
    const seconds = Number(duplicate.headers['retry-after']);
    assert.ok(seconds >= 19 && seconds <= 20, `retry-after ${duplicate.headers['retry-after']}`);
  } finally {
    controller.abort();
    await first;
    await http.close();
  }
});

test.run();
