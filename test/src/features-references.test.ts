import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { batch, featuresEngine, newSession } from './support/features-engine.js';

test('a value from an earlier result fills the path, query, a header and the payload', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    {
      requests: [
        { id: 'make', method: 'POST', url: '/Notes', body: { id: 'n1', text: 'hello' } },
        {
          method: 'GET',
          url: '/Tools/echo/${make/body/id}?text=${make/body/text}&status=$ref:make/status',
          headers: { 'x-ref': 'note ${0/body/id}' },
        },
        {
          method: 'POST',
          url: '/Tools/echo',
          body: { copy: '$ref:make/body', where: '$ref:make/headers/Location', list: ['${1/body/params/value}!'] },
        },
      ],
    },
    { sid },
  );
  assert.is(res.status, 200);
  const [, echo, posted] = res.body.results;
  assert.is(echo!.status, 200);
  assert.equal(echo!.body, { params: { value: 'n1' }, query: { text: 'hello', status: '201' }, header: 'note n1' });
  assert.equal(posted!.body, { body: { copy: { id: 'n1', text: 'hello' }, where: '/Notes/n1', list: ['n1!'] } });
});

test('a reference keeps its JSON type as a whole value and becomes text inside a string', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { flag: '$ref:0/body/ok', status: '$ref:0/status', text: 'is ${0/body/ok}' } },
    ],
  });
  assert.equal(res.body.results[1]!.body, { body: { flag: true, status: 200, text: 'is true' } });
});

test('a doubled dollar writes a literal that looks like a reference', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { a: '$$ref:0/status', b: 'cost $${0/status} and $5', c: '$ref-less $ text' } },
    ],
  });
  assert.equal(res.body.results[1]!.body, { body: { a: '$ref:0/status', b: 'cost ${0/status} and $5', c: '$ref-less $ text' } });
});

test('a forward reference rejects the whole batch before anything runs', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    {
      requests: [
        { method: 'POST', url: '/Notes', body: { id: 'early' } },
        { method: 'GET', url: '/Notes/${later/body/id}' },
        { id: 'later', method: 'POST', url: '/Notes', body: { id: 'late' } },
      ],
    },
    { sid },
  );
  assert.is(res.status, 400);
  assert.is(res.body.error!.code, 'REFERENCE_INVALID');
  assert.equal(await engine.store.list(sid, 'notes'), []);
});

test('a reference to itself, to an unknown id or to an index past the end rejects the batch', async () => {
  const { call } = featuresEngine();
  for (const ref of ['$ref:0/status', '$ref:nobody/status', '$ref:7/status', '${1/status}', '$ref:/status']) {
    const res = await batch(call, {
      requests: [
        { method: 'POST', url: '/Tools/echo', body: { v: ref } },
        { method: 'GET', url: '/Tools/ok' },
      ],
    });
    assert.is(res.status, 400, ref);
    assert.is(res.body.error!.code, 'REFERENCE_INVALID', ref);
  }
});

test('an unclosed reference inside a string rejects the batch', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { v: 'x ${0/status' } },
    ],
  });
  assert.is(res.status, 400);
  assert.is(res.body.error!.code, 'REFERENCE_INVALID');
});

test('a reference into a failed result fails the referring sub-request with 424 naming the reference', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { id: 'bad', method: 'POST', url: '/Tools/fail' },
      { method: 'POST', url: '/Tools/echo', body: { v: '$ref:bad/body/id' } },
      { method: 'GET', url: '/Tools/ok' },
    ],
  });
  const [failed, referring, other] = res.body.results;
  assert.is(failed!.status, 400);
  assert.is(referring!.status, 424);
  assert.is(referring!.error!.code, 'DEPENDENCY_FAILED');
  assert.ok(referring!.error!.message.includes('$ref:bad/body/id'));
  assert.is(referring!.skipped, true);
  assert.is(other!.status, 200);
  assert.equal(res.body.summary, { succeeded: 1, failed: 1, skipped: 1 });
});

test('a reference into a skipped result fails with 424 too', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    onFail: 'stop',
    requests: [
      { method: 'POST', url: '/Tools/fail', onFail: 'continue' },
      { id: 'dep', method: 'GET', url: '/Tools/ok', dependsOn: ['0'] },
      { method: 'POST', url: '/Tools/echo', body: { v: '$ref:dep/body/ok' } },
    ],
  });
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code]),
    [
      [400, 'VALIDATION_FAILED'],
      [424, 'DEPENDENCY_FAILED'],
      [424, 'DEPENDENCY_FAILED'],
    ],
  );
});

test('a pointer to a missing value gives 400 REFERENCE_INVALID in its slot only', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { v: '$ref:0/body/missing' } },
      { method: 'GET', url: '/Tools/ok' },
    ],
  });
  assert.is(res.status, 200);
  assert.equal(
    res.body.results.map((r) => r.status),
    [200, 400, 200],
  );
  assert.is(res.body.results[1]!.error!.code, 'REFERENCE_INVALID');
  assert.is(res.body.results[1]!.skipped, undefined);
});

