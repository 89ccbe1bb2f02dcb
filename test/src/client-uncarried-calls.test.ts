// A call that a dialect's envelope cannot carry makes the server refuse the whole batch (400
// BATCH_MALFORMED): a Guidewire item's body other than `{data: {attributes?, checksum?}, included?}`,
// an Exago PUT, or an Exago GET or DELETE with a Payload. A plain call of that kind goes alone, so it
// answers what it would made alone and its tick's other calls are not refused; an explicit batch
// holding one is refused before anything is sent (INVALID_CALL).
import { type AnyResult, type ClientError, createClient, type Method, type WireRequest } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { suite, test as single } from 'uvu';
import * as assert from 'uvu/assert';
import { clientTestEngine } from './support/client-engine.js';
import { type ClientWorld, type TestPaths, type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: TransportKind[] = ['direct', 'http', 'ws'];
const GUIDEWIRE = { '/rest/claim/v1/batch': 'guidewire' } as const;
const EXAGO = { '/rest/batch': 'exago' } as const;
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
/** What a call answered, or the code it rejected with. */
const settled = (call: Promise<AnyResult>) => call.then(answered, (error: ClientError) => ({ rejected: error.code }));
/** The client's methods without their types: calls the API's types do not allow (a GET with a body, a PUT the API has not). */
type Loose = Record<Method, (path: string, init?: object) => Promise<AnyResult>>;
const codeOf = (body: unknown) => {
  const b = body as { code?: string; errorCode?: string; error?: { code?: string } } | null;
  return b?.code ?? b?.errorCode ?? b?.error?.code;
};

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
  const test = suite(`client calls an envelope cannot carry over ${kind}`);

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

  test('a header whose value is undefined is left out, and one that is a number travels as text: the tick is answered', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: { ...GUIDEWIRE, '/api/$batch': 'odata' } });
      const loose = c as unknown as Loose;
      const headers = { 'x-left-out': undefined, 'x-count': 5 };
      const claims = await Promise.all([read(c), loose.GET('/rest/claim/v1/claims/cc:22', { headers })]);
      const echoes = await Promise.all([c.GET('/api/lab/echo'), loose.GET('/api/lab/echo', { headers })]);
      assert.equal(
        [...claims, ...echoes].map((r) => r.status),
        [200, 200, 200, 200],
      );
      assert.equal(urls(sent), [BATCH, '/api/$batch']);
      type Items = { requests: { headers?: unknown }[] };
      assert.equal((sent[0]!.body as Items).requests[1]!.headers, [{ name: 'x-count', value: '5' }]);
      assert.equal((sent[1]!.body as Items).requests[1]!.headers, { 'x-count': '5' });
    }));

  test('headers that are not an object reject the call with INVALID_CALL, and nothing is sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      const error = await rejection((c as unknown as Loose).GET('/rest/claim/v1/claims/{claimId}', { params: claimId, headers: 'x-a: 1' }));
      assert.is(error.code, 'INVALID_CALL');
      assert.is(error.message, 'GET /rest/claim/v1/claims/{claimId}: headers must be an object');
      assert.equal(sent, []);
    }));

  test('a header no transport can send (an empty or spaced name, a line break in its value) rejects its call with INVALID_CALL; the calls of its tick are answered', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: GUIDEWIRE });
      for (const [headers, message] of [
        [{ '': 'x' }, '"" is not a header name'],
        [{ 'x a': 'x' }, '"x a" is not a header name'],
        [{ 'x-a': 'one\r\nx-b: two' }, 'header x-a holds a control character'],
        [{ 'x-a': 'one\u0001two' }, 'header x-a holds a control character'],
      ] as const) {
        const [before, bad] = await Promise.allSettled([
          c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId }),
          c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId, headers: headers as Record<string, string> }),
        ]);
        assert.is(before.status === 'fulfilled' && before.value.status, 200);
        if (bad.status !== 'rejected') return assert.unreachable('the call with a bad header resolved');
        assert.is((bad.reason as ClientError).code, 'INVALID_CALL');
        assert.match((bad.reason as ClientError).message, message);
      }
      // Each tick's good call went out; the bad one never reached a transport.
      assert.is(JSON.stringify(sent).includes('x-b'), false);
    }));

  test('Exago: a PUT, or a DELETE with a body, goes alone and answers what it answers made alone; its tick is answered (a GET with a body is refused: client-transport-inputs)', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: EXAGO });
      const loose = c as unknown as Loose;
      const odd = (batch?: false) => [
        loose.PUT('/rest/Roles/MyRole', { body: { x: 1 }, batch }),
        loose.DELETE('/rest/Roles/nope', { body: { x: 1 }, batch }),
      ];
      const [session, ...tick] = await Promise.all([c.POST('/rest/Sessions'), ...odd(), c.GET('/rest/Roles')].map(settled));
      const roles = tick.pop();
      assert.equal([(session as { status: number }).status, (roles as { status: number }).status], [201, 200]);
      const alone = await Promise.all(odd(false).map(settled));
      assert.equal(tick, alone);
      assert.equal(
        alone.map((r) => (r as { status: number }).status),
        [405, 404],
      );
      // The session opens the tick's only batch; the calls after the first that goes alone go alone too, in order.
      assert.equal(urls(sent).slice(0, 4), [
        '/rest/batch',
        `/rest/Roles/MyRole?sid=${c.session}`,
        `/rest/Roles/nope?sid=${c.session}`,
        `/rest/Roles?sid=${c.session}`,
      ]);
    }));

  test('Exago: an explicit batch holding a call with headers of its own (which the envelope would drop) or a Sessions/{sid} call is refused with INVALID_CALL, and nothing is sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: EXAGO });
      const headers = await rejection(
        c.batch((b) => {
          b.POST('/rest/Sessions');
          b.GET('/rest/Roles', { headers: { 'x-trace': 't1' } });
        }),
      );
      assert.is(headers.code, 'INVALID_CALL');
      assert.match(
        headers.message,
        /^GET \/rest\/Roles \(call 1 of the batch\) cannot travel in an Exago batch: its envelope has no headers per call/,
      );
      const sid = await rejection(
        c.batch((b) => {
          b.POST('/rest/Sessions');
          b.DELETE('/rest/Sessions/{sid}', { params: { path: { sid: 'abc' } } });
        }),
      );
      assert.is(sid.code, 'INVALID_CALL');
      assert.match(sid.message, /cannot travel in an Exago batch: Exago refuses Sessions\/\{sid\} calls in a batch/);
      assert.equal(sent, []);
    }));

  test('Exago: an explicit batch holding a PUT is refused with INVALID_CALL naming the call, and nothing is sent', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client({ endpoints: EXAGO });
      const error = await rejection(
        c.batch((b) => {
          b.POST('/rest/Sessions');
          (b as unknown as Loose).PUT('/rest/Roles/MyRole', { body: { x: 1 } });
        }),
      );
      assert.is(error.code, 'INVALID_CALL');
      assert.ok(
        error.message.startsWith(
          'PUT /rest/Roles/MyRole (call 1 of the batch) cannot travel in an Exago batch: its methods are POST, PATCH, GET and DELETE, not PUT.',
        ),
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

single('the client refuses exactly the Exago calls the server refuses in a batch: a PUT, a Payload on GET or DELETE', async () => {
  const { engine } = clientTestEngine();
  const transport = directTransport(engine);
  const c = createClient<TestPaths>({ transport, endpoints: EXAGO });
  try {
    for (const method of ['POST', 'PATCH', 'GET', 'DELETE', 'PUT'] as const)
      for (const body of [undefined, { Id: 'x' }]) {
        const name = `${method} ${body === undefined ? 'without' : 'with'} a body`;
        const raw = await transport.send({
          method: 'POST',
          url: '/rest/batch',
          headers: {},
          body: [
            { Url: 'Sessions', Method: 'POST' },
            body === undefined ? { Url: 'Roles', Method: method } : { Url: 'Roles', Method: method, Payload: body },
          ],
        });
        const serverRefuses = raw.status === 400 && codeOf(raw.body) === 'BATCH_MALFORMED';
        const clientRefuses = await c
          .batch((b) => {
            b.POST('/rest/Sessions');
            (b as unknown as Loose)[method]('/rest/Roles', { body });
          })
          .then(
            () => false,
            (error: ClientError) => error.code === 'INVALID_CALL',
          );
        assert.is(clientRefuses, serverRefuses, name);
        assert.is(serverRefuses, method === 'PUT' || (body !== undefined && (method === 'GET' || method === 'DELETE')), name);
      }
  } finally {
    await c.close();
    await engine.close();
  }
});

single.run();
