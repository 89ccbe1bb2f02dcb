import { MemorySessionStore } from '@restbatch/core';
import type { DirectRequest } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { errorBody, items } from './support/exago-items.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };

/** Sends `request` to a fresh engine and asserts the whole batch was rejected with `status` and `code`, nothing run. */
async function rejected(request: Partial<DirectRequest>, status: number, code: string): Promise<string> {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({}, { store });
  const res = await call({ url: '/rest/batch', ...request });
  assert.is(res.status, status, JSON.stringify(res.body));
  const body = errorBody(res);
  assert.is(body.code, code);
  assert.type(body.reason, 'string');
  assert.is(body.stacktrace, null);
  assert.not.ok(Array.isArray(res.body), 'a rejected batch has no per-call results');
  assert.is(store.size, 0, 'no session was created');
  return body.reason;
}

test('a body that is not an array is rejected whole', async () => {
  await rejected({ body: { Url: 'Sessions', Method: 'POST' } }, 400, 'BATCH_MALFORMED');
  await rejected({ body: 'Sessions' }, 400, 'BATCH_MALFORMED');
});

test('a null body is rejected whole', async () => {
  await rejected({ raw: 'null', headers: { 'content-type': 'application/json' } }, 400, 'BATCH_MALFORMED');
});

test('a missing body is rejected whole', async () => {
  await rejected({}, 400, 'BATCH_MALFORMED');
});

test('malformed JSON is rejected whole', async () => {
  await rejected({ raw: '[{"Url":"Sessions",', headers: { 'content-type': 'application/json' } }, 400, 'JSON_MALFORMED');
});

test('an empty array is rejected whole', async () => {
  await rejected({ body: [] }, 400, 'BATCH_EMPTY');
});

test('a batch whose first call is not POST Sessions is rejected whole', async () => {
  const reason = await rejected({ body: [{ Url: 'Roles', Method: 'GET' }] }, 400, 'BATCH_RULE_VIOLATION');
  assert.match(reason, /first call of a batch must be POST Sessions/);
});

test('a call that is not an object is rejected whole', async () => {
  await rejected({ body: [SESSION, 'Roles'] }, 400, 'BATCH_MALFORMED');
});

test('an unknown method is rejected whole', async () => {
  const reason = await rejected({ body: [SESSION, { Url: 'Roles', Method: 'PUT' }] }, 400, 'BATCH_MALFORMED');
  assert.match(reason, /^Call 1: Method must be one of POST, PATCH, GET, DELETE/);
  await rejected({ body: [SESSION, { Url: 'Roles', Method: 'constructor' }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, { Url: 'Roles' }] }, 400, 'BATCH_MALFORMED');
});

test('a call without a Url is rejected whole', async () => {
  const reason = await rejected({ body: [SESSION, { Method: 'GET' }] }, 400, 'BATCH_MALFORMED');
  assert.match(reason, /Call 1: Url is required/);
  await rejected({ body: [SESSION, { Url: '', Method: 'GET' }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, { Url: 42, Method: 'GET' }] }, 400, 'BATCH_MALFORMED');
});

test('a Url with a leading slash or a host is rejected whole', async () => {
  await rejected({ body: [SESSION, { Url: '/Roles', Method: 'GET' }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, { Url: 'http://evil/Roles', Method: 'GET' }] }, 400, 'BATCH_MALFORMED');
});

