// A call waiting for its retry (after a 429 or 503 with Retry-After) holds a timer. Its signal's
// abort and its client's close() settle the call at once and clear that timer: an aborted call or a
// closed client neither keeps the process alive until the retry would have come due, nor sends the
// retry then. Retry-After asks for an hour here, so a call left waiting is seen as still pending and
// its timer as still active; no time is measured.
import { type AnyResult, ClientError, createClient, type Transport, type WireRequest } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];
const HOUR_MS = 3_600_000;
/** Lets the retry wait its hour (the default maxDelayMs would cut it to 5 s). */
const RETRY = { maxDelayMs: HOUR_MS };

/** After the microtasks queued so far, and the I/O callbacks due now. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Timers that keep the process alive, counted once the timer that started the test (uvu runs tests from one) has returned. */
async function activeTimers(): Promise<number> {
  await turn();
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

/** What a promise came to so far: `pending`, `ok <status>`, or the code it rejected with. */
function watch(promise: Promise<AnyResult>): () => string {
  let state = 'pending';
  promise.then(
    (r) => {
      state = `ok ${r.status}`;
    },
    (error: unknown) => {
      state = error instanceof ClientError ? error.code : String(error);
    },
  );
  return () => state;
}

/** A client of any path over `transport`, whose retries may wait an hour. */
interface LooseClient {
  GET(path: string, init?: object): Promise<AnyResult>;
  close(): Promise<void>;
}
const looseClient = (transport: Transport) => createClient<unknown>({ transport, retry: RETRY }) as unknown as LooseClient;

/** A transport that answers every request 503 with `Retry-After: 3600` and keeps what it was sent. */
function busyTransport(): Transport & { sent: WireRequest[] } {
  const sent: WireRequest[] = [];
  return {
    sent,
    send: async (request) => {
      sent.push(request);
      return { status: 503, headers: { 'retry-after': '3600', 'content-type': 'application/json' }, body: { code: 'BUSY' } };
    },
  };
}

const timers = suite('client retry timers');

timers('an aborted call waiting for its retry rejects ABORTED at once, its timer cleared, and is never sent again', async () => {
  const transport = busyTransport();
  const client = looseClient(transport);
  const before = await activeTimers();
  const controller = new AbortController();
  const call = client.GET('/api/things', { signal: controller.signal });
  const state = watch(call);
  try {
    await turn();
    assert.is(transport.sent.length, 1);
    assert.is(state(), 'pending', 'waiting for its retry');
    assert.is(await activeTimers(), before + 1, 'the retry timer');
    controller.abort();
    await turn();
    assert.is(state(), 'ABORTED');
    assert.is(await activeTimers(), before, 'no timer left to keep the process alive');
    assert.is(transport.sent.length, 1);
  } finally {
    controller.abort();
    await client.close();
  }
});

timers('close() fails a call waiting for its retry with CLIENT_CLOSED at once, its timer cleared', async () => {
  const transport = busyTransport();
  const client = looseClient(transport);
  const before = await activeTimers();
  const call = client.GET('/api/things');
  const state = watch(call);
  try {
    await turn();
    assert.is(state(), 'pending', 'waiting for its retry');
    assert.is(await activeTimers(), before + 1, 'the retry timer');
    await client.close();
    await turn();
    assert.is(state(), 'CLIENT_CLOSED');
    assert.is(await activeTimers(), before, 'no timer left to keep the process alive');
    assert.is(transport.sent.length, 1);
  } finally {
    await client.close();
  }
});

timers('a call whose answer asks for a retry after close() fails CLIENT_CLOSED and arms no timer', async () => {
  let answer!: () => void;
  const sent: WireRequest[] = [];
  const transport: Transport = {
    send: (request) => {
      sent.push(request);
      return new Promise((resolve) => {
        answer = () => resolve({ status: 429, headers: { 'retry-after': '3600' }, body: { code: 'BUSY' } });
      });
    },
  };
  const client = looseClient(transport);
  const before = await activeTimers();
  const state = watch(client.GET('/api/things'));
  await turn();
  assert.is(sent.length, 1);
  await client.close();
  answer();
  await turn();
  assert.is(state(), 'CLIENT_CLOSED');
  assert.is(await activeTimers(), before);
  assert.is(sent.length, 1);
});

timers.run();

for (const kind of KINDS) {
  const test = suite(`client retry cancelled over ${kind}`);

  test('close() fails batched and lone calls waiting for their retry at once; nothing is sent after it', () =>
    withClientWorld(kind, async (world) => {
      const c = world.client({ retry: RETRY });
      const flaky = { fail: 1, after: '3600' };
      const batched = watch(c.GET('/api/lab/flaky/{key}', { params: { path: { key: 'batched' }, query: flaky } }));
      const alone = watch(c.GET('/api/lab/flaky/{key}', { params: { path: { key: 'alone' }, query: flaky }, batch: false }));
      // Sent once both calls of the tick before it settled: both are answered and wait for their retry.
      assert.is((await c.GET('/api/lab/echo', { batch: false })).status, 200);
      assert.equal([batched(), alone()], ['pending', 'pending']);
      const sent = world.sent.length;
      await c.close();
      await turn();
      assert.equal([batched(), alone()], ['CLIENT_CLOSED', 'CLIENT_CLOSED']);
      assert.equal([world.lab.calls.get('batched'), world.lab.calls.get('alone')], [1, 1]);
      assert.is(world.sent.length, sent, 'nothing was sent after close()');
    }));

  test('an aborted call waiting for its retry rejects ABORTED at once; its retry is never sent', () =>
    withClientWorld(kind, async (world) => {
      const c = world.client({ retry: RETRY });
      const controller = new AbortController();
      const params = { path: { key: 'aborted' }, query: { fail: 1, after: '3600' } };
      const call = watch(c.GET('/api/lab/flaky/{key}', { params, signal: controller.signal }));
      assert.is((await c.GET('/api/lab/echo', { batch: false })).status, 200);
      assert.is(call(), 'pending');
      controller.abort();
      await turn();
      assert.is(call(), 'ABORTED');
      // The client goes on: a later call is answered, and the aborted one was not sent again.
      assert.is((await c.GET('/api/lab/echo')).status, 200);
      assert.is(world.lab.calls.get('aborted'), 1);
      await c.close();
    }));

  test.run();
}
