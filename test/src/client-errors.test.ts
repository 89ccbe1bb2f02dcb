// Bad inputs to the client: each is refused with a stable ClientError code and a message that says
// what to change, before anything is sent. A recording transport proves nothing left the client.
import { ClientError, type ClientOptions, createClient, type Transport, type WireRequest } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestPaths } from './support/client-harness.js';

/** A transport that records what it is asked and answers `answer` (an empty Exago batch by default). */
function recording(answer: (request: WireRequest) => { status: number; body: unknown } = () => ({ status: 200, body: [] })) {
  const sent: WireRequest[] = [];
  const transport: Transport = {
    send: async (request) => {
      sent.push(request);
      return { headers: {}, ...answer(request) };
    },
  };
  return { sent, transport };
}

const ENDPOINTS: ClientOptions['endpoints'] = { '/rest/batch': 'exago', '/api/$batch': 'odata', '/rest/claim/v1/batch': 'guidewire' };

function client(transport: Transport, options: Partial<ClientOptions> = {}) {
  return createClient<TestPaths>({ transport, endpoints: ENDPOINTS, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => {
      assert.instance(error, ClientError);
      return error as ClientError;
    },
  );
}

function thrown(fn: () => unknown): ClientError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, ClientError);
    return error as ClientError;
  }
  throw new Error('expected a throw');
}

test('a call missing a path parameter rejects with INVALID_CALL naming the parameter, and nothing is sent', async () => {
  const { sent, transport } = recording();
  const c = client(transport);
  const error = await rejection(c.GET('/api/lab/flaky/{key}', { params: { path: {} } } as never));
  assert.is(error.code, 'INVALID_CALL');
  assert.is(error.message, 'GET /api/lab/flaky/{key}: path parameter key is missing');
  const empty = await rejection(c.GET('/api/lab/flaky/{key}', { params: { path: { key: '' } } }));
  assert.is(empty.code, 'INVALID_CALL');
  assert.is(sent.length, 0);
});

