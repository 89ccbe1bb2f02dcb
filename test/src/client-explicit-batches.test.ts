// Explicit batches: OData's atomic policy over the builder's groups, retryFailed on Exago and with
// nothing failed, the Exago session forgotten once deleted, a call whose signal was aborted already.
import type { ClientError } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: TransportKind[] = ['direct', 'http', 'ws'];
const CLAIM = { data: { attributes: { description: 'hail' } } };
type Requests = { requests: { atomicityGroup?: string }[] };
const codeOf = (r: { ok: boolean; code?: string | undefined }) => (r.ok ? undefined : r.code);

for (const kind of KINDS) {
  const test = suite(`client explicit batches over ${kind}`);

  test("onFail: 'atomic' over OData puts every call in one group, the builder's groups too, and rolls them all back", () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const count = async () => ((await c.GET('/rest/claim/v1/claims')).data as { data: unknown[] }).data.length;
      const before = await count();
      const from = sent.length;
      const first = await c.batch(
        (b) => {
          b.atomic(() => b.POST('/rest/claim/v1/claims', { body: CLAIM }));
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
        },
        { onFail: 'atomic' },
      );
      const middle = await c.batch(
        (b) => {
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
          b.atomic(() => b.POST('/rest/claim/v1/claims', { body: CLAIM }));
          b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } });
        },
        { onFail: 'atomic' },
      );
      assert.equal(
        first.results.map((r) => r.status),
        [424, 404],
      );
      assert.is(codeOf(first.results[0]!), 'ROLLED_BACK');
      assert.equal(
        middle.results.map((r) => [r.status, codeOf(r)]),
        [
          [424, 'ROLLED_BACK'],
          [424, 'ROLLED_BACK'],
          [404, 'NOT_FOUND'],
        ],
      );
      const groups = sent.slice(from).map((r) => (r.body as Requests).requests.map((i) => i.atomicityGroup));
      assert.equal(groups, [
        ['all', 'all'],
        ['all', 'all', 'all'],
      ]);
      assert.is(await count(), before);
    }));

  test("retryFailed() of an Exago batch re-sends its failed calls as ordinary calls in the batch's session, in order", () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const result = await c.batch(
        (b) => {
          b.POST('/rest/Sessions');
          b.GET('/rest/Parameters/{id}', { params: { path: { id: 'Later' } } });
          b.GET('/rest/Roles');
          // (An Exago batch carries no headers per call: a call with its own is refused, client-uncarried-calls.)
          b.GET('/rest/Parameters/{id}', { params: { path: { id: 'Later' } } });
        },
        { onFail: 'continue' },
      );
      assert.equal(
        result.results.map((r) => r.status),
        [201, 404, 200, 404],
      );
      const sid = (result.results[0]!.data as { Id: string }).Id;
      // Another session opened since: the retry still runs in the batch's own.
      await c.POST('/rest/Sessions');
      assert.is.not(c.session, sid);
      const made = await c.POST('/rest/Parameters', { params: { query: { sid } }, body: { Id: 'Later', Value: 'EU', IsHidden: false } });
      assert.is(made.status, 201);
      const from = sent.length;
      const again = await result.retryFailed();
      assert.equal(
        again.results.map((r) => [r.status, (r.data as { Value?: string } | undefined)?.Value]),
        [
          [200, 'EU'],
          [200, 'EU'],
        ],
      );
      assert.equal([again.status, again.allOk(), again.failed(), again.summary], [200, true, [], { succeeded: 2, failed: 0, skipped: 0 }]);
      assert.equal(
        sent.slice(from).map((r) => [r.method, r.url]),
        [
          ['GET', `/rest/Parameters/Later?sid=${sid}`],
          ['GET', `/rest/Parameters/Later?sid=${sid}`],
        ],
      );
    }));

  test("retryFailed() of an Exago batch with onFail: 'stop' sends no call after a failure; atomic is refused", () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const result = await c.batch(
        (b) => {
          b.POST('/rest/Sessions');
          b.GET('/rest/Parameters/{id}', { params: { path: { id: 'Nope' } } });
          b.GET('/rest/Parameters/{id}', { params: { path: { id: 'Never' } } });
        },
        { onFail: 'continue' },
      );
      const from = sent.length;
      const again = await result.retryFailed({ onFail: 'stop' });
      assert.equal(
        again.results.map((r) => [r.status, codeOf(r)]),
        [
          [404, 'NOT_FOUND'],
          [424, 'SKIPPED'],
        ],
      );
      assert.equal(again.summary, { succeeded: 0, failed: 1, skipped: 1 });
      assert.is(sent.length, from + 1);
      const atomic = await result.retryFailed({ onFail: 'atomic' }).then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is(atomic?.code, 'UNSUPPORTED');
      assert.is(sent.length, from + 1);
    }));

  test('retryFailed() when nothing failed resolves with an empty result and sends nothing', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const odata = await c.batch((b) => void b.GET('/api/lab/echo'));
      const exago = await c.batch((b) => void b.POST('/rest/Sessions'));
      const from = sent.length;
      for (const result of [odata, exago]) {
        const again = await result.retryFailed();
        assert.equal(
          [again.results, again.allOk(), again.failed(), again.summary, again.status],
          [[], true, [], { succeeded: 0, failed: 0, skipped: 0 }, 200],
        );
      }
      assert.is(sent.length, from);
    }));

  test('deleting the kept Exago session forgets it: later calls name no session; a failed delete keeps it', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      await c.POST('/rest/Sessions');
      const sid = c.session!;
      const other = await c.DELETE('/rest/Sessions/{sid}', { params: { path: { sid: 'not-a-session' } } });
      assert.not.ok(other.ok);
      assert.is(c.session, sid);
      const deleted = await c.DELETE('/rest/Sessions/{sid}', { params: { path: { sid } } });
      assert.ok(deleted.ok);
      assert.is(c.session, undefined);
      await c.GET('/rest/Roles');
      assert.is(sent.at(-1)!.url, '/rest/Roles');
    }));

  test('an explicit call whose signal is already aborted rejects with ABORTED; it keeps its place in the batch', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      let aborted!: Promise<unknown>;
      const result = await c.batch((b) => {
        aborted = b.GET('/api/lab/echo', { params: { query: { i: 1 } }, signal: AbortSignal.abort() }).result;
        b.GET('/api/lab/echo', { params: { query: { i: 2 } } });
      });
      const error = await aborted.then(
        () => undefined,
        (e: ClientError) => e,
      );
      assert.is(error?.code, 'ABORTED');
      assert.equal(
        result.results.map((r) => r.status),
        [200, 200],
      );
    }));

  test.run();
}
