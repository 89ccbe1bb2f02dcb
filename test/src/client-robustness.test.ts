// What a JavaScript caller can do against the client's types, and what an outside review of the
// client found: a body whose toJSON throws, a plain call to a batch endpoint, a tick over the
// server's body limit, two Exago APIs' sessions, dot segments as path parameters, retry options that
// are not numbers, calls after close(), signals that are not AbortSignals, builders that throw or
// await. Each answers with a coded ClientError or a per-call answer: no crash, no hang, no call
// that sinks its neighbours.
import { type AnyResult, type Client, ClientError, createClient, type Method } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { createEngine, exagoApi } from '@restbatch/core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';
import { until } from './support/until.js';

const KINDS: TransportKind[] = ['direct', 'http', 'ws'];
type Loose = Record<Method, (path: string, init?: object) => Promise<AnyResult>> & {
  batch(build: unknown, options?: unknown): Promise<unknown>;
  close(): Promise<void>;
};
const loose = (client: Client<unknown>) => client as unknown as Loose;

/** The code a promise rejected with, or what it answered ([ok, status, code]). */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    const r = (await promise) as AnyResult;
    return [r.ok, r.status, r.ok ? undefined : r.code];
  } catch (error) {
    return error instanceof ClientError ? error.code : `not a ClientError: ${String(error)}`;
  }
}

/** Settles within `ms`, or answers 'pending' (a promise that never settles is a defect). */
function within<T>(promise: Promise<T>, ms = 2000): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms).unref())]);
}

class Throwing {
  toJSON(): never {
    throw new TypeError('description required');
  }
}

const GUIDEWIRE = { '/rest/claim/v1/batch': 'guidewire' } as const;
const NOTES = '/rest/claim/v1/claims/{claimId}/notes';
const claimId = { path: { claimId: 'cc:22' } };

