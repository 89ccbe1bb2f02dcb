// Text a user writes stays text: plain calls travel in batches that say `RestBatch-References: none`
// with their path parameters encoded; an explicit batch escapes everything but its own references.
import type { ClientError, WireRequest } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: TransportKind[] = ['direct', 'http', 'ws'];
const TEXT = 'Costs ${0/status} dollars';
const claim = (description: string) => ({ data: { attributes: { description } } });
type ClaimBody = { data: { id: string; attributes: { description?: string } } };
const idOf = (data: unknown) => (data as ClaimBody).data.id;
const descriptionOf = (data: unknown) => (data as ClaimBody).data.attributes.description;
const header = (request: WireRequest | undefined, name: string) => request?.headers[name];

for (const kind of KINDS) {
  const test = suite(`client literal text over ${kind}`);

  test('every automatic batch says restbatch-references: none, in each dialect', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: { '/rest/batch': 'exago', '/rest/claim/v1/batch': 'guidewire', '/api/$batch': 'odata' } });
      const one = (id: string) => c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: id } } });
      const statuses = await Promise.all([one('cc:22'), one('cc:22')]);
      await Promise.all([c.POST('/rest/Sessions'), c.GET('/rest/Roles')]);
      await Promise.all([c.GET('/api/lab/echo'), c.GET('/api/lab/echo')]);
      assert.equal(
        statuses.map((r) => r.status),
        [200, 200],
      );
      assert.equal(
        sent.map((r) => [r.url, header(r, 'restbatch-references')]),
        [
          ['/rest/claim/v1/batch', 'none'],
          ['/rest/batch', 'none'],
          ['/api/$batch', 'none'],
        ],
      );
    }));

  test("a plain call's path parameter is percent-encoded whatever it holds, batched and alone", () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const claimId = 'cc:22/activities/cc:55?${';
      const read = (batch?: false) => c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId } }, batch });
      const [batched, other] = await Promise.all([
        read(),
        c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
      ]);
      const alone = await read(false);
      // Not Activity cc:55: the parameter is one segment, a claim id that names no claim.
      assert.equal([batched.status, other.status, alone.status], [404, 200, 404]);
      const encoded = 'cc:22%2Factivities%2Fcc:55%3F%24%7B';
      assert.equal(
        (sent[0]!.body as { requests: { url: string }[] }).requests.map((r) => r.url),
        [`claims/${encoded}`, 'claims/cc:22'],
      );
      assert.is(sent[1]!.url, `/rest/claim/v1/claims/${encoded}`);
    }));

  test("a plain call's path parameter holding ${0/status} reaches its handler as written", () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client();
      const name = 'gate ${0/status} $ref:0/status';
      lab.gate(name).open();
      const [echo, batched] = await Promise.all([c.GET('/api/lab/echo'), c.POST('/api/lab/gate/{name}', { params: { path: { name } } })]);
      const alone = await c.POST('/api/lab/gate/{name}', { params: { path: { name } } });
      const aloneUnbatched = await c.POST('/api/lab/gate/{name}', { params: { path: { name } }, batch: false });
      assert.is(echo.status, 200);
      assert.equal([batched.data?.name, alone.data?.name, aloneUnbatched.data?.name], [name, name, name]);
    }));

  test('plain text in a body, a query and a header travels as written in automatic batches', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const [echo, made] = await Promise.all([
        c.GET('/api/lab/echo', { params: { query: { i: TEXT as never } }, headers: { 'x-note': TEXT } }),
        c.POST('/rest/claim/v1/claims', { body: claim(TEXT) }),
      ]);
      assert.equal([echo.data?.query.i, descriptionOf(made.data)], [TEXT, TEXT]);
      type Item = { url: string; headers?: Record<string, string>; body?: unknown };
      const [read, write] = sent.map((r) => (r.body as { requests: Item[] }).requests[0]!);
      assert.is(read!.headers?.['x-note'], TEXT);
      assert.is(new URLSearchParams(read!.url.split('?')[1]).get('i'), TEXT);
      assert.equal(write!.body, claim(TEXT));
    }));

  test('a plain body with ${0/status} is stored as written: alone, after a GET in its tick, and beside an unclosed ${', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const alone = await c.POST('/rest/claim/v1/claims', { body: claim(TEXT) });
      const [read, after, unclosed] = await Promise.all([
        c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
        c.POST('/rest/claim/v1/claims', { body: claim(TEXT) }),
        c.POST('/rest/claim/v1/claims', { body: claim('a ${ b') }),
      ]);
      assert.equal([alone.status, read.status, after.status, unclosed.status], [201, 200, 201, 201]);
      assert.equal([descriptionOf(alone.data), descriptionOf(after.data), descriptionOf(unclosed.data)], [TEXT, TEXT, 'a ${ b']);
      const echoed = await c.GET('/api/lab/echo', { params: { query: { i: TEXT as never } } });
      assert.is(echoed.data?.query.i, TEXT);
    }));

  test('Exago and Guidewire plain calls keep a leading $ref: as text', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client({ endpoints: { '/rest/batch': 'exago', '/rest/claim/v1/batch': 'guidewire' } });
      const [session, made] = await Promise.all([
        c.POST('/rest/Sessions'),
        c.POST('/rest/Parameters', { body: { Id: 'Note', Value: '$ref:0/status', PromptText: TEXT } as never }),
      ]);
      assert.equal([session.status, made.status], [201, 201]);
      const read = await c.GET('/rest/Parameters/{id}', { params: { path: { id: 'Note' } } });
      assert.equal([(read.data as { Value: string }).Value, (read.data as { PromptText: string }).PromptText], ['$ref:0/status', TEXT]);
      const [, claimed] = await Promise.all([
        c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
        c.POST('/rest/claim/v1/claims', { body: claim('$ref:0/status') }),
      ]);
      assert.is(descriptionOf(claimed.data), '$ref:0/status');
    }));

  test('an explicit batch without references says restbatch-references: none and sends its text as written', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const result = await c.batch((b) => {
        b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
        b.POST('/rest/claim/v1/claims', { body: claim(TEXT), headers: { 'x-note': TEXT } });
        b.POST('/rest/claim/v1/claims', { body: claim('$$ref:kept') });
      });
      assert.is(header(sent[0], 'restbatch-references'), 'none');
      const items = (sent[0]!.body as { requests: { headers?: Record<string, string>; body?: unknown }[] }).requests;
      assert.equal([items[1]!.body, items[1]!.headers?.['x-note'], items[2]!.body], [claim(TEXT), TEXT, claim('$$ref:kept')]);
      assert.equal(
        result.results.map((r) => r.status),
        [200, 201, 201],
      );
      assert.equal([descriptionOf(result.results[1]!.data), descriptionOf(result.results[2]!.data)], [TEXT, '$$ref:kept']);
    }));

  test('an explicit batch with references escapes the text around them and sends no restbatch-references', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const result = await c.batch((b) => {
        const first = b.GET('/api/lab/echo', { params: { query: { i: 5 } } });
        const i = first.ref('/body/query/i');
        b.POST('/api/lab/flaky/{key}', {
          params: { path: { key: i }, query: { fail: 0, q: `${TEXT} ${i}` } as never },
          headers: { 'x-note': `$ref:0 ${TEXT}` },
          body: { note: `see ${i}: ${TEXT} $$\${ a \${ b`, whole: first.value('/status') },
        } as never);
      });
      assert.ok(result.allOk());
      assert.is(header(sent[0], 'restbatch-references'), undefined);
      const item = (sent[0]!.body as { requests: { url: string; headers?: Record<string, string>; body?: unknown }[] }).requests[1]!;
      assert.is(item.url.split('?')[0], 'lab/flaky/${0/body/query/i}');
      assert.is(new URLSearchParams(item.url.split('?')[1]).get('q'), 'Costs $${0/status} dollars ${0/body/query/i}');
      assert.is(item.headers?.['x-note'], '$$ref:0 Costs ${0/status} dollars');
      assert.equal(item.body, { note: 'see ${0/body/query/i}: Costs $${0/status} dollars $$$${ a $${ b', whole: '$ref:0/status' });
    }));

  test('in an explicit batch with references, user text stays text and the references resolve', () =>
    withClientWorld(kind, async ({ client, lab }) => {
      const c = client();
      const gate = 'gate ${0/status}';
      const result = await c.batch((b) => {
        const first = b.POST('/rest/claim/v1/claims', { body: claim(TEXT) });
        const id = first.ref('/body/data/id');
        const second = b.POST('/rest/claim/v1/claims', { body: claim(`copy of ${id}: ${TEXT}, $ref:0 and $\${ a \${ b`) });
        const read = b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: id } } });
        const tagged = b.POST('/rest/claim/v1/claims', { body: claim('$ref:0/status') });
        return { first, second, read, tagged };
      });
      assert.ok(result.allOk(), JSON.stringify(result.results.map((r) => r.status)));
      const first = await result.calls.first.result;
      const id = idOf(first.data);
      assert.is(descriptionOf(first.data), TEXT);
      assert.is(descriptionOf((await result.calls.second.result).data), `copy of ${id}: ${TEXT}, $ref:0 and $\${ a \${ b`);
      assert.is(idOf((await result.calls.read.result).data), id);
      assert.is(descriptionOf((await result.calls.tagged.result).data), '$ref:0/status');
      const mixed = await c.batch((b) => {
        const echo = b.GET('/api/lab/echo', { params: { query: { i: 7 } } });
        b.GET('/api/lab/echo', { params: { query: { i: `${TEXT} #${echo.ref('/body/query/i')}` as never } } });
        // A path parameter: its text encoded, the reference in it kept (the engine encodes what it resolves to).
        b.POST('/api/lab/gate/{name}', { params: { path: { name: `${gate} ${echo.ref('/body/query/i')}` } } });
        lab.gate(`${gate} 7`).open();
      });
      assert.equal(
        mixed.results.map((r) => r.data),
        [{ query: { i: '7' } }, { query: { i: `${TEXT} #7` } }, { name: `${gate} 7` }],
      );
    }));

  test('an Exago explicit batch with references keeps a leading $ref: as text', () =>
    withClientWorld(kind, async ({ client }) => {
      const c = client();
      const result = await c.batch((b) => {
        const s = b.POST('/rest/Sessions');
        b.POST('/rest/Parameters', {
          body: { Id: 'Note', Value: '$ref:0/status', PromptText: `${TEXT} in ${s.ref('/body/Id')}` } as never,
        });
        b.GET('/rest/Parameters/{id}', { params: { path: { id: 'Note' } } });
      });
      const read = result.results[2]!.data as { Value: string; PromptText: string };
      assert.is(read.Value, '$ref:0/status');
      assert.is(read.PromptText, `${TEXT} in ${c.session}`);
    }));

  test('a Guidewire explicit batch with references keeps text and a leading $ref: as written', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: { '/rest/claim/v1/batch': 'guidewire' } });
      const result = await c.batch((b) => {
        const first = b.POST('/rest/claim/v1/claims', { body: claim('$ref:0/status') });
        b.POST('/rest/claim/v1/claims', { body: claim(`${TEXT} after ${first.ref('/body/data/id')}`) });
      });
      assert.is(sent[0]!.url, '/rest/claim/v1/batch');
      assert.is(header(sent[0], 'restbatch-references'), undefined);
      const id = idOf(result.results[0]!.data);
      assert.equal(
        result.results.map((r) => descriptionOf(r.data)),
        ['$ref:0/status', `${TEXT} after ${id}`],
      );
    }));

  test('text the engine cannot write beside references is refused with INVALID_CALL before anything is sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const refused = async (text: (ref: string) => string) =>
        c
          .batch((b) => {
            const first = b.GET('/api/lab/echo');
            b.GET('/api/lab/echo', { params: { query: { i: text(first.ref('/status')) as never } } });
          })
          .then(
            () => undefined,
            (e: ClientError) => e,
          );
      const leading = await refused((ref) => `$$ref:x ${ref}`);
      const dollar = await refused((ref) => `price $${ref}`);
      const after = await refused((ref) => `$ref:x ${ref}`);
      assert.equal([leading?.code, dollar?.code, after?.code], ['INVALID_CALL', 'INVALID_CALL', 'INVALID_CALL']);
      assert.match(leading?.message ?? '', /cannot be written as text in a batch with references/);
      assert.is(sent.length, 0);
    }));

  test("a batch refused before it is sent leaves no call waiting: each call's result rejects with the batch's error", () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const results: Array<Promise<unknown>> = [];
      const outcome = await c
        .batch((b) => {
          const first = b.GET('/api/lab/echo');
          const second = b.GET('/api/lab/echo', { params: { query: { i: `price $${first.ref('/status')}` as never } } });
          results.push(first.result, second.result);
        })
        .then(
          () => undefined,
          (e: ClientError) => e,
        );
      assert.is(outcome?.code, 'INVALID_CALL');
      // Settled (not left pending for ever): each rejects with the batch's own error.
      const settled = await Promise.race([Promise.allSettled(results), new Promise((r) => setTimeout(() => r('pending'), 1000))]);
      assert.ok(Array.isArray(settled), 'a call of the refused batch never settled');
      for (const s of settled as PromiseSettledResult<unknown>[]) {
        assert.is(s.status, 'rejected');
        assert.is((s as PromiseRejectedResult).reason, outcome);
      }
      assert.is(sent.length, 0);
    }));

  test.run();
}
