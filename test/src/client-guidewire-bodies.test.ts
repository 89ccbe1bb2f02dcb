// A Guidewire batch item carries a body only as `{data: {attributes?, checksum?}, included?}`: the
// server refuses the whole batch for any other (400 BATCH_MALFORMED). A plain call with such a body
// goes alone, so it answers what it would made alone and its tick's other calls are not refused; an
// explicit batch holding one is refused before anything is sent (INVALID_CALL).
import { type AnyResult, type ClientError, createClient, type WireRequest } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { suite, test as single } from 'uvu';
import * as assert from 'uvu/assert';
import { clientTestEngine } from './support/client-engine.js';
import { type ClientWorld, type TestPaths, type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: TransportKind[] = ['direct', 'http', 'ws'];
const GUIDEWIRE = { '/rest/claim/v1/batch': 'guidewire' } as const;
const BATCH = '/rest/claim/v1/batch';
const NOTES = '/rest/claim/v1/claims/cc:22/notes';
const claimId = { path: { claimId: 'cc:22' } };
const note = (body: string) => ({ data: { attributes: { body } } });

type GuidewireClient = ReturnType<ClientWorld['client']>;
const read = (c: GuidewireClient) => c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId });
const post = (c: GuidewireClient, body: unknown, batch?: false): Promise<AnyResult> =>
  c.POST('/rest/claim/v1/claims/{claimId}/notes', { params: claimId, body: body as never, batch });
/** What a call answered, less its headers (an HTTP answer's own `date` differs from one request to the next). */
const answered = (r: AnyResult) =>
  r.ok ? { ok: r.ok, status: r.status, data: r.data } : { ok: r.ok, status: r.status, code: r.code, error: r.error };
/** `[ok, status, code]` of a call's answer. */
const outcome = (r: AnyResult) => [r.ok, r.status, r.ok ? undefined : r.code];
const urls = (sent: WireRequest[]) => sent.map((r) => r.url);

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected a rejection');
}

/** Bodies the server's Guidewire envelope schema refuses as an item's body, each breaking one rule. */
const UNCARRIED: [string, unknown][] = [
  ['an object without data', { note: 'hi' }],
  ['null', null],
  ['an array', [note('x')]],
  ['a string', 'x'],
  ['a number', 0],
  ['data null', { data: null }],
  ['data an array', { data: [] }],
  ['data undefined', { data: undefined }],
  ['attributes an array', { data: { attributes: [] } }],
  ['attributes null', { data: { attributes: null } }],
  ['attributes a Date (JSON writes a string)', { data: { attributes: new Date(0) } }],
  ['checksum a number', { data: { attributes: { body: 'x' }, checksum: 1 } }],
  ['another field in data', { data: { attributes: { body: 'x' }, id: 'n1' } }],
  ['included an array', { data: { attributes: { body: 'x' } }, included: [] }],
  ['another field beside data', { ...note('x'), meta: {} }],
];

/**
 * Bodies it takes, some only as JSON writes them (members undefined are left out, a `toJSON` is
 * called), with what the notes route answers them (its own schema has no `included`).
 */
const CARRIED: [string, unknown, number][] = [
  ['data with attributes', note('x'), 201],
  ['data with a checksum', { data: { attributes: { body: 'x' }, checksum: '0' } }, 201],
  ['included', { ...note('x'), included: {} }, 400],
  ['members undefined', { data: { attributes: { body: 'x' }, checksum: undefined }, included: undefined }, 201],
  ['a toJSON', { toJSON: () => note('x') }, 201],
  ['no prototype', Object.assign(Object.create(null), note('x')), 201],
];

