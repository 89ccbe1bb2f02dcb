import { ClientError } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failureScenarios } from './client-failure-scenarios.js';
import { type TransportKind, withClientWorld } from './client-harness.js';

const CLAIM = { data: { attributes: { description: 'hail' } } };

/** The client's behaviour, the same through every transport: batching, references, policies, streaming; failures apart. */
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

  failureScenarios(test, kind);

  return test;
}
