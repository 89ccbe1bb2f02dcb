import 'reflect-metadata';
import { type Engine, type EngineResponse, MemorySessionStore } from '@restbatch/core';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';

// The memory store's total (maxBytes) and per-caller (maxBytesPerOwner) budgets count the memory
// its values take, not their JSON text: an outside review filled 100 sessions of one caller with
// copies of an array of 10,000 "" (3 characters of JSON an item, 8 bytes of heap) and grew the heap
// 2.67 times what the store counted; `[{},{},...]` takes 21 times its text.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const TTL = 60_000;
const MiB = 1024 * 1024;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** JSON texts of one shape, each distinct (so V8 shares no string between two of them). */
const SHAPES: Record<string, (seed: string) => unknown> = {
  'an array of ""': () => new Array(10_000).fill(''),
  'an array of {}': () => Array.from({ length: 10_000 }, () => ({})),
  'an array of []': () => Array.from({ length: 10_000 }, () => []),
  'an array of 0': () => new Array(10_000).fill(0),
  'an array of 1.5': () => new Array(10_000).fill(1.5),
  'two-byte text': (seed) => `${seed}${'€'.repeat(30_000)}`,
  'one-byte text': (seed) => `${seed}${'x'.repeat(60_000)}`,
};

/** Shapes that cost less per character of JSON, counted at least as what they take. */
const OTHER_SHAPES: Record<string, (seed: string) => unknown> = {
  'an array of one-member objects': () => Array.from({ length: 10_000 }, () => ({ a: '' })),
  'an array of strings of 11 characters': (seed) =>
    Array.from({ length: 5_000 }, (_, i) => `${seed}${String(i).padStart(11 - seed.length, '0')}`),
  'objects of keys never seen before (a hidden class each)': (seed) => Array.from({ length: 2_000 }, (_, i) => ({ [`${seed}k${i}`]: 0 })),
  'an object of 1,000 members': (seed) => Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`${seed}k${i}`, i])),
};

/** The heap `count` values of a shape take in a store, and what the store counts for them. */
function measure(shape: (seed: string) => unknown, count: number): Promise<{ heap: number; counted: number }> {
  const texts = Array.from({ length: count }, (_, i) => JSON.stringify(shape(`s${i}`)));
  return (async () => {
    const store = new MemorySessionStore({
      maxSessionBytes: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
      maxBytesPerOwner: Number.POSITIVE_INFINITY,
    });
    const id = await store.create({}, { ttlMs: TTL });
    const counted0 = store.bytes;
    const before = heapUsed();
    for (let i = 0; i < count; i++) await store.set(id, 'c', `k${i}`, JSON.parse(texts[i] as string));
    const heap = heapUsed() - before;
    const counted = store.bytes - counted0;
    await store.close();
    return { heap, counted };
  })();
}

for (const [shapes, count, most, mostly] of [
  [SHAPES, 40, 1.3, '1.3 times it'],
  [OTHER_SHAPES, 20, 2, 'twice it'],
] as const) {
  for (const [name, shape] of Object.entries(shapes)) {
    test(`the memory store counts at least the heap its values take, and at most ${mostly}: ${name}`, async () => {
      const { heap, counted } = await measure(shape, count);
      assert.ok(counted >= heap, `${name}: counted ${counted}, the heap grew ${heap}`);
      assert.ok(counted <= most * heap, `${name}: counted ${counted}, ${(counted / heap).toFixed(2)} times the heap it grew`);
    });
  }
}

test('the same value written, overwritten and deleted under every shape gives its count back (the estimate is the same each time)', async () => {
  const store = new MemorySessionStore();
  const id = await store.create({}, { ttlMs: TTL });
  // The collection's map is counted from its first entry on, emptied or not: made before the count.
  await store.set(id, 'c', 'seed', 0);
  assert.ok(await store.delete(id, 'c', 'seed'));
  const begin = store.bytes;
  const shapes = [...Object.values(SHAPES), ...Object.values(OTHER_SHAPES)];
  for (const [i, shape] of shapes.entries()) {
    await store.set(id, 'c', `k${i}`, shape('x') as never);
    await store.patchData(id, { [`f${i}`]: shape('y') as never });
  }
  for (let i = 0; i < shapes.length; i++) {
    assert.ok(await store.delete(id, 'c', `k${i}`));
    await store.patchData(id, { [`f${i}`]: undefined });
  }
  assert.is(store.bytes, begin);
});

