import { type BatchResult, type Dialect, exagoDialect, type SubResult } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { errorBody, items } from './support/exago-items.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };

test('calls run in the order given and results come back in the same order', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', Value: 'one' } },
      { Url: 'Parameters/P', Method: 'GET' },
      { Url: 'Parameters/P', Method: 'PATCH', Payload: { Value: 'two' } },
      { Url: 'Parameters/P', Method: 'GET' },
      { Url: 'Parameters/P', Method: 'DELETE' },
      { Url: 'Parameters/P', Method: 'GET' },
    ],
  });
  assert.is(res.status, 200);
  const out = items(res);
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '201', '200', '204', '200', '204', '404'],
  );
  assert.is(out[2]!.ResponseContent.Value, 'one');
  assert.is(out[4]!.ResponseContent.Value, 'two');
});

test('ReturnCode is the status as text for every status, in the table of common ones or past it; a hole in the results stays one', () => {
  const statuses = [100, 200, 201, 299, 404, 599, 600, 999, 1000];
  const results: SubResult[] = statuses.map((status, index) => ({ index, status, headers: {}, body: { n: index } }));
  const encode = exagoDialect.encode as (result: BatchResult, context?: unknown) => unknown;
  const out = encode({ results, summary: { succeeded: 0, failed: 0, skipped: 0 } }) as Array<{ ReturnCode: string }>;
  assert.equal(
    out.map((item) => item.ReturnCode),
    statuses.map(String),
  );
  // An untyped caller's status that is no number is its own text too, never a member of the table.
  const odd = exagoDialect.encodeResult?.({ index: 0, status: 'length' as unknown as number, headers: {}, body: null }) as {
    ReturnCode: string;
  };
  assert.is(odd.ReturnCode, 'length');
  assert.equal(exagoDialect.encodeResult?.({ index: 0, status: 204, headers: {}, body: undefined }), {
    ReturnCode: '204',
    ResponseContent: { StatusCode: 204, StatusDescription: null },
  });
  const sparse = new Array<SubResult>(3);
  sparse[0] = results[1] as SubResult;
  sparse[2] = results[3] as SubResult;
  const holed = encode({ results: sparse, summary: { succeeded: 2, failed: 0, skipped: 0 } }) as unknown[];
  assert.is(holed.length, 3);
  assert.not.ok(1 in holed);
  assert.equal((holed[2] as { ReturnCode: string }).ReturnCode, '299');
  // The engine reads results as they are only while plainResults names the dialect's own encodeResult.
  const dialect: Dialect = exagoDialect;
  assert.is(dialect.plainResults, dialect.encodeResult);
});

test('ReturnCode is always a string and every item has exactly ReturnCode and ResponseContent', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: [...SEED_BATCH, { Url: 'Roles/Nope', Method: 'GET' }] });
  for (const item of items(res)) {
    assert.type(item.ReturnCode, 'string');
    assert.equal(Object.keys(item), ['ReturnCode', 'ResponseContent']);
  }
});

test('200 and 201 carry the content', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } }, { Url: 'Roles/R', Method: 'GET' }],
  });
  const out = items(res);
  assert.is(out[1]!.ReturnCode, '201');
  assert.equal(out[1]!.ResponseContent, { Id: 'R', IsActive: true });
  assert.is(out[2]!.ReturnCode, '200');
  assert.equal(out[2]!.ResponseContent, { Id: 'R', IsActive: true });
});

test('204 carries StatusCode 204 and a null StatusDescription', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Roles/MyRole', Method: 'DELETE' }] });
  assert.equal(items(res)[1], { ReturnCode: '204', ResponseContent: { StatusCode: 204, StatusDescription: null } });
});

test('400-500 carry a reason and a null stacktrace by default', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Roles/Nope', Method: 'GET' }] });
  const item = items(res)[1]!;
  assert.is(item.ReturnCode, '404');
  assert.is(item.ResponseContent.code, 'NOT_FOUND');
  assert.match(String(item.ResponseContent.reason), /Role "Nope" does not exist/);
  assert.is(item.ResponseContent.stacktrace, null);
});

test('with ShowErrorDetail on, an error carries its stack trace', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch?config=Detailed', body: [SESSION, { Url: 'Roles/Nope', Method: 'GET' }] });
  const out = items(res);
  assert.is(out[0]!.ResponseContent.ShowErrorDetail, true);
  assert.type(out[1]!.ResponseContent.stacktrace, 'string');
  assert.match(String(out[1]!.ResponseContent.stacktrace), /at /);
});

