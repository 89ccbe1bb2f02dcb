// A dependency is met by a 2xx answer only. OData JSON 4.01 §19.1: "In the absence of the optional
// if member a request that depends on other requests or atomicity groups is only executed if those
// requests were executed successfully, i.e. with a 2xx response code. If one of the requests it
// depends on has failed, the dependent request is not executed and a response with status code of
// 424 Failed Dependency is returned for it". A 304 (to If-None-Match) or a 303 once let dependents
// run; `$<id>/$succeeded` read them as succeeded too. The summary still counts them as succeeded
// (docs/failure-policy.md): they are no failure, but nothing that waits on them runs.
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { odataItemsEngine } from './support/odata-items-engine.js';

let logged: unknown[] = [];

type Item = { id: string; status: number; body?: { error?: { code: string; message: string } } };

async function batch(requests: unknown[]): Promise<{ items: Item[]; summary: unknown }> {
  logged = [];
  const engine = odataItemsEngine(logged);
  try {
    const res = await createDirectCaller(engine)({ url: '/api/$batch', headers: { 'odata-version': '4.01' }, body: { requests } });
    assert.is(res.status, 200);
    const body = res.body as { responses: Item[]; '@restbatch.summary': unknown };
    return { items: body.responses, summary: body['@restbatch.summary'] };
  } finally {
    await engine.close();
  }
}

const log = (id: string, extra: object) => ({ id, method: 'post', url: 'items/log', body: { after: id }, ...extra });

test('§19.1 "only executed if those requests were executed successfully, i.e. with a 2xx response code": a 304 is no 2xx, its dependent answers 424', async () => {
  const { items, summary } = await batch([
    { id: '1', method: 'get', url: 'items/a', headers: { 'if-none-match': '"v1"' } },
    log('2', { dependsOn: ['1'] }),
  ]);
  assert.equal(
    items.map((r) => r.status),
    [304, 424],
  );
  assert.is(items[1]?.body?.error?.code, 'DEPENDENCY_FAILED');
  assert.is(
    items[1]?.body?.error?.message,
    'Sub-request 2 depends on 1, which did not succeed (it answered 304; a dependency must answer 2xx)',
  );
  assert.equal(logged, []);
  // Not a failure: the summary counts the 304 as succeeded (below 400), the dependent as skipped.
  assert.equal(summary, { succeeded: 1, failed: 0, skipped: 1 });
});

test('§19.1 "If one of the requests it depends on has failed, the dependent request is not executed": a 303, alone or with a 2xx, stops the dependent', async () => {
  const { items } = await batch([
    { id: '3', method: 'get', url: 'items/old/a' },
    { id: 'ok', method: 'get', url: 'items/a' },
    log('4', { dependsOn: ['3'] }),
    log('5', { dependsOn: ['ok', '3'] }),
  ]);
  assert.equal(
    items.map((r) => r.status),
    [303, 200, 424, 424],
  );
  assert.match(items[3]?.body?.error?.message ?? '', /depends on 3, which did not succeed \(it answered 303/);
  assert.equal(logged, []);
});

test('§19.1 "$<content-id>/$succeeded to check if the referenced request has succeeded": a 3xx has not succeeded', async () => {
  const { items } = await batch([
    { id: '3', method: 'get', url: 'items/old/a' },
    log('yes', { if: '$3/$succeeded' }),
    log('no', { if: 'not $3/$succeeded' }),
  ]);
  assert.equal(
    items.map((r) => r.status),
    [303, 412, 201],
  );
  assert.is(items[1]?.body?.error?.code, 'CONDITION_FALSE');
  assert.equal(logged, [{ after: 'no' }]);
});

test('§19.1 "i.e. with a 2xx response code": 200, 201 and 204 all meet a dependency', async () => {
  const { items } = await batch([
    { id: 'get', method: 'get', url: 'items/a' },
    log('made', {}),
    { id: 'gone', method: 'delete', url: 'items/a' },
    log('after', { dependsOn: ['get', 'made', 'gone'], if: '$gone/$succeeded and $made/$succeeded' }),
    log('plain', { dependsOn: ['get', 'made', 'gone'] }),
  ]);
  assert.equal(
    items.map((r) => r.status),
    [200, 201, 204, 201, 201],
  );
});

test.run();
