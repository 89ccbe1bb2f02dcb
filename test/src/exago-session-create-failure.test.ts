import type { CreateSessionOptions, JsonValue } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import { errorBody, type Item, items, openSession } from './support/exago-items.js';
import { FlakyStore } from './support/flaky-store.js';
import { until } from './support/until.js';

// docs/several-nodes.md, "What a 503 means": a sub-request answered 503 STORE_UNAVAILABLE did not
// change the store, and will not later. POST Sessions creates the session, then writes its roles:
// when a later write fails, the session it made must not stay, and the rest of the batch must not
// run in a session whose id the client never got.

const PARAMETER_THEN_READ = [
  { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p', Value: 'stored' } },
  { Url: 'Parameters', Method: 'GET' },
];

function codes(list: Item[]): string[] {
  return list.map((item) => `${item.ReturnCode}:${item.ResponseContent?.code ?? ''}`);
}

/** An engine on a store whose second write (the role written after the create) fails. */
function engineWithFailingRoleWrite() {
  const store = new FlakyStore();
  store.failNext(1, 1);
  const { engine, call, logged } = exagoEngine({ allowExistingSession: true }, { store });
  return { store, engine, call, logged };
}

test('POST Sessions whose role write fails answers 503 and leaves no session; the rest of the batch answers 401 SESSION_REQUIRED, as after a create that failed', async () => {
  const { store, call } = engineWithFailingRoleWrite();
  const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(res)), ['503:STORE_UNAVAILABLE', '401:SESSION_REQUIRED', '401:SESSION_REQUIRED'], JSON.stringify(res.body));
  assert.is(store.size, 0, 'the session POST Sessions made is still in the store');
  // The same batch when the create itself fails: the rest answers the same.
  store.failNext(1);
  const refused = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(refused)), codes(items(res)));
  assert.is(store.size, 0);
});

test('the ordinary call POST Sessions whose role write fails answers 503 and leaves no session', async () => {
  const { store, call } = engineWithFailingRoleWrite();
  const res = await call({ url: '/rest/Sessions', body: {} });
  assert.is(res.status, 503);
  assert.is(errorBody(res).code, 'STORE_UNAVAILABLE');
  assert.is(store.size, 0);
});

test('a failed POST Sessions in a batch run in an existing session: the rest runs in the session the client named, not the half-made one', async () => {
  const { store, call } = engineWithFailingRoleWrite();
  store.failing.clear();
  const { sid } = await openSession(call);
  store.failNext(1, 1);
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(res)).slice(0, 2), ['503:STORE_UNAVAILABLE', '201:'], JSON.stringify(res.body));
  assert.is(store.size, 1, 'only the session the client named is left');
  assert.equal(
    (await store.list(sid, 'parameters')).map(([id]) => id),
    ['p'],
  );
});

test('when the store cannot destroy the half-made session either, POST Sessions answers 500 ROLLBACK_INCOMPLETE saying it remains until it expires; the rest still answers 401', async () => {
  const { store, call, logged } = engineWithFailingRoleWrite();
  store.destroyMode = 'fails';
  const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(res)), ['500:ROLLBACK_INCOMPLETE', '401:SESSION_REQUIRED', '401:SESSION_REQUIRED'], JSON.stringify(res.body));
  const reason = String(items(res)[0]!.ResponseContent.reason);
  assert.match(reason, /could not destroy that session/);
  assert.match(reason, /expires 20 min after its last use/);
  assert.is(store.size, 1, 'the session stays: the store could not destroy it');
  assert.ok(
    logged.some((entry) => entry.message === 'rollback step failed'),
    JSON.stringify(logged),
  );
});

test('a destroy the store queued (details.queued) keeps the 503: the session goes once the store answers', async () => {
  const { store, call, logged } = engineWithFailingRoleWrite();
  store.destroyMode = 'queued';
  const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(res)), ['503:STORE_UNAVAILABLE', '401:SESSION_REQUIRED', '401:SESSION_REQUIRED'], JSON.stringify(res.body));
  assert.is(store.size, 0);
  assert.equal(logged, []);
});

