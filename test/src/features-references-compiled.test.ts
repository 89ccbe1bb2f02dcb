import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batch, featuresEngine } from './support/features-engine.js';

// The pre-pass compiles one resolver per sub-request; these cover the places it records.

test('references deep in arrays and objects are resolved and the values around them kept', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      {
        method: 'POST',
        url: '/Tools/echo',
        body: { a: [1, { b: ['x', '$ref:0/body'], c: null }, 'n ${0/status}'], d: { e: true, f: 'plain' }, g: 7 },
      },
    ],
  });
  assert.equal(res.body.results[1]!.body, {
    body: { a: [1, { b: ['x', { ok: true }], c: null }, 'n 200'], d: { e: true, f: 'plain' }, g: 7 },
  });
});

test('one value referenced twice as a whole value arrives in full at both places, the earlier result unchanged', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'POST', url: '/Tools/echo', body: { list: [1, 2] } },
      { method: 'POST', url: '/Tools/echo', body: { copy: '$ref:0/body/body', again: '$ref:0/body/body' } },
    ],
  });
  const second = res.body.results[1]!.body as { body: { copy: unknown; again: unknown } };
  assert.equal(second.body.copy, { list: [1, 2] });
  assert.equal(second.body.again, { list: [1, 2] });
  assert.equal(res.body.results[0]!.body, { body: { list: [1, 2] } });
});

test('a repeated query parameter and a header resolve each value, escapes included', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      {
        method: 'GET',
        url: '/Tools/echo/v?a=${0/status}&a=plain&a=$ref:0/body/ok&b=$${0/status}',
        headers: { 'x-ref': 'cost $${0/status} is ${0/status}' },
      },
    ],
  });
  assert.equal(res.body.results[1]!.body, {
    params: { value: 'v' },
    query: { a: ['200', 'plain', 'true'], b: '${0/status}' },
    header: 'cost ${0/status} is 200',
  });
});

test('the same reference text is checked in each sub-request: backwards in one, itself in another', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { v: '${1/status}' } },
      { method: 'POST', url: '/Tools/echo', body: { v: '${3/status}' } },
    ],
  });
  assert.is(res.status, 400);
  assert.is(res.body.error!.code, 'REFERENCE_INVALID');
  assert.ok(res.body.error!.message.includes('${3/status}'));
});

test('an OData $<id> prefix and a reference in the rest of the path resolve together', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { id: 'made', method: 'POST', url: '/Tools/echo', body: 'a/b' },
      { id: 'read', method: 'GET', url: '$made/${made/body/body}' },
    ],
  });
  assert.is(res.body.results[1]!.status, 200);
  assert.equal(res.body.results[1]!.body, { params: { value: 'a/b' }, query: {}, header: null });
});

test('an OData $<id> prefix naming a failed request fails with 424 naming it', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { id: 'bad', method: 'POST', url: '/Tools/fail' },
      { id: 'next', method: 'GET', url: '$bad' },
    ],
  });
  assert.is(res.body.results[1]!.status, 424);
  assert.is(res.body.results[1]!.error!.code, 'DEPENDENCY_FAILED');
  assert.ok(res.body.results[1]!.error!.message.includes('$bad'));
});

test('no pointer names the whole result, and a pointer of one empty segment names nothing', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { all: '$ref:0/body', status: '${0/status}' } },
      { method: 'POST', url: '/Tools/echo', body: { whole: '$ref:0', none: '${0/}' } },
    ],
  });
  assert.equal(res.body.results[1]!.body, { body: { all: { ok: true }, status: '200' } });
  assert.is(res.body.results[2]!.status, 400);
  assert.is(res.body.results[2]!.error!.code, 'REFERENCE_INVALID');
  assert.ok(res.body.results[2]!.error!.message.includes('${0/}'));
  const whole = await batch(call, {
    requests: [
      { method: 'GET', url: '/Tools/ok' },
      { method: 'POST', url: '/Tools/echo', body: { whole: '$ref:0' } },
    ],
  });
  assert.equal(whole.body.results[1]!.body, { body: { whole: { status: 200, headers: {}, body: { ok: true } } } });
});

test('a batch without references runs its sub-requests as written, dollar signs and all', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, {
    requests: [{ method: 'POST', url: '/Tools/echo', body: { price: '$5', tag: 'a$b{c}', list: ['$', '$ref'] } }],
  });
  assert.equal(res.body.results[0]!.body, { body: { price: '$5', tag: 'a$b{c}', list: ['$', '$ref'] } });
});

test.run();
