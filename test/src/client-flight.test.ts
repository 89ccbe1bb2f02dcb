// The automatic batcher's requests over every transport: a later tick waits for the calls of the
// earlier one to settle (not for its response to end), and Exago calls a batch cannot carry go alone.
import { ClientError } from '@restbatch/client';
import type { EngineRequest } from '@restbatch/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ClientWorld, type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];
const CLAIM = { params: { path: { claimId: 'cc:22' } } } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `promise` at most `ms`: its value, or `'stalled'` (the gate the test holds shut is opened only after). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'stalled'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function rejection(promise: Promise<unknown>): Promise<ClientError | undefined> {
  return promise.then(
    () => undefined,
    (error: ClientError) => error,
  );
}

/** The top-level requests the engine was asked to run (sub-requests of a batch are not among them). */
function watchRequests(world: ClientWorld): EngineRequest[] {
  const seen: EngineRequest[] = [];
  const engine = world.engine as { dispatch: (request: EngineRequest) => unknown };
  const dispatch = engine.dispatch.bind(engine);
  engine.dispatch = (request) => {
    seen.push(request);
    return dispatch(request);
  };
  return seen;
}

for (const kind of KINDS) {
  const test = suite(`client requests over ${kind}`);

  test('a call sent alone and aborted while the server holds it does not stall the calls of later ticks', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const controller = new AbortController();
      const slow = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } }, signal: controller.signal, batch: false });
      await sleep(20);
      const later = Promise.all([c.GET('/api/lab/echo', { batch: false }), c.GET('/rest/claim/v1/claims/{claimId}', CLAIM)]);
      await sleep(20);
      controller.abort();
      assert.is((await rejection(slow))?.code, 'ABORTED');
      // The gate stays shut until the test ends: on the old batcher the later calls waited for it.
      const answered = await within(later, 2000);
      assert.ok(answered !== 'stalled', 'the later calls settled while the aborted call was still held by the server');
      assert.equal(
        answered.map((r) => r.status),
        [200, 200],
      );
      // The request of the aborted call was aborted.
      assert.is(sent[0]!.signal?.aborted, true);
    }));

  test('a batched call aborted while the server holds it does not stall the calls of later ticks', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const controller = new AbortController();
      const first = c.GET('/api/lab/echo', { params: { query: { i: 1 } } });
      const slow = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } }, signal: controller.signal });
      assert.is((await first).status, 200);
      const later = Promise.all([c.GET('/api/lab/echo', { params: { query: { i: 2 } } }), c.GET('/rest/claim/v1/claims/{claimId}', CLAIM)]);
      await sleep(20);
      assert.is(sent.length, 1, 'the later tick waits while a call of the earlier one waits');
      controller.abort();
      assert.is((await rejection(slow))?.code, 'ABORTED');
      const answered = await within(later, 2000);
      assert.ok(answered !== 'stalled', 'the later calls settled while the aborted call was still held by the server');
      assert.equal(
        answered.map((r) => r.status),
        [200, 200],
      );
      assert.equal(
        sent.map((r) => r.url),
        ['/api/$batch', '/api/$batch', '/rest/claim/v1/$batch'],
      );
    }));

  test('a call aborted while the batches before it in its tick run leaves its own batch', () =>
    withClientWorld(kind, async ({ client, lab, sent }) => {
      const c = client({ endpoints: { '/api/$batch': { dialect: 'odata', maxItems: 2 } } });
      const controller = new AbortController();
      const echo = (i: number, signal?: AbortSignal) => c.GET('/api/lab/echo', { params: { query: { i } }, signal });
      const calls = [echo(0), c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } } }), echo(2), echo(3, controller.signal)];
      await sleep(20);
      assert.is(sent.length, 1);
      controller.abort();
      lab.gate('slow').open();
      const settled = await Promise.allSettled(calls);
      assert.equal(
        settled.map((s) => s.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
      );
      assert.is(((settled[3] as PromiseRejectedResult).reason as ClientError).code, 'ABORTED');
      assert.equal(
        sent.map((r) => (r.body as { requests: unknown[] }).requests.length),
        [2, 1],
      );
    }));

  test("a later tick's calls wait until the calls of the earlier tick settle, so order holds across ticks", () =>
    withClientWorld(kind, async ({ client, lab, sent }) => {
      const c = client();
      const slow = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } } });
      slow.catch(() => undefined);
      await sleep(10);
      let settled = false;
      const later = c.GET('/api/lab/echo').then((r) => {
        settled = true;
        return r;
      });
      await sleep(50);
      assert.is(settled, false);
      assert.is(sent.length, 1);
      lab.gate('slow').open();
      assert.is((await slow).status, 201);
      assert.is((await later).status, 200);
      assert.is(sent.length, 2);
    }));

  test('Exago calls under Sessions/ made in the tick of POST Sessions go alone, in call order', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const opened = await c.POST('/rest/Sessions');
      const sid = (opened.data as { Id: string }).Id;
      const [session, read, role, list] = await Promise.all([
        c.POST('/rest/Sessions'),
        c.GET('/rest/Sessions/{sid}', { params: { path: { sid } } }),
        c.PATCH('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { IsActive: true } }),
        c.GET('/rest/Parameters'),
      ]);
      assert.equal([session.status, read.status, role.status, list.status], [201, 200, 204, 200]);
      const next = c.session;
      assert.is.not(next, sid);
      assert.equal(
        sent.map((r) => `${r.method} ${r.url.replace(/\?.*/, '')}`),
        ['POST /rest/batch', 'POST /rest/batch', `GET /rest/Sessions/${sid}`, 'PATCH /rest/Roles/MyRole', 'GET /rest/Parameters'],
      );
      assert.equal((sent[1]!.body as unknown[]).length, 1);
      assert.is(sent[3]!.url, `/rest/Roles/MyRole?sid=${next}`);
    }));

  test('an Exago call with headers of its own goes alone, so its headers reach the server', () =>
    withClientWorld(kind, async (world) => {
      const seen = watchRequests(world);
      const c = world.client();
      const [session, role] = await Promise.all([
        c.POST('/rest/Sessions'),
        c.PATCH('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { IsActive: true }, headers: { 'if-match': '"v1"' } }),
      ]);
      assert.equal([session.status, role.status], [201, 204]);
      assert.equal(
        seen.map((r) => `${r.method} ${r.url.replace(/\?.*/, '')}`),
        ['POST /rest/batch', 'PATCH /rest/Roles/MyRole'],
      );
      const headers = seen[1]!.headers as Record<string, string | string[] | undefined>;
      assert.is(headers['if-match'], '"v1"');
    }));

  test.run();
}
