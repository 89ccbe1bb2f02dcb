import 'reflect-metadata';
import { createEngine, exagoApi, Get, Resource } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

interface Item {
  ReturnCode: string;
  ResponseContent: Record<string, unknown> | null;
}

/** Counts the reads it answers, so a test can see whether a sub-request has started. */
@Resource('Counter')
class CounterResource {
  static reads = 0;

  @Get()
  read() {
    return { read: ++CounterResource.reads };
  }
}

function counterEngine() {
  CounterResource.reads = 0;
  const api = exagoApi();
  // A batch lets go of the loop after yieldIntervalMs (a turn then runs the microtasks): made long
  // here, so that a loaded machine's slow first batch does not yield where these tests look for no turn.
  return createEngine({
    apis: [{ ...api, resources: [...api.resources, CounterResource] }],
    logger: { error: () => {} },
    limits: { yieldIntervalMs: 10_000 },
  });
}

const SESSION = { Url: 'Sessions', Method: 'POST' };
const READ = { Url: 'Counter', Method: 'GET' };

function batch(body: unknown[], onResult: (item: unknown) => unknown) {
  return counterEngine().dispatch({
    method: 'POST',
    url: '/rest/batch',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    transport: 'direct',
    onResult: onResult as (item: unknown) => void,
  });
}

test('a reader that returns nothing gets every result in order, with no turn of the microtask queue per result', async () => {
  const codes: string[] = [];
  const turnedBefore: boolean[] = [];
  let turned = false;
  const res = await batch([SESSION, READ, READ, READ], (item) => {
    turnedBefore.push(turned);
    if (codes.length === 0) queueMicrotask(() => (turned = true));
    // `push` answers a number: only a promise pauses the batch.
    return codes.push((item as Item).ReturnCode);
  });
  assert.is(res.status, 200);
  assert.equal(codes, ['201', '200', '200', '200']);
  assert.equal(turnedBefore, [false, false, false, false]);
});

test("a reader's promise pauses the batch: the next sub-request starts only once it resolves", async () => {
  let release: () => void = () => undefined;
  let readsWhilePaused = -1;
  const seen: unknown[] = [];
  const done = batch([SESSION, READ, READ, READ], (item) => {
    seen.push((item as Item).ResponseContent?.read);
    if (seen.length !== 2) return undefined;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  readsWhilePaused = CounterResource.reads;
  release();
  const res = await done;
  assert.is(readsWhilePaused, 1);
  assert.equal(seen, [undefined, 1, 2, 3]);
  assert.equal(
    (res.body as Item[]).map((i) => i.ReturnCode),
    ['201', '200', '200', '200'],
  );
});

test('a reader whose promise rejects stops the batch: the rest is skipped, and still streamed in order', async () => {
  const codes: string[] = [];
  const res = await batch([SESSION, READ, READ, READ], (item) => {
    codes.push((item as Item).ReturnCode);
    return codes.length === 2 ? Promise.reject(new Error('the reader went away')) : undefined;
  });
  const answered = (res.body as Item[]).map((i) => i.ReturnCode);
  assert.equal(answered.slice(0, 2), ['201', '200']);
  assert.ok(
    answered.slice(2).every((code) => Number(code) >= 400),
    `after the rejection: ${answered.join(', ')}`,
  );
  assert.equal(codes, answered);
  assert.is(CounterResource.reads, 1);
});

test('a reader that throws stops the batch as a rejected promise does: the rest is skipped, and every result still streamed', async () => {
  const codes: string[] = [];
  const res = await batch([SESSION, READ, READ, READ], (item) => {
    codes.push((item as Item).ReturnCode);
    if (codes.length === 2) throw new Error('the reader broke');
  });
  assert.is(res.status, 200);
  const answered = (res.body as Item[]).map((i) => i.ReturnCode);
  assert.equal(answered.slice(0, 2), ['201', '200']);
  assert.ok(
    answered.slice(2).every((code) => Number(code) >= 400),
    `after the throw: ${answered.join(', ')}`,
  );
  assert.equal(codes, answered);
  assert.is(CounterResource.reads, 1);
});

test('a reader that throws while an atomic batch streams at its end still gets every result', async () => {
  const engine = counterEngine();
  const codes: string[] = [];
  const res = await engine.dispatch({
    method: 'POST',
    url: '/rest/batch?onFail=atomic',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([SESSION, READ, READ, READ]),
    transport: 'direct',
    streamOnly: true,
    onResult: (item) => {
      codes.push((item as Item).ReturnCode);
      if (codes.length === 2) throw new Error('the reader broke');
    },
  });
  assert.is(res.status, 200);
  assert.equal(codes, ['201', '200', '200', '200']);
});

test.run();
