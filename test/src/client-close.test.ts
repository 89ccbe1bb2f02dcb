// client.close() behaves alike on every transport (packages/client/README.md, "Closing"): it
// refuses new calls (CLIENT_CLOSED) and lets the calls already sent finish with their answers.
import { type AnyResult, ClientError } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';
import { until } from './support/until.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];

async function outcome(promise: Promise<AnyResult>): Promise<string> {
  try {
    return `ok ${(await promise).status}`;
  } catch (error) {
    return error instanceof ClientError ? `rejected ${error.code}` : String(error);
  }
}

for (const kind of KINDS) {
  const test = suite(`client close over ${kind}`);

  test('close() lets calls already sent finish (alone and batched) and refuses new ones with CLIENT_CLOSED', () =>
    withClientWorld(kind, async ({ client, sent, lab }) => {
      // Two clients: a call sent alone, and a batch (a client sends one request after the other).
      const c = client();
      const d = client();
      const alone = d.POST('/api/lab/gate/{name}', { params: { path: { name: 'a' } }, batch: false });
      const batched = [
        c.POST('/api/lab/gate/{name}', { params: { path: { name: 'b' } } }),
        c.POST('/api/lab/gate/{name}', { params: { path: { name: 'b' } } }),
      ];
      await until(() => sent.length === 2, 'both requests to be sent');
      let closed = false;
      const closing = Promise.all([c.close(), d.close()]).then(() => {
        closed = true;
      });
      for (const closedClient of [c, d]) {
        assert.is(await outcome(closedClient.GET('/api/lab/echo')), 'rejected CLIENT_CLOSED');
        assert.is(await outcome(closedClient.GET('/api/lab/echo', { batch: false })), 'rejected CLIENT_CLOSED');
      }
      lab.gate('a').open();
      lab.gate('b').open();
      assert.equal(await Promise.all([alone, ...batched].map(outcome)), ['ok 201', 'ok 201', 'ok 201']);
      await closing;
      assert.ok(closed);
      assert.is(sent.length, 2, 'nothing was sent after close()');
    }));

  test.run();
}
