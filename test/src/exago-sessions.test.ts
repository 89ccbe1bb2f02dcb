import { MemorySessionStore, type ResourceHandler } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { errorBody, items, openSession } from './support/exago-items.js';

test('every batch creates a new session with a 128-bit random id', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({}, { store });
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const { sid } = await openSession(call);
    assert.match(sid, /^[0-9a-f]{32}$/);
    ids.add(sid);
  }
  assert.is(ids.size, 5);
  assert.is(store.size, 5);
});

test('a client cannot choose the session id', async () => {
  const { call } = exagoEngine();
  const { res } = await openSession(call, [], '/rest/batch');
  const sid = String(items(res)[0]!.ResponseContent.Id);
  const chosen = 'c'.repeat(32);
  const again = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST', Payload: { Id: chosen } }] });
  assert.is(items(again)[0]!.ReturnCode, '400');
  assert.is(items(again)[0]!.ResponseContent.code, 'VALIDATION_FAILED');
  assert.is.not(sid, chosen);
});

test('a forged, unknown or path-like sid on an ordinary call is 401 SESSION_NOT_FOUND', async () => {
  const { call } = exagoEngine();
  await openSession(call);
  for (const sid of ['f'.repeat(32), 'F'.repeat(32), 'abc', '../../etc/passwd', `${'a'.repeat(32)}/..`, '__proto__', 'constructor', '']) {
    const res = await call({ method: 'GET', url: `/rest/Roles?sid=${encodeURIComponent(sid)}` });
    assert.is(res.status, 401, sid);
    assert.is(errorBody(res).code, 'SESSION_NOT_FOUND');
  }
  const twice = await call({ method: 'GET', url: `/rest/Roles?sid=${'a'.repeat(32)}&sid=${'b'.repeat(32)}` });
  assert.is(twice.status, 401);
});

test('sessions slide: each use extends the idle lifetime, and an idle session expires', async () => {
  let now = 1_000_000;
  const store = new MemorySessionStore({ now: () => now });
  const { call } = exagoEngine({}, { store, sessionTtlMs: 1000 });
  const { sid } = await openSession(call);
  for (let i = 0; i < 4; i++) {
    now += 900;
    const res = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
    assert.is(res.status, 200, `use ${i} within the idle time`);
  }
  now += 1000;
  const expired = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
  assert.is(expired.status, 401);
  assert.is(errorBody(expired).code, 'SESSION_NOT_FOUND');
  assert.is(store.size, 0);
});

test('GET Sessions/{sid} outside a batch answers the session content', async () => {
  const { call } = exagoEngine();
  const { sid, res } = await openSession(call);
  const got = await call({ method: 'GET', url: `/rest/Sessions/${sid}` });
  assert.is(got.status, 200);
  assert.equal(got.body, items(res)[0]!.ResponseContent);
});

test('PATCH Sessions/{sid} outside a batch changes the session partially and answers 204', async () => {
  const { call } = exagoEngine();
  const { sid } = await openSession(call);
  const patched = await call({ method: 'PATCH', url: `/rest/Sessions/${sid}`, body: { ShowTabs: false, Page: 'Reports' } });
  assert.is(patched.status, 204);
  assert.is(patched.body, undefined);
  const got = (await call({ method: 'GET', url: `/rest/Sessions/${sid}` })).body as Record<string, unknown>;
  assert.is(got.ShowTabs, false);
  assert.is(got.Page, 'Reports');
  assert.is(got.ApiAction, 'Default');
  const bad = await call({ method: 'PATCH', url: `/rest/Sessions/${sid}`, body: { ApiKey: 'mine' } });
  assert.is(bad.status, 400);
  assert.is(errorBody(bad).code, 'VALIDATION_FAILED');
});

