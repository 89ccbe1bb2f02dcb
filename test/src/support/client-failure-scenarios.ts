import { getEventListeners } from 'node:events';
import { ClientError } from '@restbatch/client';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './client-harness.js';

/** The client's failures, the same through every transport: refused batches, retries, re-sending, abort, bad retries. */
export function failureScenarios(test: Test, kind: TransportKind): void {
  test('a batch refused whole rejects every call in it with that error', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client({ endpoints: { '/api/$batch': { dialect: 'odata', maxItems: 10 } } });
      const settled = await Promise.allSettled([1, 2, 3, 4].map((i) => c.GET('/api/lab/echo', { params: { query: { i } } })));
      for (const s of settled) {
        assert.is(s.status, 'rejected');
        const error = (s as PromiseRejectedResult).reason as ClientError;
        assert.instance(error, ClientError);
        assert.is(error.code, 'BATCH_REJECTED');
        assert.is(error.status, 400);
        assert.is(error.serverCode, 'BATCH_TOO_MANY_REQUESTS');
      }
    }));

  test('a GET answered 503 with Retry-After is retried (bounded); a POST is not', () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client();
      const [get, post, stubborn] = await Promise.all([
        c.GET('/api/lab/flaky/{key}', { params: { path: { key: 'g' } } }),
        c.POST('/api/lab/flaky/{key}', { params: { path: { key: 'p' } } }),
        c.GET('/api/lab/flaky/{key}', { params: { path: { key: 's' }, query: { fail: 5 } } }),
      ]);
      assert.is(get.status, 200);
      assert.is(get.data?.calls, 3);
      assert.is(post.status, 503);
      assert.is(lab.calls.get('p'), 1);
      assert.is(stubborn.status, 503);
      assert.is(lab.calls.get('s'), 3);
    }));

  test('the failed calls of a batch can be re-sent as a new batch', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch((b) => {
        b.GET('/api/lab/echo');
        b.GET('/api/lab/flaky/{key}', { params: { path: { key: 'r' }, query: { fail: 1 } } });
      });
      assert.equal(result.failed(), [1]);
      const again = await result.retryFailed();
      assert.ok(again.allOk());
      assert.equal(again.results[0]!.data, { calls: 2 });
    }));

  test('a call aborted before its tick ends leaves the batch; an aborted batch rejects its calls', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const controller = new AbortController();
      const aborted = c.GET('/api/lab/echo', { params: { query: { i: 1 } }, signal: controller.signal });
      const kept = c.GET('/api/lab/echo', { params: { query: { i: 2 } } });
      controller.abort();
      const error = await aborted.then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is(error?.code, 'ABORTED');
      assert.is((await kept).data?.query.i, '2');
      assert.equal(
        (sent[0]!.body as { requests: { url: string }[] }).requests.map((r) => r.url),
        ['lab/echo?i=2'],
      );

      const batchAbort = new AbortController();
      let call!: Promise<unknown>;
      const running = c.batch(
        (b) => {
          call = b.POST('/api/lab/gate/{name}', { params: { path: { name: 'a' } } }).result;
        },
        { signal: batchAbort.signal },
      );
      await until(() => sent.length === 2);
      batchAbort.abort();
      const batchError = await running.then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is(batchError?.code, 'ABORTED');
      const callError = await call.then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is((callError as ClientError | undefined)?.code, 'ABORTED');
    }));

  test('a POST with an Idempotency-Key header is retried after 503 like an idempotent call', () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client();
      const post = await c.POST('/api/lab/flaky/{key}', {
        params: { path: { key: 'k' }, query: { fail: 1 } },
        headers: { 'idempotency-key': 'k-1' },
      });
      assert.is(post.status, 201);
      assert.is(lab.calls.get('k'), 2);
    }));

  test('a batch for a path under no endpoint is refused with NO_BATCH_ENDPOINT', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client({ endpoints: {} });
      const error = await c
        .batch((b) => void b.GET('/api/lab/echo'))
        .then(
          () => undefined,
          (e: ClientError) => e,
        );
      assert.is(error?.code, 'NO_BATCH_ENDPOINT');
    }));

  test('a GET answered 429 waits for its Retry-After before the retry, cut to retry.maxDelayMs', () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client({ retry: { maxDelayMs: 150 } });
      const get = await c.GET('/api/lab/flaky/{key}', { params: { path: { key: 't' }, query: { fail: 1, status: 429, after: '1' } } });
      assert.is(get.status, 200);
      assert.is(lab.calls.get('t'), 2);
      const [first, second] = lab.times.get('t')!;
      const waited = second! - first!;
      // Retry-After: 1 asks for a second: the client waits, but no longer than maxDelayMs.
      assert.ok(waited >= 140, `retried after ${waited} ms, before the 150 ms it had to wait`);
      assert.ok(waited < 900, `retried after ${waited} ms: the 1 s Retry-After was not cut to maxDelayMs`);
    }));

  test('a Retry-After given as an HTTP date is waited for too, cut to retry.maxDelayMs', () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client({ retry: { maxDelayMs: 150, defaultDelayMs: 0 } });
      const after = new Date(Date.now() + 5000).toUTCString();
      const get = await c.GET('/api/lab/flaky/{key}', { params: { path: { key: 'd' }, query: { fail: 1, after } } });
      assert.is(get.status, 200);
      const [first, second] = lab.times.get('d')!;
      // Read as no Retry-After, the retry would go at once (defaultDelayMs 0).
      assert.ok(second! - first! >= 140, `retried after ${second! - first!} ms, before the 150 ms it had to wait`);
    }));

  test('retry.attempts 0 turns retrying off; a 429 POST without an Idempotency-Key is never retried', () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const off = client({ retry: { attempts: 0 } });
      const get = await off.GET('/api/lab/flaky/{key}', { params: { path: { key: 'o' }, query: { fail: 1 } } });
      assert.is(get.status, 503);
      assert.is(get.ok ? undefined : get.code, 'BUSY');
      assert.is(lab.calls.get('o'), 1);
      const c = client();
      const post = await c.POST('/api/lab/flaky/{key}', { params: { path: { key: 'q' }, query: { fail: 1, status: 429 } } });
      assert.is(post.status, 429);
      assert.is(lab.calls.get('q'), 1);
    }));

  test('a signal shared by many calls keeps no listener once they have settled', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const shutdown = new AbortController();
      await Promise.all([1, 2, 3].map((i) => c.GET('/api/lab/echo', { params: { query: { i } }, signal: shutdown.signal })));
      await c.batch((b) => void b.GET('/api/lab/echo', { signal: shutdown.signal }));
      assert.is(getEventListeners(shutdown.signal, 'abort').length, 0);
    }));

  test('a call whose signal is already aborted rejects with ABORTED and is never sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const error = await c.GET('/api/lab/echo', { signal: AbortSignal.abort() }).then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.instance(error, ClientError);
      assert.is(error?.code, 'ABORTED');
      assert.is(error?.message, 'GET /api/lab/echo was aborted');
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.is(sent.length, 0);
    }));

  test('a plain call aborted while its batch runs rejects with ABORTED; the other calls of the batch settle', () =>
    withClientWorld(kind, async ({ client, lab, sent }) => {
      const c = client();
      const controller = new AbortController();
      const first = c.GET('/api/lab/echo', { params: { query: { i: 1 } } });
      const gated = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'b' } }, signal: controller.signal });
      const last = c.GET('/api/lab/echo', { params: { query: { i: 3 } } });
      assert.is((await first).data?.query.i, '1');
      assert.is(sent.length, 1);
      controller.abort();
      const error = await gated.then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is(error?.code, 'ABORTED');
      lab.gate('b').open();
      assert.is((await last).data?.query.i, '3');
    }));

  test("an explicit batch's call aborted by its own signal rejects with ABORTED; the batch answers every call", () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client();
      const controller = new AbortController();
      let gated!: Promise<unknown>;
      let before!: Promise<unknown>;
      const running = c.batch((b) => {
        before = b.GET('/api/lab/echo', { params: { query: { i: 0 } } }).result;
        gated = b.POST('/api/lab/gate/{name}', { params: { path: { name: 'c' } }, signal: controller.signal }).result;
      });
      await before;
      controller.abort();
      const error = await gated.then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is((error as ClientError | undefined)?.code, 'ABORTED');
      lab.gate('c').open();
      const result = await running;
      assert.equal(
        result.results.map((r) => r.status),
        [200, 201],
      );
    }));

  test('re-sending failed calls that refer to another call of their batch is refused with REFERENCE_IN_RETRY', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch((b) => {
        const echo = b.GET('/api/lab/echo', { params: { query: { i: 1 } } });
        b.GET('/api/lab/flaky/{key}', { params: { path: { key: echo.ref('/body/query/i') }, query: { fail: 5 } } });
      });
      assert.equal(result.failed(), [1]);
      const error = await result.retryFailed().then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is(error?.code, 'REFERENCE_IN_RETRY');
      assert.match(error?.message ?? '', /refers to another call of its batch/);
    }));
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
