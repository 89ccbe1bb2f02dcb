import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { batch, featuresEngine } from './support/features-engine.js';

const FAIL = { method: 'POST', url: '/Tools/fail' };
const OK = { method: 'GET', url: '/Tools/ok' };

test('by default a failure leaves the rest running, and the summary counts each outcome', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, { requests: [OK, FAIL, OK] });
  assert.equal(
    res.body.results.map((r) => r.status),
    [200, 400, 200],
  );
  assert.equal(res.body.summary, { succeeded: 2, failed: 1, skipped: 0 });
  assert.is(res.headers['restbatch-summary'], 'succeeded=2, failed=1, skipped=0');
});

test('with onFail stop the rest are skipped with 424 SKIPPED naming the failure', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, { onFail: 'stop', requests: [OK, { ...FAIL, id: 'x' }, OK, OK] });
  assert.equal(
    res.body.results.map((r) => r.status),
    [200, 400, 424, 424],
  );
  const skipped = res.body.results[2]!;
  assert.is(skipped.skipped, true);
  assert.is(skipped.error!.code, 'SKIPPED');
  assert.is(skipped.error!.message, 'Skipped: sub-request x failed and its failure policy is stop');
  assert.is(res.headers['restbatch-summary'], 'succeeded=1, failed=1, skipped=2');
});

test('a sub-request policy overrides the batch policy both ways', async () => {
  const { call } = featuresEngine();
  const stopOne = await batch(call, { requests: [{ ...FAIL, onFail: 'stop' }, OK] });
  assert.equal(
    stopOne.body.results.map((r) => r.status),
    [400, 424],
  );
  const continueOne = await batch(call, { onFail: 'stop', requests: [{ ...FAIL, onFail: 'continue' }, OK, FAIL, OK] });
  assert.equal(
    continueOne.body.results.map((r) => r.status),
    [400, 200, 400, 424],
  );
});

test('a failed dependency skips its dependant with 424 DEPENDENCY_FAILED; a forward dependency rejects the batch', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, { requests: [{ ...FAIL, id: 'a' }, { ...OK, dependsOn: ['a'] }, OK] });
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code ?? null]),
    [
      [400, 'VALIDATION_FAILED'],
      [424, 'DEPENDENCY_FAILED'],
      [200, null],
    ],
  );
  const forward = await batch(call, {
    requests: [
      { ...OK, dependsOn: ['b'] },
      { ...OK, id: 'b' },
    ],
  });
  assert.is(forward.status, 400);
  assert.is(forward.body.error!.code, 'BATCH_RULE_VIOLATION');
});

test('the Exago dialect takes the failure policy from ?onFail= on the batch URL', async () => {
  const { call } = exagoEngine();
  const body = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Roles/Nobody', Method: 'PATCH', Payload: { IsActive: true } },
    { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
  ];
  const plain = await call({ url: '/rest/batch', body });
  assert.equal(
    (plain.body as Array<{ ReturnCode: string }>).map((i) => i.ReturnCode),
    ['201', '404', '204'],
  );
  const stopped = await call({ url: '/rest/batch?onFail=stop', body });
  const items = stopped.body as Array<{ ReturnCode: string; ResponseContent: { code: string } }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '404', '424'],
  );
  assert.is(items[2]!.ResponseContent.code, 'SKIPPED');
  assert.is(stopped.headers['restbatch-summary'], 'succeeded=1, failed=1, skipped=1');
});

test('an unknown ?onFail= value rejects an Exago batch', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch?onFail=abort', body: [{ Url: 'Sessions', Method: 'POST' }] });
  assert.is(res.status, 400);
  assert.is((res.body as { code: string }).code, 'BATCH_MALFORMED');
});

test('results are streamed in order with the same outcome as the final answer', async () => {
  const { call } = featuresEngine();
  const streamed: Array<{ status: number }> = [];
  const res = await call({
    url: '/api/batch',
    body: { onFail: 'stop', requests: [OK, FAIL, OK] },
    onResult: (item) => streamed.push(item as { status: number }),
  });
  assert.equal(
    streamed.map((r) => r.status),
    [200, 400, 424],
  );
  assert.equal(streamed, (res.body as { results: unknown[] }).results);
});

test.run();
