// A dependency on an atomicity group is met only when every member of the group answered 2xx.
// OData JSON 4.01 §19.1: "The value of dependsOn is an array of strings whose values MUST be values
// of either id or atomicityGroup of preceding request objects"; "In the absence of the optional if
// member a request that depends on other requests or atomicity groups is only executed if those
// requests were executed successfully, i.e. with a 2xx response code. If one of the requests it
// depends on has failed, the dependent request is not executed and a response with status code of
// 424 Failed Dependency is returned for it as part of the batch response." A group used to stand
// for its latest member: an earlier member's 304 (no failure, so the group commits) went unseen and
// the dependent ran. Each case runs through direct, HTTP and WebSocket.
//
// §19.1 also says "If a request depends on another request that is part of a different atomicity
// group, the atomicity group MUST be listed in dependsOn": a dependsOn that named a member of
// another group alone was accepted and read that member alone; such a batch is now refused whole.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { odataItemsEngine } from './support/odata-items-engine.js';
import { parityTransports } from './support/parity-transports.js';

type Failure = { code: string; message: string };
type Item = { id: string; status: number; atomicityGroup?: string; body?: { error?: Failure } };

const transports = parityTransports();

/**
 * Runs `requests` as one OData batch through each transport, on a fresh engine each, expecting
 * `status`; `check` sees every transport's answer body and what ran.
 */
async function sendEveryTransport(
  requests: unknown[],
  status: number,
  check: (body: unknown, logged: unknown[], transport: string) => void,
): Promise<void> {
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
        status,
      });
      assert.is(answer.status, status, `${transport.name}: ${JSON.stringify(answer.body)}`);
      check(answer.body, logged, transport.name);
    } finally {
      await engine.close();
    }
  }
}

/** {@link sendEveryTransport} for a batch that runs (200): `check` sees its response objects. */
async function everyTransport(requests: unknown[], check: (items: Item[], logged: unknown[], transport: string) => void): Promise<void> {
  await sendEveryTransport(requests, 200, (body, logged, transport) => check((body as { responses: Item[] }).responses, logged, transport));
}

/**
 * Sends `requests` through each transport and checks that the batch is refused whole before
 * anything ran: 400 `BATCH_RULE_VIOLATION` with `message` in the OData error body, and no handler called.
 */
async function refusedEveryTransport(requests: unknown[], message: string): Promise<void> {
  await sendEveryTransport(requests, 400, (body, logged, transport) => {
    const error = (body as { error?: Failure }).error;
    assert.is(error?.code, 'BATCH_RULE_VIOLATION', transport);
    assert.is(error?.message, message, transport);
    assert.equal(logged, [], transport);
  });
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

const LISTED =
  '§19.1 "If a request depends on another request that is part of a different atomicity group, the atomicity group MUST be listed in dependsOn"';

test(`${LISTED}: a request outside any group that names a member of group g1 alone is refused whole, nothing runs`, async () => {
  // Accepted before: x read b alone and ran, though a (304) left the group unmet.
  await refusedEveryTransport(
    [notModified('a', { atomicityGroup: 'g1' }), log('b', { atomicityGroup: 'g1' }), log('x', { dependsOn: ['b'] })],
    'Invalid batch request: request "x": dependsOn names "b", a request of atomicity group "g1"; a request outside that group must list the group in dependsOn too',
  );
});

test(`${LISTED}: a request of another group that names a member of g1 alone is refused, the member named as written`, async () => {
  await refusedEveryTransport(
    [
      log('a', { atomicityGroup: 'g1' }),
      log('b', { atomicityGroup: 'g1' }),
      log('c', { atomicityGroup: 'g2' }),
      // Ids are case-insensitive: "A" names a; the group it lists (g2, its own) is none of a's.
      log('d', { atomicityGroup: 'g2', dependsOn: ['c', 'A'] }),
    ],
    'Invalid batch request: request "d": dependsOn names "A", a request of atomicity group "g1"; a request outside that group must list the group in dependsOn too',
  );
});

test(`${LISTED}: listing another group does not list the member's own group`, async () => {
  await refusedEveryTransport(
    [log('a', { atomicityGroup: 'g1' }), log('b', { atomicityGroup: 'g2' }), log('x', { dependsOn: ['g2', 'a'] })],
    'Invalid batch request: request "x": dependsOn names "a", a request of atomicity group "g1"; a request outside that group must list the group in dependsOn too',
  );
});

test(`${LISTED}: with the group listed, before or after the member and in any case, the batch runs and reads the whole group`, async () => {
  await everyTransport(
    [
      { id: 'a', method: 'get', url: 'items/a', atomicityGroup: 'g1' },
      log('b', { atomicityGroup: 'g1' }),
      log('x', { dependsOn: ['b', 'g1'] }),
      log('y', { dependsOn: ['G1', 'a'] }),
      log('z', { atomicityGroup: 'g2', dependsOn: ['b', 'x', 'g1'] }),
    ],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [200, 201, 201, 201, 201],
        transport,
      );
      assert.equal(logged, [{ after: 'b' }, { after: 'x' }, { after: 'y' }, { after: 'z' }], transport);
    },
  );
  // Listed, the group is read: a's 304 leaves it unmet, so x does not run though b answered 201.
  await everyTransport(
    [notModified('a', { atomicityGroup: 'g1' }), log('b', { atomicityGroup: 'g1' }), log('x', { dependsOn: ['b', 'g1'] })],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [304, 201, 424],
        transport,
      );
      assert.match(items[2]?.body?.error?.message ?? '', /depends on atomicity group g1, whose sub-request a did not succeed/, transport);
      assert.equal(logged, [{ after: 'b' }], transport);
    },
  );
});

test(`${LISTED}: a member that names an earlier member of its own group needs nothing more, and reads that member alone`, async () => {
  await everyTransport(
    [
      notModified('a', { atomicityGroup: 'g1' }),
      log('b', { atomicityGroup: 'g1' }),
      log('c', { atomicityGroup: 'g1', dependsOn: ['b'] }),
      // Outside any group, naming a request outside any group: no group to list.
      log('d'),
      log('e', { dependsOn: ['d'] }),
    ],
    (items, logged, transport) => {
      assert.equal(
        items.map((r) => r.status),
        [304, 201, 201, 201, 201],
        transport,
      );
      assert.equal(logged, [{ after: 'b' }, { after: 'c' }, { after: 'd' }, { after: 'e' }], transport);
    },
  );
});

test.run();