for (const kind of KINDS) {
  const test = suite(`client robustness over ${kind}`);

  test('a Guidewire body whose toJSON throws refuses that call (INVALID_CALL); its tick and later calls answer', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client({ endpoints: GUIDEWIRE }) as Client<unknown>);
      const read = c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId });
      const bad = c.POST(NOTES, { params: claimId, body: { data: { attributes: new Throwing() } } });
      const after = c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId });
      assert.equal(await within(outcome(read)), [true, 200, undefined]);
      assert.equal(await within(outcome(bad)), 'INVALID_CALL');
      assert.equal(await within(outcome(after)), [true, 200, undefined]);
      // The next tick is not held behind it.
      assert.equal(await within(outcome(c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId }))), [true, 200, undefined]);
      // In an explicit batch: the batch and its calls reject with INVALID_CALL, a ClientError.
      let first: Promise<AnyResult> | undefined;
      const batch = c.batch((b: Loose) => {
        first = b.GET('/rest/claim/v1/claims/{claimId}', { params: claimId });
        b.POST(NOTES, { params: claimId, body: { data: { attributes: new Throwing() } } });
      });
      assert.equal(await within(outcome(batch)), 'INVALID_CALL');
      assert.equal(await within(outcome((first as unknown as { result: Promise<AnyResult> }).result)), 'INVALID_CALL');
    });
  });

  test('a plain call to a batch endpoint goes alone: the calls of its tick are not refused with it (BATCH_NESTED)', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      const envelope = { requests: [{ method: 'get', path: '/claims/cc:22' }] };
      const [before, nested, after] = await Promise.all([
        outcome(c.GET('/rest/claim/v1/claims/{claimId}', { params: claimId })),
        outcome(c.POST('/rest/claim/v1/batch', { body: envelope })),
        outcome(c.GET('/rest/claim/v1/claims')),
      ]);
      assert.equal(before, [true, 200, undefined]);
      assert.equal(nested, [true, 200, undefined]);
      assert.equal(after, [true, 200, undefined]);
      const alone = world.sent.find((r) => r.url === '/rest/claim/v1/batch');
      assert.ok(alone, 'the batch call was sent as its own request');
      // In an explicit batch it is the caller's error, refused before anything is sent.
      const sent = world.sent.length;
      const refused = c.batch((b: Loose) => {
        b.GET('/rest/claim/v1/claims');
        b.POST('/rest/claim/v1/batch', { body: envelope });
      });
      assert.equal(await outcome(refused), 'INVALID_CALL');
      assert.is(world.sent.length, sent);
    });
  });

  test('a path parameter "." or ".." is refused (INVALID_CALL): a URL would drop the segment and name another route', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      for (const id of ['.', '..']) {
        assert.equal(
          await outcome(c.GET('/rest/claim/v1/claims/{claimId}/activities', { params: { path: { claimId: id } }, batch: false })),
          'INVALID_CALL',
        );
        assert.equal(
          await outcome(c.GET('/rest/claim/v1/claims/{claimId}/activities', { params: { path: { claimId: id } } })),
          'INVALID_CALL',
        );
      }
      // Dots that are not a whole segment are text.
      assert.equal(await outcome(c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: '...' } } })), [
        false,
        404,
        'NOT_FOUND',
      ]);
      assert.is(world.sent.length, 1);
    });
  });

  test('calls after close() reject with CLIENT_CLOSED, and a retry due after close() is not sent', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      // Fails once with Retry-After 1 s: the retry comes due after close().
      const retried = c.GET('/api/lab/flaky/{key}', { params: { path: { key: 'closing' }, query: { fail: 1, after: '1' } } });
      // Closed once the first attempt reached the server (a fixed sleep was not always enough on a loaded machine).
      await until(() => world.lab.calls.get('closing') === 1, 'the first attempt to arrive');
      await c.close();
      assert.equal(await within(outcome(retried)), 'CLIENT_CLOSED');
      assert.is(world.lab.calls.get('closing'), 1, 'the retry was not sent');
      assert.equal(await outcome(c.GET('/rest/claim/v1/claims')), 'CLIENT_CLOSED');
      assert.equal(await outcome(c.batch((b: Loose) => b.GET('/rest/claim/v1/claims'))), 'CLIENT_CLOSED');
      assert.is(world.sent.length, 1);
    });
  });

  test('a call made in the tick of close() is not sent: it rejects with CLIENT_CLOSED, and no connection opens', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      const made = c.GET('/rest/claim/v1/claims');
      const alone = c.GET('/api/lab/echo', { batch: false });
      await c.close();
      assert.equal(await within(outcome(made)), 'CLIENT_CLOSED');
      assert.equal(await within(outcome(alone)), 'CLIENT_CLOSED');
      assert.is(world.sent.length, 0);
    });
  });

  test('a signal that is not an AbortSignal, query values that are objects or null', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      for (const signal of [{}, 'x', 1]) {
        assert.equal(await outcome(c.GET('/api/lab/echo', { signal })), 'INVALID_CALL');
        assert.equal(await outcome(c.batch((b: Loose) => b.GET('/api/lab/echo', { signal }))), 'INVALID_CALL');
        assert.equal(await outcome(c.batch((b: Loose) => b.GET('/api/lab/echo'), { signal })), 'INVALID_OPTIONS');
      }
      assert.equal(await outcome(c.batch((b: Loose) => b.GET('/api/lab/echo'), null)), 'INVALID_OPTIONS');
      assert.equal(await outcome(c.batch(null)), 'INVALID_CALL');
      assert.equal(await outcome(c.GET('/api/lab/echo', { params: { query: { i: { nested: 1 } } } })), 'INVALID_CALL');
      assert.is(world.sent.length, 0);
      // null is left out, as undefined is (openapi-fetch does the same).
      const echoed = (await c.GET('/api/lab/echo', { params: { query: { i: null, j: 2 } } })) as AnyResult & { data: unknown };
      assert.equal(echoed.data, { query: { j: '2' } });
    });
  });

  test('a builder that throws or awaits: nothing is sent, and every call it made rejects', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      let first: { result: Promise<AnyResult> } | undefined;
      const thrown = c.batch((b: Loose) => {
        first = b.GET('/rest/claim/v1/claims/{claimId}', { params: claimId }) as never;
        b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: {} } });
      });
      assert.equal(await within(outcome(thrown)), 'INVALID_CALL');
      assert.equal(await within(outcome(first!.result)), 'INVALID_CALL');
      let late: unknown;
      const awaited = c.batch(async (b: Loose) => {
        first = b.GET('/rest/claim/v1/claims') as never;
        await null;
        try {
          b.GET('/rest/claim/v1/claims');
        } catch (error) {
          late = error;
        }
      });
      assert.equal(await within(outcome(awaited)), 'INVALID_CALL');
      assert.equal(await within(outcome(first!.result)), 'INVALID_CALL');
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.is((late as ClientError).code, 'INVALID_CALL', 'a call made after the builder returned is refused');
      assert.is(world.sent.length, 0);
    });
  });

  test('a tick past the server body limit (1 MiB; over WebSocket the transport maxMessageBytes) is split until each batch fits: every call answers', async () => {
    await withClientWorld(kind, async (world) => {
      const c = loose(world.client() as Client<unknown>);
      const value = 'v'.repeat(300);
      const calls = [c.POST('/rest/Sessions')];
      // Reads with a long query: the body is large, the session (capped at 1 MiB) stays small.
      for (let i = 0; i < 4000; i++) calls.push(c.GET('/rest/Roles', { params: { query: { pad: value } } }));
      const outcomes = await Promise.all(calls.map(outcome));
      const counts: Record<string, number> = {};
      for (const o of outcomes) counts[JSON.stringify(o)] = (counts[JSON.stringify(o)] ?? 0) + 1;
      assert.equal(counts, { '[true,201,null]': 1, '[true,200,null]': 4000 });
      // The first request was refused whole (413): then halves, the first of which opens the session.
      assert.ok(world.sent.length > 2);
    });
  });

  test.run();
}