/** Posts `body` to the Exago batch endpoint of `engine` as a client at `from` would, over HTTP. */
function postBatch(engine: Engine, body: string, from: string, headers: Record<string, string> = {}): Promise<EngineResponse> {
  return engine.dispatch({
    method: 'POST',
    url: '/rest/batch',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    transport: 'http',
    remoteAddress: from,
  });
}

/** The review's batch: a session, a parameter of 10,000 "", then 40 parameters placing that list by reference. */
function arraysBatch(): unknown[] {
  const calls: unknown[] = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'A', Values: new Array(10_000).fill('') } },
  ];
  for (let i = 0; i < 40; i++) calls.push({ Url: 'Parameters', Method: 'POST', Payload: { Id: `C${i}`, Values: '$ref:1/body/Values' } });
  return calls;
}

test("one caller's sessions stop at maxBytesPerOwner of memory (its oldest end first); another caller still writes", async () => {
  const store = new MemorySessionStore({ maxBytesPerOwner: 8 * MiB, maxBytes: 20 * MiB });
  const { engine } = exagoEngine({}, { store });
  const body = JSON.stringify(arraysBatch());
  const send = (from: string) => postBatch(engine, body, from);
  try {
    const sessions: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await send('10.0.0.1');
      assert.is(res.status, 200);
      const items = res.body as Array<{ ReturnCode: string; ResponseContent: { Id?: string } }>;
      // Each session still holds what maxSessionBytes (1 MiB of JSON) lets it: 34 lists.
      assert.is(items.filter((item) => item.ReturnCode === '201').length, 1 + 1 + 33);
      sessions.push(items[0]!.ResponseContent.Id as string);
    }
    // A session of 34 lists of 10,000 "" counts about 3 MiB (8 bytes an item): two fit in 8 MiB,
    // the caller's older sessions ended (before, all 12 stayed: 12 MiB of JSON, 32 MiB of heap).
    assert.is(store.size, 2);
    assert.ok(store.bytes <= 8 * MiB, `${store.bytes}`);
    const other = await send('10.0.0.2');
    assert.is((other.body as Array<{ ReturnCode: string }>)[1]!.ReturnCode, '201');
    assert.is(store.size, 3);
  } finally {
    await engine.close();
  }
});

test('an idempotency record of arrays of "" takes no more memory than the store counts for it', async () => {
  const store = new MemorySessionStore();
  const { engine } = exagoEngine({}, { store });
  const body = JSON.stringify([
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'A', Values: new Array(10_000).fill('') } },
    ...Array.from({ length: 7 }, () => ({ Url: 'Parameters/A', Method: 'GET' })),
  ]);
  const send = (key: string, from: string) => postBatch(engine, body, from, { 'idempotency-key': key });
  try {
    // The same batches without keeping their answers, then with: the difference is the records.
    const plain = async (from: string) => {
      for (let i = 0; i < 30; i++) {
        const res = await postBatch(engine, body, from);
        assert.is(res.status, 200);
      }
    };
    await plain('10.0.0.9');
    const base = heapUsed();
    await plain('10.0.0.8');
    const sessions = heapUsed() - base;
    const before = heapUsed();
    const records0 = store.records.bytes;
    for (let i = 0; i < 30; i++) {
      const res = await send(`k${i}`, '10.0.0.7');
      assert.is(res.headers['idempotency-status'], undefined);
    }
    const records = heapUsed() - before - sessions;
    const counted = store.records.bytes - records0;
    assert.is(store.records.count, 30);
    // About 7 × 10,000 × 3 characters of JSON an answer: 30 answers, 6 MiB of text.
    assert.ok(counted > 5 * MiB, `${counted}`);
    assert.ok(records <= counted, `the records took ${records} bytes of heap, counted ${counted}`);
    // A replay is parsed from the kept text: the same answer.
    const replay = await send('k0', '10.0.0.7');
    assert.is(replay.headers['idempotent-replayed'], 'true');
    assert.is((replay.body as unknown[]).length, 9);
  } finally {
    await engine.close();
  }
});

test.run();
