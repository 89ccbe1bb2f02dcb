// A dependency on an atomicity group is met only when every member of the group answered 2xx.
// OData JSON 4.01 §19.1: "The value of dependsOn is an array of strings whose values MUST be values
// of either id or atomicityGroup of preceding request objects"; "In the absence of the optional if
// member a request that depends on other requests or atomicity groups is only executed if those
// requests were executed successfully, i.e. with a 2xx response code. If one of the requests it
// depends on has failed, the dependent request is not executed and a response with status code of
// 424 Failed Dependency is returned for it as part of the batch response." A group used to stand
// for its latest member: an earlier member's 304 (no failure, so the group commits) went unseen and
// the dependent ran. Each case runs through direct, HTTP and WebSocket.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { odataItemsEngine } from './support/odata-items-engine.js';
import { parityTransports } from './support/parity-transports.js';

type Item = { id: string; status: number; atomicityGroup?: string; body?: { error?: { code: string; message: string } } };

const transports = parityTransports();

/** Runs `requests` as one OData batch through each transport, on a fresh engine each; `check` sees every transport's answer and what ran. */
async function everyTransport(requests: unknown[], check: (items: Item[], logged: unknown[], transport: string) => void): Promise<void> {
  assert.equal(
    transports.map((t) => t.name),
    ['direct', 'http', 'ws'],
  );
  for (const transport of transports) {
    const logged: unknown[] = [];
    const engine = odataItemsEngine(logged);
    try {
      const answer = await transport.send(engine, {
        name: 'group dependency',
        engine: () => engine,
        url: '/api/$batch',
        headers: { 'odata-version': '4.01' },
        body: { requests },
        status: 200,
      });
      assert.is(answer.status, 200, `${transport.name}: ${JSON.stringify(answer.body)}`);
      check((answer.body as { responses: Item[] }).responses, logged, transport.name);
    } finally {
      await engine.close();
    }
  }
}

const notModified = (id: string, extra: object = {}) => ({
  id,
  method: 'get',
  url: 'items/a',
  headers: { 'if-none-match': '"v1"' },
  ...extra,
});
const log = (id: string, extra: object = {}) => ({ id, method: 'post', url: 'items/log', body: { after: id }, ...extra });

test('§19.1 "a request that depends on other requests or atomicity groups is only executed if those requests were executed successfully, i.e. with a 2xx response code": an earlier 304 member of the group stops the dependent (424 DEPENDENCY_FAILED), though the later member answered 201', async () => {
  await everyTransport(
    [notModified('a', { atomicityGroup: 'g1' }), log('b', { atomicityGroup: 'g1' }), log('x', { dependsOn: ['g1'] })],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => [r.id, r.status]),
        [
          ['a', 304],
          ['b', 201],
          ['x', 424],
        ],
        transport,
      );
      // A request dependency that answered 304 gives the same status and code.
      assert.is(items[2]?.body?.error?.code, 'DEPENDENCY_FAILED', transport);
      assert.is(
        items[2]?.body?.error?.message,
        'Sub-request x depends on atomicity group g1, whose sub-request a did not succeed (it answered 304; a dependency must answer 2xx)',
        transport,
      );
      // A 304 is no failure: the group committed, and only its member b ran the log.
      assert.equal(logged, [{ after: 'b' }], transport);
    },
  );
});

test('§19.1 "If one of the requests it depends on has failed, the dependent request is not executed": the first member that did not answer 2xx is named, wherever it is in the group', async () => {
  await everyTransport(
    [
      log('p', { atomicityGroup: 'g1' }),
      { id: 'q', method: 'get', url: 'items/old/a', atomicityGroup: 'g1' },
      notModified('r', { atomicityGroup: 'g1' }),
      log('s', { atomicityGroup: 'g1' }),
      log('x', { dependsOn: ['g1'] }),
      // Ids and group names are case-insensitive in the OData dialect.
      log('y', { dependsOn: ['G1'] }),
    ],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [201, 303, 304, 201, 424, 424],
        transport,
      );
      assert.match(items[4]?.body?.error?.message ?? '', /group g1, whose sub-request q did not succeed \(it answered 303;/, transport);
      assert.is(items[5]?.body?.error?.code, 'DEPENDENCY_FAILED', transport);
      assert.equal(logged, [{ after: 'p' }, { after: 's' }], transport);
    },
  );
});

test('§19.1 "only executed if those requests were executed successfully, i.e. with a 2xx response code": a group whose every member answered 2xx meets the dependency', async () => {
  await everyTransport(
    [
      { id: 'a', method: 'get', url: 'items/a', atomicityGroup: 'g1' },
      log('b', { atomicityGroup: 'g1' }),
      log('x', { dependsOn: ['g1'] }),
      log('y', { if: '$g1/$succeeded' }),
    ],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [200, 201, 201, 201],
        transport,
      );
      assert.equal(logged, [{ after: 'b' }, { after: 'x' }, { after: 'y' }], transport);
    },
  );
});

test('§19.1 "$<content-id>/$succeeded to check if the referenced request has succeeded": a group named there has succeeded only if every member answered 2xx', async () => {
  await everyTransport(
    [
      notModified('a', { atomicityGroup: 'g1' }),
      log('b', { atomicityGroup: 'g1' }),
      log('yes', { if: '$g1/$succeeded' }),
      log('no', { if: 'not $g1/$succeeded' }),
    ],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [304, 201, 412, 201],
        transport,
      );
      assert.is(items[2]?.body?.error?.code, 'CONDITION_FALSE', transport);
      assert.equal(logged, [{ after: 'b' }, { after: 'no' }], transport);
    },
  );
});

test('a dependency on a request of a group still reads that request alone: b answered 201, so x runs though a answered 304', async () => {
  await everyTransport(
    [notModified('a', { atomicityGroup: 'g1' }), log('b', { atomicityGroup: 'g1' }), log('x', { dependsOn: ['b'] })],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [304, 201, 201],
        transport,
      );
      assert.equal(logged, [{ after: 'b' }, { after: 'x' }], transport);
    },
  );
});

test.run();