test('a lower-case resource name is rejected whole: Urls are case-sensitive', async () => {
  const reason = await rejected(
    { body: [SESSION, { Url: 'roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } }] },
    400,
    'BATCH_RULE_VIOLATION',
  );
  assert.match(reason, /capital letter/);
  await rejected({ body: [{ Url: 'sessions', Method: 'POST' }] }, 400, 'BATCH_RULE_VIOLATION');
});

test('GET, PATCH, DELETE and POST Sessions/{sid} are rejected inside a batch, naming the method sent', async () => {
  const sid = 'a'.repeat(32);
  for (const Method of ['GET', 'PATCH', 'DELETE', 'POST']) {
    const reason = await rejected({ body: [SESSION, { Url: `Sessions/${sid}`, Method }] }, 400, 'BATCH_RULE_VIOLATION');
    assert.is(reason, `Call 1: ${Method} Sessions/{sid} is not supported in a batch`);
  }
  await rejected({ body: [SESSION, { Url: 'Sessions', Method: 'GET' }] }, 400, 'BATCH_RULE_VIOLATION');
});

test('a second POST Sessions is rejected whole', async () => {
  const reason = await rejected({ body: [SESSION, { Url: 'Roles', Method: 'GET' }, SESSION] }, 400, 'BATCH_RULE_VIOLATION');
  assert.match(reason, /^Call 2: only the first call/);
});

test('an unknown field in a call is rejected whole', async () => {
  const reason = await rejected({ body: [SESSION, { Url: 'Roles', Method: 'GET', Headers: {} }] }, 400, 'BATCH_MALFORMED');
  assert.match(reason, /unknown field "Headers"/);
  await rejected({ body: [SESSION, { Url: 'Roles', method: 'GET' }] }, 400, 'BATCH_MALFORMED');
});

test('a Payload on a GET or DELETE call is rejected whole', async () => {
  await rejected({ body: [SESSION, { Url: 'Roles', Method: 'GET', Payload: {} }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, { Url: 'Roles/MyRole', Method: 'DELETE', Payload: [] }] }, 400, 'BATCH_MALFORMED');
});

test('"Payload": null on a GET or DELETE call is no payload (serializers that write null members, as .NET does by default)', async () => {
  const { call } = exagoEngine();
  for (const raw of [
    undefined,
    '[{"Url":"Sessions","Method":"POST"},{"Url":"Roles","Method":"GET","Payload":null},{"Url":"Roles/MyRole","Method":"DELETE","Payload":null}]',
  ]) {
    const res = await call(
      raw === undefined
        ? {
            url: '/rest/batch',
            body: [
              { Url: 'Sessions', Method: 'POST' },
              { Url: 'Roles', Method: 'GET', Payload: null },
              { Url: 'Roles/MyRole', Method: 'DELETE', Payload: null },
            ],
          }
        : { url: '/rest/batch', headers: { 'content-type': 'application/json' }, raw },
    );
    assert.is(res.status, 200, JSON.stringify(res.body));
    assert.equal(
      (res.body as Array<{ ReturnCode: string }>).map((i) => i.ReturnCode),
      ['201', '200', '204'],
    );
  }
});

test('a sid inside a call Url is rejected whole: calls run in the batch session', async () => {
  const reason = await rejected({ body: [SESSION, { Url: `Roles?sid=${'b'.repeat(32)}`, Method: 'GET' }] }, 400, 'BATCH_RULE_VIOLATION');
  assert.match(reason, /remove the sid parameter/);
});

test('a call repeating the Url of the call before it is checked all the same (its method, payload and fields)', async () => {
  const roles = { Url: 'Roles', Method: 'GET' };
  await rejected({ body: [SESSION, roles, { Url: 'Roles', Method: 'GET', Payload: {} }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, roles, { Url: 'Roles', Method: 'FETCH' }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, roles, { Url: 'Roles', Method: 'GET', Extra: 1 }] }, 400, 'BATCH_MALFORMED');
  await rejected({ body: [SESSION, roles, { Url: `Roles?sid=${'b'.repeat(32)}`, Method: 'GET' }] }, 400, 'BATCH_RULE_VIOLATION');
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'A' } },
      { Url: 'Roles/A', Method: 'GET' },
      { Url: 'Roles/A', Method: 'DELETE' },
      { Url: 'Roles/A', Method: 'GET' },
    ],
  });
  assert.equal(
    items(res).map((item) => item.ReturnCode),
    ['201', '201', '200', '204', '404'],
  );
});

test('an unknown config name is rejected before anything runs, without listing the known names', async () => {
  const reason = await rejected({ url: '/rest/batch?config=Nope', body: [SESSION] }, 400, 'CONFIG_UNKNOWN');
  assert.is(reason, 'Unknown session configuration "Nope"');
});