const options = suite('client options');

options('retry options that are not non-negative numbers and a missing transport are INVALID_OPTIONS', () => {
  const { engine } = { engine: createEngine({ apis: [exagoApi({ configs: { default: { roles: [] } } })] }) };
  const transport = directTransport(engine);
  const bad = [
    { attempts: Number.NaN },
    { attempts: -1 },
    { attempts: 1.5 },
    { maxDelayMs: Number.NaN },
    { defaultDelayMs: -5 },
    { maxDelayMs: Number.POSITIVE_INFINITY },
  ];
  for (const retry of bad) {
    const error = (() => {
      try {
        createClient({ transport, retry });
      } catch (e) {
        return e as ClientError;
      }
    })();
    assert.is(error?.code, 'INVALID_OPTIONS', JSON.stringify(retry));
  }
  for (const given of [{}, { transport: {} }, null]) {
    try {
      createClient(given as never);
      assert.unreachable('createClient accepted options without a transport');
    } catch (e) {
      assert.is((e as ClientError).code, 'INVALID_OPTIONS');
    }
  }
  void engine.close();
});

options('each Exago API keeps its own session: calls to one never carry the other one sid', async () => {
  const engine = createEngine({
    apis: [
      exagoApi({ base: '/a', configs: { default: { roles: [{ Id: 'RoleA' }] } } }),
      exagoApi({ base: '/b', configs: { default: { roles: [{ Id: 'RoleB' }] } } }),
    ],
  });
  try {
    const c = loose(createClient({ transport: directTransport(engine), endpoints: { '/a/batch': 'exago', '/b/batch': 'exago' } }));
    const roles = async (path: string) => ((await c.GET(path)) as AnyResult & { data: { Id: string }[] }).data.map((r) => r.Id);
    await c.POST('/a/Sessions');
    assert.equal(await roles('/a/Roles'), ['RoleA']);
    await c.POST('/b/Sessions');
    assert.equal(await roles('/a/Roles'), ['RoleA']);
    assert.equal(await roles('/b/Roles'), ['RoleB']);
  } finally {
    await engine.close();
  }
});

options.run();
