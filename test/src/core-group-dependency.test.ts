// The executor's reading of a `dependsOn` that names an atomicity group, for any dialect (here a
// canonical one that passes `dependsOn` and `atomicityGroup` as written): met when every member of
// the group answered 2xx (OData JSON 4.01 §19.1 "a request that depends on other requests or
// atomicity groups is only executed if those requests were executed successfully, i.e. with a 2xx
// response code"), a group only once it ended, and a name that is both a group's and a sub-request's
// key refused rather than read either way.
import 'reflect-metadata';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batch, featuresEngine } from './support/features-engine.js';

const echo = (value: string, extra: Record<string, unknown> = {}) => ({ method: 'POST', url: '/Tools/echo', body: { value }, ...extra });

test('a dependsOn naming a group whose members all answered 2xx runs; one naming a group that failed answers 424 DEPENDENCY_FAILED', async () => {
  const { engine, call } = featuresEngine();
  try {
    const res = await batch(call, {
      requests: [
        echo('a', { atomicityGroup: 'ok' }),
        echo('b', { atomicityGroup: 'ok' }),
        { method: 'POST', url: '/Tools/fail', atomicityGroup: 'bad' },
        echo('c', { atomicityGroup: 'bad' }),
        echo('after ok', { dependsOn: ['ok'] }),
        echo('after bad', { dependsOn: ['bad'] }),
      ],
    });
    assert.is(res.status, 200, JSON.stringify(res.body));
    assert.equal(
      res.body.results.map((r) => [r.status, r.error?.code ?? null]),
      [
        [201, null],
        [201, null],
        [400, 'VALIDATION_FAILED'],
        [424, 'SKIPPED'],
        [201, null],
        [424, 'DEPENDENCY_FAILED'],
      ],
    );
    assert.is(
      res.body.results[5]?.error?.message,
      'Sub-request 5 depends on atomicity group bad, whose sub-request 2 did not succeed (status 400)',
    );
  } finally {
    await engine.close();
  }
});

test('a dependsOn naming its own group, or a group that comes later, is refused whole (400 BATCH_RULE_VIOLATION)', async () => {
  const { engine, call } = featuresEngine();
  try {
    const own = await batch(call, { requests: [echo('a', { atomicityGroup: 'g' }), echo('b', { atomicityGroup: 'g', dependsOn: ['g'] })] });
    assert.is(own.status, 400);
    assert.is(own.body.error?.code, 'BATCH_RULE_VIOLATION');
    assert.is(own.body.error?.message, 'Sub-request 1 depends on "g", which is not an earlier sub-request');
    const later = await batch(call, { requests: [echo('a', { dependsOn: ['g'] }), echo('b', { atomicityGroup: 'g' })] });
    assert.is(later.status, 400);
    assert.is(later.body.error?.code, 'BATCH_RULE_VIOLATION');
  } finally {
    await engine.close();
  }
});

test('a dependsOn name that is both an earlier sub-request key and an earlier group is refused whole (400 BATCH_RULE_VIOLATION)', async () => {
  const { engine, call } = featuresEngine();
  try {
    // Without ids a sub-request's key is its index: "0" is sub-request 0 and the group "0".
    const res = await batch(call, { requests: [echo('a', { atomicityGroup: '0' }), echo('b', { dependsOn: ['0'] })] });
    assert.is(res.status, 400);
    assert.is(res.body.error?.code, 'BATCH_RULE_VIOLATION');
    assert.is(res.body.error?.message, 'Sub-request 1 depends on "0", which names both an earlier sub-request and an atomicity group');
    // A group named as a later key is no clash: "5" is no sub-request yet.
    const fine = await batch(call, { requests: [echo('a', { atomicityGroup: '5' }), echo('b', { dependsOn: ['5'] })] });
    assert.equal(
      fine.body.results.map((r) => r.status),
      [201, 201],
    );
  } finally {
    await engine.close();
  }
});

test.run();