test('path-like and prototype config names are rejected before anything runs', async () => {
  for (const name of [
    '../etc',
    'default/../x',
    '..',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '/etc/passwd',
    'default%00',
    '',
  ]) {
    await rejected({ url: `/rest/batch?config=${encodeURIComponent(name)}`, body: [SESSION] }, 400, 'CONFIG_UNKNOWN');
  }
  await rejected({ url: '/rest/batch?config=default&config=Detailed', body: [SESSION] }, 400, 'CONFIG_UNKNOWN');
});

test('a batch endpoint answers 405 to anything but POST', async () => {
  const { call } = exagoEngine();
  const res = await call({ method: 'GET', url: '/rest/batch' });
  assert.is(res.status, 405);
  assert.is(errorBody(res).code, 'METHOD_NOT_ALLOWED');
  assert.is(res.headers.allow, 'POST');
});

test('the seed curl example single-quoted JSON is accepted', async () => {
  const { call } = exagoEngine();
  const raw = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";
  const res = await call({ url: '/rest/batch', raw, headers: { 'content-type': 'application/json' } });
  assert.is(res.status, 200);
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['201', '204'],
  );
});

test('single-quoted JSON is read whatever its Content-Type only when the API opts in', async () => {
  const raw = "[{'Url':'Sessions','Method':'POST'}]";
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const strict = exagoEngine();
  const res = await strict.call({ url: '/rest/batch', raw, headers: form });
  assert.is(res.status, 415);
  assert.is(errorBody(res).code, 'UNSUPPORTED_MEDIA_TYPE');
  const lenient = exagoEngine({ anyContentType: true });
  const ok = await lenient.call({ url: '/rest/batch', raw, headers: form });
  assert.is(ok.status, 200);
  assert.is(items(ok)[0]!.ReturnCode, '201');
});

test('single-quoted JSON gets the protections of JSON: __proto__ keys are dropped', async () => {
  const { call } = exagoEngine();
  const raw = "[{'Url':'Sessions','Method':'POST','Payload':{'__proto__':{'polluted':true},'Page':'Home'}}]";
  const res = await call({ url: '/rest/batch', raw });
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(items(res)[0]!.ResponseContent.Page, 'Home');
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('single-quoted strings count against the string length limit', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({}, { store, limits: { maxStringLength: 100 } });
  const raw = `[{'Url':'Sessions','Method':'POST','Payload':{'Page':'${'x'.repeat(200)}'}}]`;
  const res = await call({ url: '/rest/batch', raw });
  assert.is(res.status, 400);
  assert.is(errorBody(res).code, 'STRING_TOO_LONG');
  assert.is(store.size, 0);
});

test('brackets inside single-quoted strings cannot hide nesting beyond the depth limit', async () => {
  const store = new MemorySessionStore();
  const { call } = exagoEngine({}, { store, limits: { maxDepth: 8 } });
  const deep = `${'['.repeat(20)}${']'.repeat(20)}`;
  const raw = `[{'Url':'Sessions','Method':'POST','Payload':{'Page':'${']'.repeat(20)}'}}, ${deep}]`;
  const res = await call({ url: '/rest/batch', raw });
  assert.is(res.status, 400);
  assert.is(errorBody(res).code, 'JSON_TOO_DEEP');
  assert.is(store.size, 0);
  const inString = `[{'Url':'Sessions','Method':'POST','Payload':{'Page':'${'['.repeat(20)}'}}]`;
  const ok = await call({ url: '/rest/batch', raw: inString });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
});

test('an unterminated single-quoted string is rejected whole', async () => {
  await rejected({ raw: "[{'Url':'Sessions,'Method':'POST'}]" }, 400, 'JSON_MALFORMED');
});

test('a method name is read in any case', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'post' },
      { Url: 'Roles', Method: 'get' },
    ],
  });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['201', '200'],
  );
});

test.run();