for (const kind of KINDS) {
  const test = suite(`client Guidewire bodies over ${kind}`);

  test('a plain call whose body a Guidewire item cannot carry goes alone: its tick is answered, in order', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      const [claim, bad, after] = await Promise.all([read(c), post(c, { note: 'hi' }), read(c)]);
      assert.equal([claim.status, after.status], [200, 200]);
      assert.is((claim.data as { data: { id: string } }).data.id, 'cc:22');
      assert.equal(outcome(bad), [false, 400, 'VALIDATION_FAILED']);
      // The calls before it, it alone (an ordinary request), then the calls after it.
      assert.equal(urls(sent), [BATCH, NOTES, BATCH]);
      assert.equal(sent[1]!.body, { note: 'hi' });
      const alone = await post(c, { note: 'hi' }, false);
      assert.equal(answered(bad), answered(alone));
    }));

  test('such a call alone in its tick answers what it answers made alone, not BATCH_REJECTED', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      const bad = await post(c, { note: 'hi' });
      const alone = await post(c, { note: 'hi' }, false);
      assert.equal(answered(bad), answered(alone));
      assert.equal(outcome(bad), [false, 400, 'VALIDATION_FAILED']);
      assert.equal(urls(sent), [NOTES, NOTES]);
    }));

  test('each body the envelope refuses goes alone, and never sinks the read batched beside it', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      for (const [name, body] of UNCARRIED) {
        sent.length = 0;
        const [claim, bad] = await Promise.all([read(c), post(c, body)]);
        assert.is(claim.status, 200, name);
        assert.equal(outcome(bad), [false, 400, 'VALIDATION_FAILED'], name);
        assert.equal(urls(sent), [BATCH, NOTES], name);
      }
    }));

  test('bodies the envelope takes still batch with their tick, each answered by its route', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      const results = await Promise.all([read(c), ...CARRIED.map(([, body]) => post(c, body))]);
      assert.equal(
        results.map((r) => r.status),
        [200, ...CARRIED.map(([, , status]) => status)],
      );
      assert.equal(urls(sent), [BATCH]);
    }));

  test('an explicit batch holding such a body is refused with INVALID_CALL naming the call, and nothing is sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      let calls: { result: Promise<unknown> }[] = [];
      const error = await rejection(
        c.batch((b) => {
          calls = [
            b.GET('/rest/claim/v1/claims/{claimId}', { params: claimId }),
            b.POST('/rest/claim/v1/claims/{claimId}/notes', { params: claimId, body: { note: 'hi' } as never }),
          ];
        }),
      );
      assert.is(error.code, 'INVALID_CALL');
      assert.ok(
        error.message.startsWith(
          `POST ${NOTES} (call 1 of the batch) cannot travel in a Guidewire batch: the body lacks the field "data" (an item's body is {data: {attributes?: object, checksum?: string}, included?: object}).`,
        ),
      );
      assert.equal(sent, []);
      // Every call of the batch rejects with it.
      for (const call of calls) assert.is(await rejection(call.result), error);
    }));

  test('an explicit batch with references is refused alike, before anything is sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      const error = await rejection(
        c.batch((b) => {
          const made = b.POST('/rest/claim/v1/claims', { body: { data: { attributes: { description: 'flood' } } } });
          b.POST('/rest/claim/v1/claims/{claimId}/notes', {
            params: { path: { claimId: made.ref('/body/data/id') } },
            body: { data: { attributes: { body: 'x' } }, included: [] } as never,
          });
        }),
      );
      assert.is(error.code, 'INVALID_CALL');
      assert.match(
        error.message,
        /\(call 1 of the batch\) cannot travel in a Guidewire batch: its "included" is an array, not an object \(/,
      );
      assert.equal(sent, []);
    }));

  test.run();
}

single("the client refuses exactly the bodies the server's Guidewire envelope schema refuses", async () => {
  const { engine } = clientTestEngine();
  const transport = directTransport(engine);
  const c = createClient<TestPaths>({ transport, endpoints: GUIDEWIRE });
  try {
    for (const [name, body] of [...UNCARRIED, ...CARRIED]) {
      // The server's answer to a hand-built envelope carrying the body (a JSON copy of it, as every transport sends).
      const raw = await transport.send({
        method: 'POST',
        url: BATCH,
        headers: {},
        body: { requests: [{ method: 'post', path: '/claims/cc:22/notes', body }] },
      });
      const serverRefuses = raw.status === 400 && (raw.body as { errorCode?: string }).errorCode === 'BATCH_MALFORMED';
      const clientRefuses = await c
        .batch((b) => post(b as never, body))
        .then(
          () => false,
          (error: ClientError) => error.code === 'INVALID_CALL',
        );
      assert.is(clientRefuses, serverRefuses, name);
      assert.is(
        serverRefuses,
        UNCARRIED.some(([n]) => n === name),
        name,
      );
    }
  } finally {
    await c.close();
    await engine.close();
  }
});

single.run();