test('ShowErrorDetail set in the POST Sessions payload turns stack traces on for the rest of the batch', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      { ...SESSION, Payload: { ShowErrorDetail: true } },
      { Url: 'Roles/Nope', Method: 'GET' },
    ],
  });
  assert.type(items(res)[1]!.ResponseContent.stacktrace, 'string');
});

test('a payload failing its schema is 400 naming the index and the JSON pointer, and the others run', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'A', DataType: 'Banana' } },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: 'yes' } },
      { Url: 'Parameters', Method: 'POST', Payload: { Value: 'no id' } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'B', Colour: 'red' } },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'C' } },
    ],
  });
  const out = items(res);
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '400', '400', '400', '400', '201'],
  );
  const expected: Array<[number, string]> = [
    [1, '/DataType'],
    [2, '/IsActive'],
    [3, '/Id'],
    [4, '/Colour'],
  ];
  for (const [index, pointer] of expected) {
    const content = out[index]!.ResponseContent;
    assert.is(content.code, 'VALIDATION_FAILED');
    assert.ok(String(content.reason).startsWith(`Sub-request ${index}: payload ${pointer} `), String(content.reason));
    assert.equal((content.details as { index: number; pointer: string }).index, index);
    assert.equal((content.details as { index: number; pointer: string }).pointer, pointer);
  }
  assert.match(String(out[1]!.ResponseContent.reason), /String, Date/);
});

test('a payload that is not an object fails validation at the root pointer', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Parameters', Method: 'POST', Payload: [1] }] });
  const content = items(res)[1]!.ResponseContent;
  assert.is(items(res)[1]!.ReturnCode, '400');
  assert.equal((content.details as { pointer: string }).pointer, '');
  assert.match(String(content.reason), /^Sub-request 1: payload \(root\) must be object/);
});

test('an unknown resource is 404 in its own slot', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Widgets', Method: 'GET' }, { Url: 'Roles', Method: 'GET' }] });
  const out = items(res);
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '404', '200'],
  );
  assert.is(out[1]!.ResponseContent.code, 'ROUTE_NOT_FOUND');
});

test('a known resource with a wrong method is 405 listing the allowed methods', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles', Method: 'DELETE' }, { Url: 'Roles/MyRole', Method: 'POST', Payload: {} }],
  });
  const out = items(res);
  assert.is(out[1]!.ReturnCode, '405');
  assert.is(out[1]!.ResponseContent.code, 'METHOD_NOT_ALLOWED');
  assert.equal(out[1]!.ResponseContent.details, { allowed: ['GET', 'POST'] });
  assert.match(String(out[1]!.ResponseContent.reason), /allowed: GET, POST/);
  assert.equal(out[2]!.ResponseContent.details, { allowed: ['GET', 'PATCH', 'DELETE'] });
});

test('an ordinary call with a wrong method is 405 with an Allow header', async () => {
  const { call } = exagoEngine();
  const res = await call({ method: 'PUT', url: '/rest/Roles', body: {} });
  assert.is(res.status, 405);
  // HEAD is served as GET on ordinary calls, so Allow lists it; details list the route methods.
  assert.is(res.headers.allow, 'GET, HEAD, POST');
  assert.equal(errorBody(res).details, { allowed: ['GET', 'POST'] });
  const unknown = await call({ method: 'GET', url: '/rest/Widgets' });
  assert.is(unknown.status, 404);
  assert.is(errorBody(unknown).code, 'ROUTE_NOT_FOUND');
});

test('a path outside any API is 404', async () => {
  const { call } = exagoEngine();
  const res = await call({ method: 'GET', url: '/elsewhere' });
  assert.is(res.status, 404);
});

test('a dot-segment Url fails in its own slot', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles/../Sessions', Method: 'GET' }, { Url: 'Roles', Method: 'GET' }],
  });
  const out = items(res);
  assert.equal(
    out.map((i) => i.ReturnCode),
    ['201', '400', '200'],
  );
  assert.is(out[1]!.ResponseContent.code, 'INVALID_PATH');
});

test('calls that need a session fail with 401 when called without one', async () => {
  const { call } = exagoEngine();
  const res = await call({ method: 'GET', url: '/rest/Roles' });
  assert.is(res.status, 401);
  assert.is(errorBody(res).code, 'SESSION_REQUIRED');
});

test('the batch answer carries a summary header', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: [SESSION, { Url: 'Roles/Nope', Method: 'GET' }] });
  assert.is(res.headers['restbatch-summary'], 'succeeded=1, failed=1, skipped=0');
});

test.run();
