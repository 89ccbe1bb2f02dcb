import { type AnyResult, type Client, createClient } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import type { Engine, EngineRequest, EngineResponse } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientTestEngine } from './support/client-engine.js';
import { type TestPaths, type TransportKind, withClientWorld } from './support/client-harness.js';

/** What the engine was asked, and the item it handed for each result. */
interface Dispatched {
  itemsOfErrorsOnly: boolean | undefined;
  items: unknown[];
}

/** The engine, with each batch it runs recorded (its own methods run on it, not on the proxy). */
function recording(engine: Engine, dispatched: Dispatched[]): Engine {
  return new Proxy(engine, {
    get(target, key) {
      if (key === 'dispatch')
        return (request: EngineRequest): Promise<EngineResponse> => {
          const seen: Dispatched = { itemsOfErrorsOnly: request.itemsOfErrorsOnly, items: [] };
          dispatched.push(seen);
          const onResult = request.onResult;
          return target.dispatch({
            ...request,
            onResult:
              onResult === undefined
                ? undefined
                : (item, result, kept) => {
                    seen.items.push(item);
                    return onResult(item, result, kept);
                  },
          });
        };
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** One tick of Exago calls: a session, a parameter made, read and deleted, then read again (a 404). */
function exagoTick(c: Client<TestPaths>): Promise<AnyResult[]> {
  const id = { params: { path: { id: 'P1' } } };
  return Promise.all([
    c.POST('/rest/Sessions'),
    c.POST('/rest/Parameters', { body: { Id: 'P1', DataType: 'String', Value: 'v', PromptText: 'Enter a value', IsHidden: false } }),
    c.GET('/rest/Parameters/{id}', id),
    c.DELETE('/rest/Parameters/{id}', id),
    c.GET('/rest/Parameters/{id}', id),
  ] as Promise<AnyResult>[]);
}

/** One tick of Guidewire reads: a claim, an activity of it, and a claim that does not exist. */
function guidewireTick(c: Client<TestPaths>): Promise<AnyResult[]> {
  return Promise.all([
    c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
    c.GET('/rest/claim/v1/claims/{claimId}/activities/{activityId}', { params: { path: { claimId: 'cc:22', activityId: 'cc:55' } } }),
    c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:missing' } } }),
  ] as Promise<AnyResult>[]);
}

/** The session's own id differs from one engine to the next: everything else must not. */
function withoutSessionIds(results: AnyResult[]): unknown[] {
  return results.map((r, i) => (i === 0 && r.ok ? { ...r, data: Object.keys(r.data as object) } : r));
}

async function over(kind: TransportKind, tick: (c: Client<TestPaths>) => Promise<AnyResult[]>, endpoints?: Record<string, 'guidewire'>) {
  let results: AnyResult[] = [];
  await withClientWorld(kind, async ({ client }) => {
    results = await tick(client(endpoints === undefined ? {} : { endpoints }));
  });
  return results;
}

test('over direct, the engine makes no item for a result without an error of an Exago or Guidewire batch, and an item for each OData result', async () => {
  const { engine, lab } = clientTestEngine();
  const dispatched: Dispatched[] = [];
  const c = createClient<TestPaths>({
    transport: directTransport(recording(engine, dispatched)),
    endpoints: { '/rest/batch': 'exago', '/rest/claim/v1/batch': 'guidewire', '/api/$batch': 'odata' },
  });
  try {
    const exago = await exagoTick(c);
    const guidewire = await guidewireTick(c);
    const odata = await Promise.all([c.GET('/api/lab/echo', { params: { query: { i: 1 } } }), c.GET('/api/lab/echo')]);
    assert.equal(
      [exago, guidewire, odata].map((results) => results.map((r) => r.status)),
      [
        [201, 201, 200, 204, 404],
        [200, 200, 404],
        [200, 200],
      ],
    );
    assert.equal(
      dispatched.map((d) => [d.itemsOfErrorsOnly, d.items.map((item) => item !== undefined)]),
      [
        [true, [false, false, false, false, true]],
        [true, [false, false, true]],
        [false, [true, true]],
      ],
    );
  } finally {
    lab.openAll();
    await c.close();
    await engine.close();
  }
});

test('an Exago batch answers the same results over direct as over HTTP: data, a 204, an error and its code', async () => {
  const direct = await over('direct', exagoTick);
  const http = await over('http', exagoTick);
  assert.equal(withoutSessionIds(direct), withoutSessionIds(http));
  assert.equal(direct[3], { ok: true, status: 204, headers: {}, data: { StatusCode: 204, StatusDescription: null } });
  assert.is(direct[4]!.ok, false);
  assert.is((direct[4] as { code?: string }).code, 'NOT_FOUND');
});

test('a Guidewire batch answers the same results over direct as over HTTP, headers included', async () => {
  const endpoints = { '/rest/claim/v1/batch': 'guidewire' } as const;
  const direct = await over('direct', guidewireTick, endpoints);
  const http = await over('http', guidewireTick, endpoints);
  assert.equal(direct, http);
  assert.equal(
    direct.map((r) => [r.ok, r.status]),
    [
      [true, 200],
      [true, 200],
      [false, 404],
    ],
  );
});

test.run();
