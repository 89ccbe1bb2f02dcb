import { getEventListeners } from 'node:events';
import { ClientError } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './client-harness.js';

const CLAIM = { data: { attributes: { description: 'hail' } } };

/** The client's behaviour, the same through every transport. */
export function clientSuite(kind: TransportKind) {
  const test = suite(`client over ${kind}`);

  test('calls made in one tick travel as one Exago batch, in call order, and the session is kept for ordinary calls', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const [session, role, parameter] = await Promise.all([
        c.POST('/rest/Sessions'),
        c.PATCH('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { IsActive: true } }),
        c.POST('/rest/Parameters', { body: { Id: 'Region', Value: 'EU', IsHidden: false } }),
      ]);
      assert.equal([session.status, role.status, parameter.status], [201, 204, 201]);
      assert.is(sent.length, 1);
      assert.equal(
        (sent[0]!.body as { Url: string; Method: string }[]).map((i) => `${i.Method} ${i.Url}`),
        ['POST Sessions', 'PATCH Roles/MyRole', 'POST Parameters'],
      );
      assert.is(c.session, (session.data as { Id: string }).Id);
      const list = await c.GET('/rest/Parameters');
      assert.is(list.status, 200);
      assert.equal(
        (list.data as { Id: string }[]).map((p) => p.Id),
        ['Region'],
      );
      assert.is(sent[1]!.url, `/rest/Parameters?sid=${c.session}`);
    }));

  test('Exago calls past maxItems, or not opened by POST Sessions, are sent alone in the session the batch opened', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: { '/rest/batch': { dialect: 'exago', maxItems: 2 } } });
      const [session, role, list] = await Promise.all([
        c.POST('/rest/Sessions'),
        c.PATCH('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { IsActive: true } }),
        c.GET('/rest/Parameters'),
      ]);
      assert.equal([session.status, role.status, list.status], [201, 204, 200]);
      const sid = (session.data as { Id: string }).Id;
      assert.equal(
        sent.map((r) => r.url),
        ['/rest/batch', `/rest/Parameters?sid=${sid}`],
      );
      const roles = await c.GET('/rest/Roles');
      assert.is(roles.status, 200);
      assert.is(sent[2]!.url, `/rest/Roles?sid=${sid}`);
    }));

  test('a tick larger than maxItems is split into batches that keep call order', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: { '/api/$batch': { dialect: 'odata', maxItems: 2 } } });
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => c.GET('/api/lab/echo', { params: { query: { i } } })));
      assert.equal(
        results.map((r) => r.data?.query.i),
        ['0', '1', '2', '3', '4'],
      );
      assert.equal(
        sent.map((r) => (r.body as { requests: unknown[] }).requests.length),
        [2, 2, 1],
      );
    }));

  test('a call with batch: false is sent alone as an ordinary request', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const [alone, batched] = await Promise.all([
        c.GET('/api/lab/echo', { params: { query: { i: 1 } }, batch: false }),
        c.GET('/api/lab/echo', { params: { query: { i: 2 } } }),
      ]);
      assert.is(alone.data?.query.i, '1');
      assert.is(batched.data?.query.i, '2');
      assert.equal(
        sent.map((r) => r.url),
        ['/api/lab/echo?i=1', '/api/$batch'],
      );
    }));

  test('an explicit OData batch passes a reference from the call that created a claim to the next one', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch((b) => {
        const created = b.POST('/rest/claim/v1/claims', { body: CLAIM });
        const read = b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: created.ref('/body/data/id') } } });
        return { created, read };
      });
      assert.ok(result.allOk());
      assert.equal(result.summary, { succeeded: 2, failed: 0, skipped: 0 });
      const created = await result.calls.created.result;
      const read = await result.calls.read.result;
      assert.is((read.data as { data: { id: string } }).data.id, (created.data as { data: { id: string } }).data.id);
    }));

  test('an explicit Exago batch reads the parameter it created through a reference, and keeps the session', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch((b) => {
        b.POST('/rest/Sessions');
        const p = b.POST('/rest/Parameters', { body: { Id: 'Zone', Value: 'EU', IsHidden: true } });
        b.GET('/rest/Parameters/{id}', { params: { path: { id: p.ref('/body/Id') } } });
      });
      assert.equal(
        result.results.map((r) => r.status),
        [201, 201, 200],
      );
      assert.is((result.results[2]!.data as { Value: string }).Value, 'EU');
      assert.ok(c.session);
    }));

  test('failure policy stop skips the calls after a failure; allOk, failed and summary say so', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch(
        (b) => {
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
        },
        { onFail: 'stop' },
      );
      assert.not.ok(result.allOk());
      assert.equal(result.failed(), [0, 1]);
      assert.equal(
        result.results.map((r) => r.status),
        [404, 424],
      );
      assert.equal(result.summary, { succeeded: 0, failed: 1, skipped: 1 });
      const first = result.results[0]!;
      assert.is(first.ok ? undefined : first.code, 'NOT_FOUND');
    }));

  test('failure policy continue runs the calls after a failure, over Exago and OData alike', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const odata = await c.batch(
        (b) => {
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
        },
        { onFail: 'continue' },
      );
      assert.equal(
        odata.results.map((r) => r.status),
        [404, 200],
      );
      assert.equal(odata.summary, { succeeded: 1, failed: 1, skipped: 0 });
      const exago = await c.batch(
        (b) => {
          b.POST('/rest/Sessions');
          b.GET('/rest/Parameters/{id}', { params: { path: { id: 'Nope' } } });
          b.GET('/rest/Roles');
        },
        { onFail: 'continue' },
      );
      assert.equal(
        exago.results.map((r) => r.status),
        [201, 404, 200],
      );
      assert.is(sent[1]!.url, '/rest/batch?onFail=continue');
    }));

  test('an explicit batch sent twice with one Idempotency-Key runs once', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const send = () => c.batch((b) => void b.POST('/rest/claim/v1/claims', { body: CLAIM }), { idempotencyKey: 'client-key-1' });
      const first = await send();
      const second = await send();
      const third = await c.batch((b) => void b.POST('/rest/claim/v1/claims', { body: CLAIM }));
      const id = (r: typeof first) => (r.results[0]!.data as { data: { id: string } }).data.id;
      assert.is(id(second), id(first));
      assert.is.not(id(third), id(first));
    }));

  test("each call's promise settles when its own result arrives, before the batch ends", () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client();
      let slowDone = false;
      const fast = c.GET('/api/lab/echo', { params: { query: { i: 7 } } });
      const slow = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } } }).then((r) => {
        slowDone = true;
        return r;
      });
      assert.is((await fast).data?.query.i, '7');
      assert.not.ok(slowDone);
      lab.gate('slow').open();
      assert.is((await slow).data?.name, 'slow');
    }));

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

  test('Guidewire: reads in one tick go as one batch, and an explicit batch passes a reference and stops on failure', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: { '/rest/claim/v1/batch': 'guidewire' } });
      const reads = await Promise.all([
        c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
        c.GET('/rest/claim/v1/claims/{claimId}/activities/{activityId}', { params: { path: { claimId: 'cc:22', activityId: 'cc:55' } } }),
      ]);
      assert.equal(
        reads.map((r) => r.status),
        [200, 200],
      );
      assert.equal(sent[0]!.body, {
        requests: [
          { method: 'get', path: '/claims/cc:22' },
          { method: 'get', path: '/claims/cc:22/activities/cc:55' },
        ],
      });
      const made = await c.batch((b) => {
        const claim = b.POST('/rest/claim/v1/claims', { body: { data: { attributes: { description: 'flood' } } } });
        b.POST('/rest/claim/v1/claims/{claimId}/notes', {
          params: { path: { claimId: claim.ref('/body/data/id') } },
          body: { data: { attributes: { body: 'first note' } } },
        });
      });
      assert.equal(
        made.results.map((r) => r.status),
        [201, 201],
      );
      const stopped = await c.batch(
        (b) => {
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
        },
        { onFail: 'stop' },
      );
      assert.equal(stopped.summary, { succeeded: 0, failed: 1, skipped: 1 });
    }));

  test('an atomic OData batch rolls back the call before a failure', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch(
        (b) => {
          b.POST('/rest/claim/v1/claims', { body: CLAIM });
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
        },
        { onFail: 'atomic' },
      );
      assert.equal(
        result.results.map((r) => r.status),
        [424, 404],
      );
      const first = result.results[0]!;
      assert.is(first.ok ? undefined : first.code, 'ROLLED_BACK');
    }));

  test('an atomic group from the builder rolls back its own calls only; Exago refuses groups', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch((b) => {
        b.POST('/rest/claim/v1/claims', { body: CLAIM });
        b.atomic(() => {
          b.POST('/rest/claim/v1/claims', { body: CLAIM });
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
        });
      });
      assert.equal(
        result.results.map((r) => r.status),
        [201, 424, 404],
      );
      const error = await c
        .batch((b) => {
          b.POST('/rest/Sessions');
          b.atomic(() => b.GET('/rest/Roles'));
        })
        .then(
          () => undefined,
          (e: ClientError) => e,
        );
      assert.is(error?.code, 'UNSUPPORTED');
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

  return test;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