test('a path that is not a string starting with / rejects with INVALID_CALL', async () => {
  const { sent, transport } = recording();
  const get = client(transport).GET as unknown as (path: unknown) => Promise<unknown>;
  const error = await rejection(get('api/lab/echo'));
  assert.is(error.code, 'INVALID_CALL');
  assert.match(error.message, /a path must be a string that starts with \//);
  const notText = await rejection(get(42));
  assert.is(notText.code, 'INVALID_CALL');
  assert.is(sent.length, 0);
});

test('a query that is not an object rejects with INVALID_CALL', async () => {
  const { transport } = recording();
  const error = await rejection(client(transport).GET('/api/lab/echo', { params: { query: 'i=1' } } as never));
  assert.is(error.code, 'INVALID_CALL');
  assert.is(error.message, 'GET /api/lab/echo: params.query must be an object');
});

test('createClient refuses an unknown dialect, an endpoint that is no path and a maxItems below 1 with INVALID_OPTIONS', () => {
  const { transport } = recording();
  const dialect = thrown(() => createClient({ transport, endpoints: { '/rest/batch': 'graphql' as never } }));
  assert.is(dialect.code, 'INVALID_OPTIONS');
  assert.is(dialect.message, `endpoints['/rest/batch']: unknown dialect "graphql" (choose exago, odata or guidewire)`);
  const inherited = thrown(() => createClient({ transport, endpoints: { '/rest/batch': 'toString' as never } }));
  assert.is(inherited.code, 'INVALID_OPTIONS');
  const path = thrown(() => createClient({ transport, endpoints: { 'rest/batch': 'exago' } }));
  assert.is(path.code, 'INVALID_OPTIONS');
  assert.match(path.message, /starts with \//);
  const size = thrown(() => createClient({ transport, endpoints: { '/api/$batch': { dialect: 'odata', maxItems: 0 } } }));
  assert.is(size.code, 'INVALID_OPTIONS');
  assert.is(size.message, `endpoints['/api/$batch'].maxItems must be a positive integer, not 0`);
});

test('an explicit batch with no call is refused with EMPTY_BATCH', async () => {
  const { sent, transport } = recording();
  const error = await rejection(client(transport).batch(() => undefined));
  assert.is(error.code, 'EMPTY_BATCH');
  assert.is(error.message, 'client.batch(b => ...) made no call: a batch needs at least one');
  assert.is(sent.length, 0);
});

test('an explicit batch larger than its endpoint takes is refused with BATCH_TOO_LARGE before it is sent', async () => {
  const { sent, transport } = recording();
  const c = client(transport, { endpoints: { '/api/$batch': { dialect: 'odata', maxItems: 2 } } });
  const error = await rejection(c.batch((b) => [1, 2, 3].map((i) => b.GET('/api/lab/echo', { params: { query: { i } } }))));
  assert.is(error.code, 'BATCH_TOO_LARGE');
  assert.is(error.message, '3 calls: /api/$batch takes at most 2');
  assert.is(sent.length, 0);
});

test('an explicit batch naming an endpoint that is not configured is refused with NO_BATCH_ENDPOINT', async () => {
  const { transport } = recording();
  const error = await rejection(client(transport).batch((b) => void b.GET('/api/lab/echo'), { endpoint: '/nope/$batch' }));
  assert.is(error.code, 'NO_BATCH_ENDPOINT');
  assert.is(error.message, '/nope/$batch is not one of options.endpoints (/rest/batch, /api/$batch, /rest/claim/v1/batch)');
});

test('a failure policy or Idempotency-Key of the wrong kind is refused with INVALID_OPTIONS', async () => {
  const { sent, transport } = recording();
  const c = client(transport);
  const policy = await rejection(c.batch((b) => void b.GET('/api/lab/echo'), { onFail: 'rollback' as never }));
  assert.is(policy.code, 'INVALID_OPTIONS');
  assert.is(policy.message, `onFail must be 'continue', 'stop' or 'atomic', not "rollback"`);
  const key = await rejection(c.batch((b) => void b.GET('/api/lab/echo'), { idempotencyKey: '' }));
  assert.is(key.code, 'INVALID_OPTIONS');
  assert.is(sent.length, 0);
});

test('atomic groups do not nest (INVALID_CALL); Guidewire has no atomic mode (UNSUPPORTED)', async () => {
  const { sent, transport } = recording();
  const c = client(transport);
  const nested = await rejection(
    c.batch((b) => {
      b.atomic(() => b.atomic(() => b.GET('/api/lab/echo')));
    }),
  );
  assert.is(nested.code, 'INVALID_CALL');
  assert.match(nested.message, /do not nest/);
  const guidewire = await rejection(
    c.batch((b) => void b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }), { onFail: 'atomic' }),
  );
  assert.is(guidewire.code, 'UNSUPPORTED');
  assert.is(guidewire.message, 'Guidewire batches have no atomic mode: use continue or stop');
  assert.is(sent.length, 0);
});

test('an answer with fewer items than calls rejects the calls left without one with MISSING_RESULT', async () => {
  const { transport } = recording(() => ({ status: 200, body: { responses: [{ id: '0', status: 200, body: { query: {} } }] } }));
  const c = client(transport);
  const [first, second] = await Promise.allSettled([c.GET('/api/lab/echo'), c.GET('/api/lab/echo')]);
  assert.is(first.status, 'fulfilled');
  const error = (second as PromiseRejectedResult).reason as ClientError;
  assert.is(error.code, 'MISSING_RESULT');
  assert.is(error.message, 'POST /api/$batch answered no result for some calls');
});

test('every ClientError carries its code, name and message, and is an Error', async () => {
  const { transport } = recording();
  const error = await rejection(client(transport).batch(() => undefined));
  assert.instance(error, Error);
  assert.is(error.name, 'ClientError');
  assert.is(String(error), 'ClientError: client.batch(b => ...) made no call: a batch needs at least one');
});

test.run();
