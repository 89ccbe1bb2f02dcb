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
      // An in-process engine gets no signal for an automatic batch (Transport.inProcess): it runs to its end.
      if (kind === 'direct') assert.is(sent[0]!.signal, undefined);
      else assert.is(sent[0]!.signal?.aborted, true);
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
      if (kind === 'direct') assert.is(sent[1]!.signal, undefined);
      else assert.is(sent[1]!.signal?.aborted, false);
      lab.gate('a').open();
      assert.is((await kept).status, 201);
    }));
  test.run();
}