test('pointer segments never reach a prototype', async () => {
  const { call } = featuresEngine();
  for (const ref of [
    '$ref:0/body/constructor',
    '$ref:0/body/__proto__',
    '$ref:0/body/toString',
    '$ref:0/body/constructor/name',
    '$ref:0/headers/constructor',
  ]) {
    const res = await batch(call, {
      requests: [
        { method: 'GET', url: '/Tools/ok' },
        { method: 'POST', url: '/Tools/echo', body: { v: ref } },
      ],
    });
    assert.is(res.body.results[1]!.status, 400, ref);
    assert.is(res.body.results[1]!.error!.code, 'REFERENCE_INVALID', ref);
  }
});

test('a reference that looks like code is data: it is never evaluated', async () => {
  const { call } = featuresEngine();
  const attempts = [
    '$ref:0/body/ok;process.exit()',
    '${0/body/ok;process.exit(1)}',
    '$ref:0/body/ok")||process.exit(1)||("',
    'x${0/body/ok}${0/body/ok.constructor}',
  ];
  for (const attempt of attempts) {
    const res = await batch(call, {
      requests: [
        { method: 'GET', url: '/Tools/ok' },
        { method: 'POST', url: '/Tools/echo', body: { v: attempt } },
      ],
    });
    assert.is(res.status, 200, attempt);
    assert.is(res.body.results[1]!.status, 400, attempt);
    assert.is(res.body.results[1]!.error!.code, 'REFERENCE_INVALID', attempt);
  }
  const evalLike = await batch(call, {
    requests: [
      { method: 'POST', url: '/Tools/echo', body: { code: 'process.exit()' } },
      { method: 'POST', url: '/Tools/echo', body: { v: '$ref:0/body/body/code' } },
    ],
  });
  assert.equal(evalLike.body.results[1]!.body, { body: { v: 'process.exit()' } });
});

test('a value placed in the path stays one segment: ../admin is encoded, not followed', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'POST', url: '/Tools/echo', body: '../admin' },
      { method: 'GET', url: '/Tools/echo/${0/body/body}' },
      { method: 'POST', url: '/Tools/echo', body: 'a/b?c=d#e' },
      { method: 'GET', url: '/Tools/echo/${2/body/body}' },
    ],
  });
  assert.is(res.body.results[1]!.status, 200);
  assert.equal((res.body.results[1]!.body as { params: unknown }).params, { value: '../admin' });
  assert.equal(res.body.results[3]!.body, { params: { value: 'a/b?c=d#e' }, query: {}, header: null });
});

test('a value of . or .. or nothing may not change the path shape', async () => {
  const { call } = featuresEngine();
  for (const value of ['..', '.', '']) {
    const res = await batch(call, {
      requests: [
        { method: 'POST', url: '/Tools/echo', body: value },
        { method: 'GET', url: '/Tools/echo/${0/body/body}' },
      ],
    });
    assert.is(res.body.results[1]!.status, 400, value);
    assert.is(res.body.results[1]!.error!.code, 'REFERENCE_INVALID', value);
  }
});

test('an object cannot be placed inside a string', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { v: 'x ${0/body}' } },
    ],
  });
  assert.is(res.body.results[1]!.error!.code, 'REFERENCE_INVALID');
});

test('a referenced header value with a line break is refused as a header', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'POST', url: '/Tools/echo', body: 'a\r\nx-injected: 1' },
      { method: 'GET', url: '/Tools/echo/x', headers: { 'x-ref': '$ref:0/body/body' } },
    ],
  });
  assert.is(res.body.results[1]!.status, 400);
  assert.is(res.body.results[1]!.error!.code, 'INVALID_HEADER');
});

test('the OData $<id> prefix names the Location of an earlier result', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const res = await batch(
    call,
    {
      requests: [
        { id: '1', method: 'POST', url: '/Notes', body: { id: 'a b', text: 'spaced' } },
        { id: '2', method: 'GET', url: '$1' },
      ],
    },
    { sid },
  );
  assert.equal(res.body.results[1]!.body, { id: 'a b', text: 'spaced' });
});

test('a $<id> prefix naming a later request is a forward reference; other $ segments stay literal', async () => {
  const { call } = featuresEngine();
  const forward = await batch(call, {
    requests: [
      { id: 'a', method: 'GET', url: '$b' },
      { id: 'b', method: 'GET', url: '/Tools/ok' },
    ],
  });
  assert.is(forward.status, 400);
  assert.is(forward.body.error!.code, 'REFERENCE_INVALID');
  const literal = await batch(call, { requests: [{ id: 'a', method: 'GET', url: '/$metadata' }] });
  assert.is(literal.status, 200);
  assert.is(literal.body.results[0]!.error!.code, 'ROUTE_NOT_FOUND');
});

test('references work in the Exago dialect by index', async () => {
  const { call } = exagoEngine();
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v', PromptText: 'from ${0/body/Id}' } },
      { Url: 'Parameters/${1/body/Id}', Method: 'GET' },
    ],
  });
  const items = res.body as Array<{ ReturnCode: string; ResponseContent: Record<string, unknown> }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '201', '200'],
  );
  assert.is(items[2]!.ResponseContent.Id, 'P1');
  assert.match(String(items[2]!.ResponseContent.PromptText), /^from [0-9a-f]{32}$/);
});

test.run();
