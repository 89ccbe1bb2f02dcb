import 'reflect-metadata';
import { createEngine, type Dialect, Get, type HandlerContext, type MemorySessionStore, Post, Resource } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { batch, canonicalDialect, featuresEngine, newSession } from './support/features-engine.js';

const note = (id: string, extra: Record<string, unknown> = {}) => ({ method: 'POST', url: '/Notes', body: { id }, ...extra });

test('an atomic batch that fails leaves no note behind and reports what was rolled back', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    { onFail: 'atomic', requests: [note('a'), note('b'), { method: 'POST', url: '/Tools/fail' }, note('c')] },
    { sid },
  );
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code ?? null]),
    [
      [424, 'ROLLED_BACK'],
      [424, 'ROLLED_BACK'],
      [400, 'VALIDATION_FAILED'],
      [424, 'SKIPPED'],
    ],
  );
  assert.equal(await engine.store.list(sid, 'notes'), []);
  assert.equal(res.body.summary, { succeeded: 0, failed: 3, skipped: 1 });
});

test('an atomic batch that succeeds keeps everything', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(call, { onFail: 'atomic', requests: [note('a'), note('b')] }, { sid });
  assert.equal(
    res.body.results.map((r) => r.status),
    [201, 201],
  );
  assert.equal(
    (await engine.store.list(sid, 'notes')).map(([k]) => k),
    ['a', 'b'],
  );
});

test('a handler that throws half-way after writing leaves no partial state in its group', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    {
      requests: [
        note('before'),
        note('g1', { atomicityGroup: 'g' }),
        { method: 'POST', url: '/Notes/explode', atomicityGroup: 'g' },
        note('g2', { atomicityGroup: 'g' }),
        note('after'),
      ],
    },
    { sid },
  );
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code ?? null]),
    [
      [201, null],
      [424, 'ROLLED_BACK'],
      [500, 'INTERNAL'],
      [424, 'SKIPPED'],
      [201, null],
    ],
  );
  assert.equal(
    (await engine.store.list(sid, 'notes')).map(([k]) => k),
    ['before', 'after'],
  );
  assert.equal(await engine.store.load(sid, 60_000), {});
});

test('compensation steps undo external side effects of a failed group', async () => {
  const { engine, call, ledger } = featuresEngine();
  const sid = await newSession(engine);
  const external = (name: string, group?: string) => ({ method: 'POST', url: '/Notes/external', body: { name }, atomicityGroup: group });
  const res = await batch(
    call,
    {
      requests: [external('kept'), external('one', 'g'), external('two', 'g'), { method: 'POST', url: '/Tools/fail', atomicityGroup: 'g' }],
    },
    { sid },
  );
  assert.equal(
    res.body.results.map((r) => r.status),
    [201, 424, 424, 400],
  );
  assert.equal(ledger, ['kept']);
});

test('a rollback whose undo step fails answers 500 ROLLBACK_INCOMPLETE, never ROLLED_BACK, and the other steps still run', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    { onFail: 'atomic', requests: [note('a'), { method: 'POST', url: '/Notes/stuck' }, { method: 'POST', url: '/Tools/fail' }] },
    { sid },
  );
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code ?? null]),
    [
      [500, 'ROLLBACK_INCOMPLETE'],
      [500, 'ROLLBACK_INCOMPLETE'],
      [400, 'VALIDATION_FAILED'],
    ],
  );
  // Every other undo step ran: the session's notes are gone; only the external effect is unknown.
  assert.equal(await engine.store.list(sid, 'notes'), []);
});

test('a group member skipped for a failed dependency rolls its group back too', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    {
      requests: [
        { id: 'x', method: 'POST', url: '/Tools/fail' },
        note('g1', { atomicityGroup: 'g' }),
        note('g2', { atomicityGroup: 'g', dependsOn: ['x'] }),
      ],
    },
    { sid },
  );
  assert.equal(
    res.body.results.map((r) => r.status),
    [400, 424, 424],
  );
  assert.equal(await engine.store.list(sid, 'notes'), []);
});

test('a nested atomic group is rejected before anything runs', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(call, { onFail: 'atomic', requests: [note('a'), note('b', { atomicityGroup: 'inner' })] }, { sid });
  assert.is(res.status, 400);
  assert.is(res.body.error!.code, 'BATCH_RULE_VIOLATION');
  const perSub = await batch(call, { requests: [note('a', { onFail: 'atomic' }), note('b', { atomicityGroup: 'inner' })] }, { sid });
  assert.is(perSub.status, 400);
  assert.is(perSub.body.error!.code, 'BATCH_RULE_VIOLATION');
  assert.equal(await engine.store.list(sid, 'notes'), []);
});