test('an atomic batch whose POST Sessions fails: its rollback destroys the session once, nothing is logged as failed', async () => {
  const store = new FlakyStore();
  store.failNext(1, 1);
  const { call, logged } = exagoEngine({}, { store, apis: [exagoTestApi([], true)] });
  const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(res)), ['503:STORE_UNAVAILABLE', '424:SKIPPED', '424:SKIPPED'], JSON.stringify(res.body));
  assert.is(store.size, 0);
  assert.equal(logged, []);
});

test('an atomic batch whose POST Sessions fails and whose session the store cannot destroy: POST Sessions answers 500 ROLLBACK_INCOMPLETE, as outside an atomic run', async () => {
  const store = new FlakyStore();
  store.failNext(1, 1);
  store.destroyMode = 'fails';
  const { call, logged } = exagoEngine({}, { store, apis: [exagoTestApi([], true)] });
  const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  // Its own undo (the destroy) failed: a 503 would say it changed nothing, which is not so.
  assert.equal(codes(items(res)), ['500:ROLLBACK_INCOMPLETE', '424:SKIPPED', '424:SKIPPED'], JSON.stringify(res.body));
  assert.match(String(items(res)[0]!.ResponseContent.reason), /could not destroy that session/);
  assert.is(store.size, 1, 'the session stays: the store could not destroy it');
  assert.ok(logged.some((entry) => entry.message === 'rollback step failed'));
});

/** A memory store whose creates wait until `land()` is called: a create slower than the sub-request's timeout. */
class SlowCreateStore extends FlakyStore {
  landed = 0;
  #waiting: Array<() => void> = [];

  /** Lets every waiting create reach the store. */
  land(): void {
    for (const go of this.#waiting.splice(0)) go();
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  override async create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string> {
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    const id = await super.create(data, options);
    this.landed++;
    return id;
  }
}

for (const [name, url] of [
  ['a batch', '/rest/batch'],
  ['an atomic batch', '/rest/batch?onFail=atomic'],
] as const) {
  test(`${name}: a POST Sessions whose create lands after it timed out (504) leaves no session, nor one counted against the caller (concepts.md)`, async () => {
    const store = new SlowCreateStore();
    const { call } = exagoEngine({}, { store, limits: { subRequestTimeoutMs: 20 } as never });
    const res = await call({
      url,
      body: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Roles', Method: 'GET' },
      ],
    });
    assert.equal(codes(items(res)).slice(0, 1), ['504:TIMEOUT'], JSON.stringify(res.body));
    assert.is(store.waiting, 1);
    store.land();
    await until(() => store.landed === 1, 'the create landed');
    await until(() => store.size === 0, 'the late session is destroyed');
  });
}

test('an ordinary POST /rest/Sessions whose create lands after it timed out (504) leaves no session', async () => {
  const store = new SlowCreateStore();
  const { call } = exagoEngine({}, { store, limits: { subRequestTimeoutMs: 20 } as never });
  const res = await call({ url: '/rest/Sessions', body: {} });
  assert.is(res.status, 504);
  assert.is(errorBody(res).code, 'TIMEOUT');
  store.land();
  await until(() => store.landed === 1, 'the create landed');
  await until(() => store.size === 0, 'the late session is destroyed');
});

test('a session created after its answer that the store cannot destroy is logged (rollback step failed), never bound to the batch', async () => {
  const store = new SlowCreateStore();
  store.destroyMode = 'fails';
  const { call, logged } = exagoEngine({}, { store, limits: { subRequestTimeoutMs: 20 } as never });
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles', Method: 'GET' },
    ],
  });
  assert.equal(codes(items(res)), ['504:TIMEOUT', '401:SESSION_REQUIRED'], JSON.stringify(res.body));
  store.land();
  await until(() => logged.some((entry) => entry.message === 'rollback step failed'), 'the failed destroy is logged');
  assert.is(store.size, 1);
});

test('a POST Sessions that succeeds keeps its session and the batch runs in it', async () => {
  const store = new FlakyStore();
  const { call } = exagoEngine({}, { store });
  const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, ...PARAMETER_THEN_READ] });
  assert.equal(codes(items(res)), ['201:', '201:', '200:']);
  assert.is(store.size, 1);
});

test.run();
