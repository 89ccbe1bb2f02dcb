import 'reflect-metadata';
import { type ApiOptions, type HandlerContext, Post, Resource } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { type Item, items } from './support/exago-items.js';
import { useRedis } from './support/redis-server.js';
import { exagoTestApi } from './support/atomic-exago.js';

const test = suite('redis store: two nodes writing the same session at once lose no update');
const { it, server, closing } = useRedis(test);
let prefixes = 0;

// Set by a test: what the Wait resource waits for.
const hooks: { barrier?: () => Promise<void> } = {};

/** Waits at the test's barrier: lets a test hold a batch between its reads and its writes. */
@Resource('Wait', { session: 'required' })
class WaitResource {
  @Post('')
  async wait(): Promise<void> {
    await hooks.barrier?.();
  }
}

/** Changes a parameter, the session data and the active role, then fails: what an atomic batch must undo. */
@Resource('Boom', { session: 'required' })
class BoomResource {
  @Post('')
  async boom(ctx: HandlerContext): Promise<never> {
    const session = ctx.session!;
    await session.modify('parameters', 'MyParameter', (current) => ({ ...(current as object), Value: 'boom' }));
    await session.deleteIf('meta', 'activeRole', 'MyRole');
    await session.update({ Page: 'Boom' });
    throw new Error('boom');
  }
}

function testApi(atomic: boolean): ApiOptions {
  return exagoTestApi([WaitResource, BoomResource], atomic);
}

/** A node: a fresh engine on its own store and connection, on the Redis under `prefix`; closed after the test, pass or fail. */
function node(prefix: string, atomic = false) {
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix });
  const { engine, call } = exagoEngine({}, { store, apis: [testApi(atomic)] });
  closing(() => store.close());
  closing(() => engine.close());
  return { engine, call, store };
}

/** Two nodes sharing one Redis, and a session (created on A) with roles MyRole (active) and Other, and a parameter MyParameter. */
async function twoNodes() {
  const prefix = `cw${++prefixes}:`;
  const a = node(prefix);
  const b = node(prefix);
  const created = await a.call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Other', IsActive: false } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'MyParameter', DataType: 'String', Value: '', PromptText: 'p' } },
    ],
  });
  assert.equal(
    items(created).map((i) => i.ReturnCode),
    ['201', '204', '201', '201'],
  );
  const sid = items(created)[0]!.ResponseContent.Id as string;
  return { a, b, sid, prefix };
}