test('a group that is not one contiguous run is rejected before anything runs', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(call, { requests: [note('a', { atomicityGroup: 'g' }), note('b'), note('c', { atomicityGroup: 'g' })] }, { sid });
  assert.is(res.status, 400);
  assert.is(res.body.error!.code, 'BATCH_RULE_VIOLATION');
  assert.equal(await engine.store.list(sid, 'notes'), []);
});

test('a streamed atomic run is sent only once it has settled', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const streamed: Array<{ status: number }> = [];
  await call({
    url: `/api/batch?sid=${sid}`,
    body: { onFail: 'atomic', requests: [note('a'), { method: 'POST', url: '/Tools/fail' }] },
    onResult: (item) => streamed.push(item as { status: number }),
  });
  assert.equal(
    streamed.map((r) => r.status),
    [424, 400],
  );
});

test('an atomic Exago batch (?onFail=atomic) that fails leaves not even its session', async () => {
  const { engine, call } = exagoEngine();
  const res = await call({
    url: '/rest/batch?onFail=atomic',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Extra' } },
      { Url: 'Roles/Nobody', Method: 'PATCH', Payload: { IsActive: true } },
    ],
  });
  const items = res.body as Array<{ ReturnCode: string }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['424', '424', '404'],
  );
  assert.is((engine.store as MemorySessionStore).size, 0);
});

/** Opens a session and writes into it (a login); `Where` answers which session a sub-request runs in. */
@Resource('Login')
class LoginResource {
  @Post()
  async login(ctx: HandlerContext) {
    const session = await ctx.createSession({});
    await session.set('notes', 'from-login', { id: 'from-login' });
    return { id: session.id };
  }
}

@Resource('Where', { session: 'required' })
class WhereResource {
  @Get()
  where(ctx: HandlerContext) {
    return { sid: ctx.session!.id };
  }
}

/** The canonical dialect, its answer also naming the session the batch ends in (`BatchResult.sessionId`). */
const sessionDialect: Dialect = {
  ...canonicalDialect,
  name: 'canonical-session',
  encode: (result, context) => ({ ...(canonicalDialect.encode(result, context) as object), sessionId: result.sessionId ?? null }),
};

function loginEngine() {
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [LoginResource, WhereResource],
        batch: [{ path: 'batch', dialect: sessionDialect, allowExistingSession: true }],
        sessions: { param: 'sid' },
      },
    ],
    logger: { error: () => undefined },
  });
  return { engine, call: createDirectCaller(engine) };
}

const login = { id: 'login', method: 'POST', url: '/Login', atomicityGroup: 'g' };
const failing = { id: 'fail', method: 'POST', url: '/Where', atomicityGroup: 'g' };
const where = { id: 'where', method: 'GET', url: '/Where' };

test('after an atomicity group that created a session is rolled back, what follows runs as after a create that failed (401 SESSION_REQUIRED), and the batch names no session', async () => {
  const { engine, call } = loginEngine();
  // POST /Where has no route: the group fails after its session was created.
  const res = await call({ url: '/api/batch', body: { requests: [login, failing, where] } });
  const body = res.body as { results: Array<{ status: number; error?: { code: string } }>; sessionId: string | null };
  assert.equal(
    body.results.map((r) => `${r.status}:${r.error?.code ?? ''}`),
    ['424:ROLLED_BACK', '405:METHOD_NOT_ALLOWED', '401:SESSION_REQUIRED'],
    JSON.stringify(body),
  );
  assert.is(body.sessionId, null);
  assert.is((engine.store as MemorySessionStore).size, 0);
});

test('after such a group in a batch run in an existing session, what follows runs in that session again', async () => {
  const { engine, call } = loginEngine();
  const sid = await newSession(engine);
  const res = await call({ url: `/api/batch?sid=${sid}`, body: { requests: [login, failing, where] } });
  const body = res.body as { results: Array<{ status: number; body?: unknown }>; sessionId: string | null };
  assert.equal(body.results[2], { index: 2, id: 'where', status: 200, headers: {}, body: { sid } }, JSON.stringify(body));
  assert.is(body.sessionId, sid);
  assert.is((engine.store as MemorySessionStore).size, 1);
});

test.run();