test('DELETE Sessions/{sid} outside a batch ends the session', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({}, { store });
  const { sid } = await openSession(call);
  const deleted = await call({ method: 'DELETE', url: `/rest/Sessions/${sid}` });
  assert.is(deleted.status, 204);
  assert.is(store.size, 0);
  for (const method of ['GET', 'DELETE']) {
    const res = await call({ method, url: `/rest/Sessions/${sid}` });
    assert.is(res.status, 401);
    assert.is(errorBody(res).code, 'SESSION_NOT_FOUND');
  }
  assert.is((await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` })).status, 401);
});

test('Sessions/{sid} with a malformed or path-like id is 401 or 400, never a lookup', async () => {
  const { call } = exagoEngine();
  assert.is((await call({ method: 'GET', url: `/rest/Sessions/${'0'.repeat(32)}` })).status, 401);
  assert.is((await call({ method: 'GET', url: '/rest/Sessions/constructor' })).status, 401);
  const dots = await call({ method: 'GET', url: '/rest/Sessions/..' });
  assert.is(dots.status, 400);
  assert.is(errorBody(dots).code, 'INVALID_PATH');
});

test('POST Sessions works as an ordinary call too', async () => {
  const { call } = exagoEngine();
  const res = await call({ method: 'POST', url: '/rest/Sessions?config=Detailed' });
  assert.is(res.status, 201);
  const content = res.body as Record<string, unknown>;
  assert.is(content.ShowErrorDetail, true);
  const roles = await call({ method: 'GET', url: `/rest/Roles?sid=${String(content.Id)}` });
  assert.equal(roles.body, [
    { Id: 'MyRole', IsActive: false },
    { Id: 'Admin', IsActive: false },
  ]);
  const unknown = await call({ method: 'POST', url: '/rest/Sessions?config=../etc' });
  assert.is(unknown.status, 400);
  assert.is(errorBody(unknown).code, 'CONFIG_UNKNOWN');
});

test('the config parameter picks a registered configuration: its defaults, roles and parameters', async () => {
  const { call } = exagoEngine({
    configs: {
      default: { roles: [{ Id: 'MyRole' }] },
      Sales: {
        defaults: { Page: 'SalesHome', ShowTabs: false, ExportType: 'pdf' },
        roles: [{ Id: 'Seller' }, { Id: 'Manager', IsActive: true }],
        parameters: [
          { Id: 'Region', Value: 'EU', IsHidden: false },
          { Id: 'Year', DataType: 'Integer', Value: '2024' },
        ],
      },
    },
  });
  const { sid, res } = await openSession(
    call,
    [
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Parameters', Method: 'GET' },
    ],
    '/rest/batch?config=Sales',
  );
  const out = items(res);
  assert.is(out[0]!.ResponseContent.Page, 'SalesHome');
  assert.is(out[0]!.ResponseContent.ShowTabs, false);
  assert.is(out[0]!.ResponseContent.ExportType, 'pdf');
  assert.equal(out[1]!.ResponseContent, [
    { Id: 'Seller', IsActive: false },
    { Id: 'Manager', IsActive: true },
  ]);
  assert.equal(out[2]!.ResponseContent, [
    { Id: 'Region', DataType: 'String', Value: 'EU', PromptText: null, IsHidden: false, IsMultiValue: false, Values: null },
    { Id: 'Year', DataType: 'Integer', Value: '2024', PromptText: null, IsHidden: true, IsMultiValue: false, Values: null },
  ]);
  const plain = await openSession(call, [{ Url: 'Roles', Method: 'GET' }]);
  assert.equal(items(plain.res)[1]!.ResponseContent, [{ Id: 'MyRole', IsActive: false }]);
  assert.is(items(plain.res)[0]!.ResponseContent.Page, 'ExagoHome');
  assert.is.not(plain.sid, sid);
});

test('two engines in one process are fully separate', async () => {
  const a = exagoEngine();
  const b = exagoEngine({ configs: { default: {} } });
  const { sid } = await openSession(a.call);
  assert.is((await a.call({ method: 'GET', url: `/rest/Roles?sid=${sid}` })).status, 200);
  const other = await b.call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
  assert.is(other.status, 401);
  assert.is(errorBody(other).code, 'SESSION_NOT_FOUND');
  assert.is((await b.call({ method: 'GET', url: `/rest/Sessions/${sid}` })).status, 401);
  const inB = await openSession(b.call, [{ Url: 'Roles/MyRole', Method: 'GET' }]);
  assert.is(items(inB.res)[1]!.ReturnCode, '404', 'B has its own configurations');
  assert.is.not(a.engine.store, b.engine.store);
  assert.is.not(a.engine.container, b.engine.container);
});

test('without the option, a batch with a sid parameter is rejected and nothing runs', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({}, { store });
  const { sid } = await openSession(call);
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: [{ Url: 'Roles/MyRole', Method: 'DELETE' }] });
  assert.is(res.status, 400);
  assert.is(errorBody(res).code, 'BATCH_RULE_VIOLATION');
  const roles = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
  assert.equal(roles.body, [{ Id: 'MyRole', IsActive: false }]);
  assert.is(store.size, 1);
});

test('with allowExistingSession, a batch with a sid runs in that session without POST Sessions', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({ allowExistingSession: true }, { store });
  const { sid } = await openSession(call);
  const res = await call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Later' } },
    ],
  });
  assert.is(res.status, 200);
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['204', '201'],
  );
  assert.is(store.size, 1);
  const param = await call({ method: 'GET', url: `/rest/Parameters/Later?sid=${sid}` });
  assert.is(param.status, 200);
  assert.equal((await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` })).body, [{ Id: 'MyRole', IsActive: true }]);
});