/** A barrier that opens once `count` batches have reached it. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (++arrived === count) open();
    return opened;
  };
}

it('ordinary PATCHes of different fields of one parameter, sent to two nodes at once for 40 rounds, all land', async () => {
  const { a, b, sid } = await twoNodes();
  const url = `/rest/Parameters/MyParameter?sid=${sid}`;
  for (let round = 0; round < 40; round++) {
    const answers = await Promise.all([
      a.call({ method: 'PATCH', url, body: { Value: `a${round}` } }),
      b.call({ method: 'PATCH', url, body: { PromptText: `b${round}` } }),
      a.call({ method: 'PATCH', url, body: { IsHidden: round % 2 === 0 } }),
      b.call({ method: 'PATCH', url, body: { Values: round % 2 === 0 ? [] : [`v${round}`] } }),
    ]);
    assert.equal(
      answers.map((res) => res.status),
      [204, 204, 204, 204],
    );
    const read = (await b.call({ method: 'GET', url })).body as Record<string, unknown>;
    assert.equal(read, {
      Id: 'MyParameter',
      DataType: 'String',
      Value: `a${round}`,
      PromptText: `b${round}`,
      IsHidden: round % 2 === 0,
      IsMultiValue: false,
      Values: round % 2 === 0 ? [] : [`v${round}`],
    });
  }
});

it('batches that read a parameter, then PATCH other fields of it after another node wrote it: one lands, the other answers 409 CONFLICT', async () => {
  const { a, b, sid } = await twoNodes();
  closing(() => (hooks.barrier = undefined));
  for (let round = 0; round < 10; round++) {
    hooks.barrier = barrier(2);
    const batch = (field: string, value: string) => [
      { Url: 'Parameters/MyParameter', Method: 'GET' },
      { Url: 'Wait', Method: 'POST' },
      { Url: 'Parameters/MyParameter', Method: 'PATCH', Payload: { [field]: value } },
    ];
    const [ra, rb] = await Promise.all([
      a.call({ url: `/rest/batch?sid=${sid}`, body: batch('Value', `a${round}`) }),
      b.call({ url: `/rest/batch?sid=${sid}`, body: batch('PromptText', `b${round}`) }),
    ]);
    const codes = [items(ra)[2]!, items(rb)[2]!].map((i) => i.ReturnCode).sort();
    assert.equal(codes, ['204', '409']);
    const loser = [items(ra)[2]!, items(rb)[2]!].find((i) => i.ReturnCode === '409') as Item;
    assert.is(loser.ResponseContent.code, 'CONFLICT');
    const read = (await a.call({ method: 'GET', url: `/rest/Parameters/MyParameter?sid=${sid}` })).body as Record<string, unknown>;
    // The winner's field is stored; the loser's is not (it was answered 409, never reported done).
    assert.is(read.Value === `a${round}`, items(ra)[2]!.ReturnCode === '204');
    assert.is(read.PromptText === `b${round}`, items(rb)[2]!.ReturnCode === '204');
  }
  hooks.barrier = undefined;
});

it('batches PATCHing different fields on two nodes for 30 rounds: every 204 is stored, every 409 is not, and one lands each round', async () => {
  const { a, b, sid } = await twoNodes();
  for (let round = 0; round < 30; round++) {
    const patch = (field: string, value: unknown) => [{ Url: 'Parameters/MyParameter', Method: 'PATCH', Payload: { [field]: value } }];
    const [ra, rb] = await Promise.all([
      a.call({ url: `/rest/batch?sid=${sid}`, body: patch('Value', `a${round}`) }),
      b.call({ url: `/rest/batch?sid=${sid}`, body: patch('PromptText', `b${round}`) }),
    ]);
    const read = (await a.call({ method: 'GET', url: `/rest/Parameters/MyParameter?sid=${sid}` })).body as Record<string, unknown>;
    const codes: string[] = [];
    for (const [res, field, value] of [
      [ra, 'Value', `a${round}`],
      [rb, 'PromptText', `b${round}`],
    ] as const) {
      const item = items(res)[0]!;
      codes.push(item.ReturnCode);
      // Both outcomes are checked against the store: a 204 landed, a 409 did not.
      if (item.ReturnCode === '204') assert.is(read[field], value, `round ${round}: a 204 for ${field} was not stored`);
      else {
        assert.is(item.ReturnCode, '409', `round ${round}: ${field}`);
        assert.is(item.ResponseContent.code, 'CONFLICT');
        assert.is.not(read[field], value, `round ${round}: a 409 for ${field} was stored all the same`);
      }
    }
    // A write loses only to another that landed: a round where both lost would be lost updates.
    assert.ok(codes.includes('204'), `round ${round}: no write landed (${codes})`);
  }
});

it('PATCH Sessions/{sid} of different fields sent to two nodes at once keeps every field', async () => {
  const { a, b, sid } = await twoNodes();
  const url = `/rest/Sessions/${sid}`;
  for (let round = 0; round < 30; round++) {
    const answers = await Promise.all([
      a.call({ method: 'PATCH', url, body: { Page: `page${round}` } }),
      b.call({ method: 'PATCH', url, body: { ApiAction: `action${round}` } }),
      b.call({ method: 'PATCH', url, body: { ShowTabs: round % 2 === 0 } }),
      a.call({ method: 'PATCH', url, body: { ExportType: round % 2 === 0 ? null : 'pdf' } }),
    ]);
    assert.equal(
      answers.map((res) => res.status),
      [204, 204, 204, 204],
    );
    const read = (await a.call({ method: 'GET', url })).body as Record<string, unknown>;
    assert.equal(
      { Page: read.Page, ApiAction: read.ApiAction, ShowTabs: read.ShowTabs, ExportType: read.ExportType },
      { Page: `page${round}`, ApiAction: `action${round}`, ShowTabs: round % 2 === 0, ExportType: round % 2 === 0 ? null : 'pdf' },
    );
  }
});

it('a batch deactivating a role it read as active keeps the role another node activated meanwhile', async () => {
  const { a, b, sid } = await twoNodes();
  let release: () => void = () => undefined;
  let reached: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => {
    reached = resolve;
  });
  closing(() => (hooks.barrier = undefined));
  hooks.barrier = () => {
    reached();
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  const deactivating = a.call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Wait', Method: 'POST' },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: false } },
      { Url: 'Roles/MyRole', Method: 'DELETE' },
    ],
  });
  await waiting;
  const activated = await b.call({ method: 'PATCH', url: `/rest/Roles/Other?sid=${sid}`, body: { IsActive: true } });
  assert.is(activated.status, 204);
  release();
  hooks.barrier = undefined;
  assert.equal(
    items(await deactivating).map((i) => i.ReturnCode),
    ['200', '204', '204', '204'],
  );
  const roles = (await b.call({ method: 'GET', url: `/rest/Roles?sid=${sid}` })).body;
  assert.equal(roles, [{ Id: 'Other', IsActive: true }]);
});

it('an ordinary deactivation keeps the role another node activated between its read and its write', async () => {
  const { a, b, sid } = await twoNodes();
  // Node B activates Other right after node A's store first reads or swaps meta/activeRole.
  let raced = false;
  const raceAfter = async <T>(collection: string, result: T): Promise<T> => {
    if (!raced && collection === 'meta') {
      raced = true;
      assert.is((await b.call({ method: 'PATCH', url: `/rest/Roles/Other?sid=${sid}`, body: { IsActive: true } })).status, 204);
    }
    return result;
  };
  const { get, compareAndSet } = { get: a.store.get.bind(a.store), compareAndSet: a.store.compareAndSet.bind(a.store) };
  a.store.get = async (id, collection, key) => raceAfter(collection, await get(id, collection, key));
  a.store.compareAndSet = async (id, collection, ...rest) => raceAfter(collection, await compareAndSet(id, collection, ...rest));
  const res = await a.call({ method: 'PATCH', url: `/rest/Roles/MyRole?sid=${sid}`, body: { IsActive: false } });
  assert.is(res.status, 204);
  assert.ok(raced);
  const roles = (await a.call({ method: 'GET', url: `/rest/Roles?sid=${sid}` })).body;
  assert.equal(roles, [
    { Id: 'MyRole', IsActive: false },
    { Id: 'Other', IsActive: true },
  ]);
});

it('an atomic batch that modified a parameter, deactivated a role and updated the session data rolls all three back', async () => {
  const prefix = `cw${++prefixes}:`;
  const atomic = node(prefix, true);
  const plain = node(prefix);
  const created = await plain.call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'MyParameter', DataType: 'String', Value: 'kept', PromptText: 'p' } },
    ],
  });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  const snapshot = async () => ({
    data: await plain.store.load(sid, 60_000),
    meta: await plain.store.list(sid, 'meta'),
    parameters: await plain.store.list(sid, 'parameters'),
  });
  const before = await snapshot();
  const res = await atomic.call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Parameters/MyParameter', Method: 'PATCH', Payload: { PromptText: 'changed' } },
      { Url: 'Boom', Method: 'POST' },
    ],
  });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['424', '500'],
  );
  assert.equal(await snapshot(), before);
});

it('the session data keeps exact JSON through concurrent patches: empty arrays, nulls, long numbers, unicode, key order', async () => {
  const { a, b, sid } = await twoNodes();
  const loaded = await a.store.load(sid, 60_000);
  const extra = {
    Empty: [],
    EmptyObject: {},
    Nested: { list: [[], {}, null, 0.1 + 0.2, 1e21, -0.5, 2 ** 53 + 2], text: 'é — \u2028 "q" \\ /' },
    Nothing: null,
  };
  await Promise.all([a.store.patchData(sid, extra), b.store.patchData(sid, { Page: 'Reports' })]);
  const expected = { ...loaded, ...extra, Page: 'Reports' };
  const after = await b.store.load(sid, 60_000);
  assert.equal(after, expected);
  assert.is(JSON.stringify(after), JSON.stringify(expected));
  // An undefined member removes the field.
  const removed = await a.store.patchData(sid, { Nothing: undefined, Empty: undefined });
  assert.equal(removed!.previous, after);
  assert.is('Nothing' in removed!.data || 'Empty' in removed!.data, false);
  assert.is(await a.store.patchData('0'.repeat(32), { Page: 'x' }), undefined);
});

it('compareAndSet compares by value, not by the text: another key order matches, another value does not', async () => {
  const { a, sid } = await twoNodes();
  const store = a.store;
  await store.set(sid, 'notes', 'n', { a: 1, b: [1, { c: null }] });
  assert.is(await store.compareAndSet(sid, 'notes', 'n', { b: [1, { c: null }], a: 2 }, { a: 3 }), false);
  assert.is(await store.compareAndSet(sid, 'notes', 'n', { b: [1, { c: null }], a: 1 }, { a: 3 }), true);
  assert.equal(await store.get(sid, 'notes', 'n'), { a: 3 });
  assert.is(await store.compareAndSet(sid, 'notes', 'n', undefined, { a: 4 }), false);
  assert.is(await store.compareAndSet(sid, 'notes', 'n', { a: 3 }, undefined), true);
  assert.is(await store.get(sid, 'notes', 'n'), undefined);
  assert.is(await store.compareAndSet(sid, 'notes', 'n', undefined, 'again'), true);
  assert.equal(await store.list(sid, 'notes'), [['n', 'again']]);
  const gone = await store.compareAndSet('0'.repeat(32), 'notes', 'n', undefined, 1).catch((error: { code?: string }) => error.code);
  assert.is(gone, 'SESSION_NOT_FOUND');
});

test.run();
