// The client's WebSocket transport against a real server with its per-connection limits: what works
// over HTTP works over WebSocket (requests running at once, message rate, message size).
import { type AnyResult, ClientError, type Transport, type WireResponse } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { type Kind, withLimitsWorld } from './support/ws-limits-world.js';

const hold = (name: string) => ({ params: { path: { name } } });

/** A transport wrapper that keeps the status of every answer. */
function recording(statuses: number[]) {
  return (inner: Transport): Transport => ({
    send: async (request) => {
      const response: WireResponse = await inner.send(request);
      statuses.push(response.status);
      return response;
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  });
}

/** What a promise settled with, as a string for assertions: its status, or the code it rejected with. */
function outcome(promise: Promise<{ status: number }>): Promise<number | string> {
  return promise.then(
    (value) => value.status,
    (error: ClientError) => error.code ?? String(error),
  );
}

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: ClientError) => error,
  );
}

for (const kind of ['http', 'ws'] as Kind[]) {
  test(`over ${kind}, twenty explicit batches held by a slow handler all answer 200 (over WebSocket at most 16 run at once)`, () =>
    withLimitsWorld({}, async ({ lab, client }) => {
      const c = client(kind);
      const batches = Array.from({ length: 20 }, (_, i) => c.batch((b) => [b.POST('/api/lab/hold/{name}', hold(`h${i}`))]));
      const outcomes = Promise.all(batches.map(outcome));
      await until(() => lab.running >= 16, '16 handlers to hold');
      lab.open();
      assert.equal(await outcomes, Array(20).fill(200));
      assert.ok((await Promise.all(batches)).every((r) => r.allOk()));
      if (kind === 'ws') assert.is(lab.maxRunning, 16);
    }));

  test(`over ${kind}, two hundred one-call explicit batches made at once all succeed`, () =>
    withLimitsWorld({}, async ({ client }) => {
      const c = client(kind);
      const batches = Array.from({ length: 200 }, () => c.batch((b) => [b.GET('/api/lab/ping')]));
      assert.equal(await Promise.all(batches.map(outcome)), Array(200).fill(200));
      assert.ok((await Promise.all(batches)).every((r) => r.allOk()));
    }));
}

test('sends are paced to the message budget: 60 requests against a budget of 10 per 100 ms all succeed on one connection', () =>
  withLimitsWorld({ maxConcurrent: 1000, maxMessagesPerWindow: 10, messageWindowMs: 100 }, async ({ client }) => {
    const c = client('ws', { maxConcurrent: 1000, maxMessagesPerWindow: 10, messageWindowMs: 100 });
    const batches = Array.from({ length: 60 }, () => c.batch((b) => [b.GET('/api/lab/ping')]));
    assert.equal(await Promise.all(batches.map(outcome)), Array(60).fill(200));
    assert.ok((await Promise.all(batches)).every((r) => r.allOk()));
  }));

test('calls aborted while the server holds them keep their slots until the server answers them: a later call waits, then runs, never 429', () =>
  withLimitsWorld({}, async ({ lab, client }) => {
    const statuses: number[] = [];
    const c = client('ws', {}, recording(statuses));
    const held = Array.from({ length: 16 }, (_, i) =>
      rejection(c.POST('/api/lab/hold/{name}', { ...hold(`a${i}`), batch: false, signal: AbortSignal.timeout(30) })),
    );
    await until(() => lab.running === 16, '16 handlers to hold');
    const errors = await Promise.all(held);
    assert.equal(
      errors.map((e) => e.code),
      Array(16).fill('ABORTED'),
    );
    const later = c.POST('/api/lab/echo', { body: { text: 'x' }, batch: false });
    const laterOutcome = outcome(later);
    // Long enough for a 429 to come back if the call were sent now; it waits for a slot instead.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(lab.log.includes('echo'), false);
    lab.open();
    assert.is(await laterOutcome, 201);
    const answer = (await later) as AnyResult;
    assert.equal(answer.data, { length: 1 });
    assert.is(lab.log.indexOf('echo'), lab.log.length - 1, 'the later call ran after every held handler ended');
    assert.ok(!statuses.includes(429), `statuses: ${statuses.join(', ')}`);
  }));

test('over WebSocket, a call too large for one message is refused alone (INVALID_CALL, 413): the connection stays up and a batch running beside it answers 200', () =>
  withLimitsWorld({}, async ({ lab, client }) => {
    const c = client('ws');
    const batch = c.batch((b) => [b.POST('/api/lab/hold/{name}', hold('beside'))]);
    const besides = outcome(batch);
    await until(() => lab.running === 1, 'the batch to run');
    const error = await rejection(c.POST('/api/lab/echo', { body: { text: 'x'.repeat(1_200_000) } }));
    assert.instance(error, ClientError);
    assert.is(error.code, 'INVALID_CALL');
    assert.is(error.status, 413);
    assert.match(error.message, /larger than 1114112 bytes/);
    lab.open();
    assert.is(await besides, 200);
    assert.ok((await batch).allOk());
    const after = (await c.POST('/api/lab/echo', { body: { text: 'y' } })) as AnyResult;
    assert.is(after.status, 201);
  }));

test('over HTTP, the same call gets the server 413 alone (for comparison: the WebSocket transport refuses it before sending)', () =>
  withLimitsWorld({}, async ({ lab, client }) => {
    const c = client('http');
    const batch = c.batch((b) => [b.POST('/api/lab/hold/{name}', hold('beside'))]);
    await until(() => lab.running === 1, 'the batch to run');
    const big = (await c.POST('/api/lab/echo', { body: { text: 'x'.repeat(1_200_000) }, batch: false })) as AnyResult;
    assert.is(big.status, 413);
    lab.open();
    assert.ok((await batch).allOk());
  }));

test('the message size is counted in UTF-8 bytes: multi-byte text past maxMessageBytes is refused, ASCII and surrogate pairs of the same length are not', () =>
  withLimitsWorld({}, async ({ client }) => {
    const c = client('ws', { maxMessageBytes: 2000 });
    const send = (text: string) => c.POST('/api/lab/echo', { body: { text }, batch: false });
    const euro = await rejection(send('€'.repeat(700)));
    assert.is(euro.code, 'INVALID_CALL');
    assert.is(((await send('e'.repeat(700))) as AnyResult).status, 201);
    // 400 emoji: 800 UTF-16 units, 1600 bytes (4 per pair, not 3 per unit).
    const emoji = (await send('😀'.repeat(400))) as AnyResult;
    assert.is(emoji.status, 201);
    assert.equal(emoji.data, { length: 800 });
  }));

test.run();