test('with allowExistingSession, an unknown or forged sid on the batch is 401 and nothing runs', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({ allowExistingSession: true }, { store });
  for (const sid of ['d'.repeat(32), '../x', '__proto__']) {
    const res = await call({
      url: `/rest/batch?sid=${encodeURIComponent(sid)}`,
      body: [{ Url: 'Roles', Method: 'POST', Payload: { Id: 'X' } }],
    });
    assert.is(res.status, 401);
    assert.is(errorBody(res).code, 'SESSION_NOT_FOUND');
  }
  assert.is(store.size, 0);
});

test('with allowExistingSession, Sessions/{sid} calls are still rejected in a batch', async () => {
  const { call } = exagoEngine({ allowExistingSession: true });
  const { sid } = await openSession(call);
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: [{ Url: `Sessions/${sid}`, Method: 'DELETE' }] });
  assert.is(res.status, 400);
  assert.is(errorBody(res).code, 'BATCH_RULE_VIOLATION');
  assert.is((await call({ method: 'GET', url: `/rest/Sessions/${sid}` })).status, 200);
});

test('the seed batch session is usable from ordinary calls afterwards', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = String(items(res)[0]!.ResponseContent.Id);
  const all = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
  assert.is(all.status, 200);
  assert.is((all.body as unknown[]).length, 1);
});

test('memory store: reads and writes of a session destroyed mid-batch answer 401 SESSION_NOT_FOUND, as the same calls alone do (not an empty session)', async () => {
  const store = new MemorySessionStore();
  // Destroys the batch's session behind its back, as a concurrent DELETE Sessions/{sid} does.
  const doom: ResourceHandler = {
    name: 'Doom',
    session: 'required',
    routes: [{ method: 'POST', path: '', handle: async (ctx) => ({ destroyed: await store.destroy(ctx.session!.id) }) }],
  };
  const { call } = exagoEngine({}, { store, apis: [exagoTestApi([doom], false)] });
  const { sid } = await openSession(call);
  const calls = [
    { Url: 'Roles', Method: 'GET' },
    { Url: 'Roles/MyRole', Method: 'GET' },
    { Url: 'Roles/MyRole', Method: 'DELETE' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p' } },
  ];
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: [{ Url: 'Doom', Method: 'POST' }, ...calls] });
  const codes = items(res).map((item) => `${item.ReturnCode} ${item.ResponseContent?.code ?? ''}`.trim());
  assert.equal(codes, ['201', ...new Array(calls.length).fill('401 SESSION_NOT_FOUND')], JSON.stringify(res.body));
  const alone = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
  assert.is(alone.status, 401);
  assert.is(errorBody(alone).code, 'SESSION_NOT_FOUND');
});

test.run();
