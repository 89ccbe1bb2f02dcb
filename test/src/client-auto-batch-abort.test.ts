import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

for (const kind of ['direct', 'http', 'ws'] as TransportKind[]) {
  const test = suite(`automatic batch abort over ${kind}`);
  test('an automatic batch whose waiting calls were all aborted has its request aborted; one with a call still waiting has not', () =>
    withClientWorld(kind, async ({ client, sent, lab }) => {
      const c = client();
      const one = new AbortController();
      const first = c.GET('/api/lab/echo', { params: { query: { i: 1 } } });
      const slow = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } }, signal: one.signal });
      assert.is((await first).status, 200);
      one.abort();
      assert.is(
        await slow.then(
          () => 'resolved',
          (e) => e.code,
        ),
        'ABORTED',
      );
      assert.is(sent[0]!.signal?.aborted, true);
      const two = new AbortController();
      const held = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'a' } }, signal: two.signal });
      const kept = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'a' } } });
      await new Promise((r) => setTimeout(r, 20));
      two.abort();
      assert.is(
        await held.then(
          () => 'resolved',
          (e) => e.code,
        ),
        'ABORTED',
      );
      assert.is(sent[1]!.signal?.aborted, false);
      lab.gate('a').open();
      assert.is((await kept).status, 201);
    }));
  test('an automatic batch none of whose calls has a signal is sent without one: nothing can abort it', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const [a, b] = await Promise.all([
        c.GET('/api/lab/echo', { params: { query: { i: 1 } } }),
        c.GET('/api/lab/echo', { params: { query: { i: 2 } } }),
      ]);
      assert.equal([a.status, b.status], [200, 200]);
      assert.is(sent.length, 1);
      assert.is(sent[0]!.signal, undefined);
    }));

  // WebSocket has no cancel of one request (packages/client/README.md): the server runs the batch on.
  if (kind !== 'ws')
    test("the aborted calls of an automatic batch do not run after the next tick's call: their request is aborted, in-process too", () =>
      withClientWorld(kind, async ({ client, lab }) => {
        const c = client();
        const ac = new AbortController();
        const q = { fail: 0 };
        const gated = c.POST('/api/lab/gate/{name}', { params: { path: { name: 'slow' } }, signal: ac.signal }).catch((e) => e.code);
        const write = c.POST('/api/lab/flaky/{key}', { params: { path: { key: 'k' }, query: q }, signal: ac.signal }).catch((e) => e.code);
        await new Promise((r) => setTimeout(r, 30));
        ac.abort();
        assert.equal(await Promise.all([gated, write]), ['ABORTED', 'ABORTED']);
        const next = await c.POST('/api/lab/flaky/{key}', { params: { path: { key: 'k' }, query: q } });
        assert.ok(next.ok, `the next tick's write answered ${next.status}`);
        lab.gate('slow').open();
        await new Promise((r) => setTimeout(r, 50));
        // Only the next tick's write ran: the aborted one was skipped with its batch.
        assert.is(lab.calls.get('k'), 1);
      }));

  test.run();
}
