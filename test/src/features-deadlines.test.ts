import { getEventListeners } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { batch, featuresEngine, newSession } from './support/features-engine.js';

const WAIT = { method: 'GET', url: '/Tools/wait' };
const OK = { method: 'GET', url: '/Tools/ok' };
const codes = (results: Array<{ status: number; error?: { code: string } }>) => results.map((r) => [r.status, r.error?.code ?? null]);

test('a sub-request over its timeout gets 504 TIMEOUT and the rest continue', async () => {
  const { call } = featuresEngine({ limits: { subRequestTimeoutMs: 20 } });
  const res = await batch(call, { requests: [WAIT, OK] });
  assert.equal(codes(res.body.results), [
    [504, 'TIMEOUT'],
    [200, null],
  ]);
});

test('after a timeout the rest follow the failure policy', async () => {
  const { call } = featuresEngine({ limits: { subRequestTimeoutMs: 20 } });
  const res = await batch(call, { onFail: 'stop', requests: [WAIT, OK] });
  assert.equal(codes(res.body.results), [
    [504, 'TIMEOUT'],
    [424, 'SKIPPED'],
  ]);
});

test('docs/deadlines.md: after the deadline the unstarted members of a failed atomicity group get 504 TIMEOUT, not 424 SKIPPED', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const group = (sub: Record<string, unknown>) => ({ ...sub, atomicityGroup: 'g' });
  const res = await batch(
    call,
    {
      requests: [
        group({ method: 'POST', url: '/Notes', body: { id: 'c' } }),
        group(WAIT),
        group({ method: 'POST', url: '/Notes', body: { id: 'd' } }),
        OK,
      ],
    },
    { sid, headers: { 'RestBatch-Timeout': '50' } },
  );
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code ?? null, r.skipped ?? false]),
    [
      [424, 'ROLLED_BACK', false],
      [504, 'TIMEOUT', false],
      [504, 'TIMEOUT', true],
      [504, 'TIMEOUT', true],
    ],
  );
  assert.equal(await engine.store.list(sid, 'notes'), []);
});

test('a client that goes away during an atomicity group skips its unstarted members with 499 ABORTED', async () => {
  const { engine, call } = featuresEngine();
  const sid = await newSession(engine);
  const controller = new AbortController();
  const group = (sub: Record<string, unknown>) => ({ ...sub, atomicityGroup: 'g' });
  const pending = batch(
    call,
    { requests: [group({ method: 'POST', url: '/Notes', body: { id: 'c' } }), group(WAIT), group(OK)] },
    { sid, signal: controller.signal },
  );
  setTimeout(() => controller.abort(), 20);
  const res = await pending;
  assert.equal(
    res.body.results.map((r) => [r.status, r.error?.code ?? null, r.skipped ?? false]),
    [
      [424, 'ROLLED_BACK', false],
      [499, 'ABORTED', false],
      [499, 'ABORTED', true],
    ],
  );
});

test('a sub-request cannot ask for more time than the engine allows', async () => {
  const { call } = featuresEngine({ limits: { subRequestTimeoutMs: 20 } });
  const res = await batch(call, { requests: [{ ...WAIT, timeoutMs: 3_600_000 }] });
  assert.equal(codes(res.body.results), [[504, 'TIMEOUT']]);
});

test('a sub-request may ask for its own timeout when the engine sets none', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, { requests: [{ ...WAIT, timeoutMs: 20 }, OK] });
  assert.equal(codes(res.body.results), [
    [504, 'TIMEOUT'],
    [200, null],
  ]);
});

test('a batch deadline shorter than one handler times it out and skips the rest with 504', async () => {
  const { call } = featuresEngine({ limits: { batchTimeoutMs: 30 } });
  const res = await batch(call, { requests: [OK, WAIT, OK] });
  assert.equal(codes(res.body.results), [
    [200, null],
    [504, 'TIMEOUT'],
    [504, 'TIMEOUT'],
  ]);
  assert.is(res.body.results[2]!.skipped, true);
  assert.equal(res.body.summary, { succeeded: 1, failed: 1, skipped: 1 });
});

test('a batch cannot extend the engine deadline, by envelope or by header', async () => {
  const { call } = featuresEngine({ limits: { batchTimeoutMs: 30 } });
  const res = await batch(call, { timeoutMs: 3_600_000, requests: [WAIT] }, { headers: { 'RestBatch-Timeout': '3600000' } });
  assert.equal(codes(res.body.results), [[504, 'TIMEOUT']]);
});

test('a client can shorten the deadline with RestBatch-Timeout', async () => {
  const { call } = featuresEngine();
  const res = await batch(call, { requests: [WAIT, OK] }, { headers: { 'RestBatch-Timeout': '25' } });
  assert.equal(codes(res.body.results), [
    [504, 'TIMEOUT'],
    [504, 'TIMEOUT'],
  ]);
});

test('a malformed RestBatch-Timeout rejects the batch with 400 INVALID_HEADER', async () => {
  const { call } = featuresEngine();
  for (const value of ['soon', '0', '-5', '1.5', '99999999999']) {
    const res = await batch(call, { requests: [OK] }, { headers: { 'RestBatch-Timeout': value } });
    assert.is(res.status, 400, value);
    assert.is(res.body.error!.code, 'INVALID_HEADER', value);
  }
});

test('the RestBatch-Timeout header works in the Exago dialect too', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', headers: { 'RestBatch-Timeout': 'x' }, body: [{ Url: 'Sessions', Method: 'POST' }] });
  assert.is(res.status, 400);
  assert.is((res.body as { code: string }).code, 'INVALID_HEADER');
});

test('a client that goes away aborts the running handler and skips what has not started', async () => {
  const { call } = featuresEngine();
  const controller = new AbortController();
  const pending = batch(call, { requests: [WAIT, OK, OK] }, { signal: controller.signal });
  setImmediate(() => controller.abort());
  const res = await pending;
  assert.equal(codes(res.body.results), [
    [499, 'ABORTED'],
    [499, 'ABORTED'],
    [499, 'ABORTED'],
  ]);
  assert.is(res.body.results[2]!.skipped, true);
  assert.is(getEventListeners(controller.signal, 'abort').length, 0);
});

test('thousands of batches with deadlines leave no timer and no listener behind', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
  const before = timers();
  const outer = new AbortController();
  const quick = featuresEngine({ limits: { subRequestTimeoutMs: 60_000, batchTimeoutMs: 120_000 } });
  for (let i = 0; i < 2000; i++) {
    const res = await batch(quick.call, { requests: [OK, OK] }, { signal: outer.signal });
    if (res.body.summary.succeeded !== 2) assert.unreachable('every quick batch succeeds');
  }
  const slow = featuresEngine({ limits: { subRequestTimeoutMs: 2, batchTimeoutMs: 60_000 } });
  const answers = await Promise.all(
    Array.from({ length: 200 }, () => batch(slow.call, { requests: [WAIT, OK] }, { signal: outer.signal })),
  );
  assert.ok(answers.every((a) => a.body.results[0]!.status === 504 && a.body.results[1]!.status === 200));
  assert.is(timers(), before);
  assert.is(getEventListeners(outer.signal, 'abort').length, 0);
});

test('docs/deadlines.md: a slow authorize hook counts against the sub-request timeout: 504 TIMEOUT, and the handler never runs', async () => {
  const { engine, call, ledger } = featuresEngine({
    authorize: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300)),
    limits: { subRequestTimeoutMs: 50 },
  });
  const sid = await newSession(engine);
  const res = await batch(call, { requests: [{ method: 'POST', url: '/Notes/external', body: { name: 'late' } }] }, { sid });
  assert.equal(codes(res.body.results), [[504, 'TIMEOUT']]);
  // Once the hook answers (after the batch did), nothing runs.
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(ledger, []);
});

test('docs/deadlines.md: an authorize hook that never answers cannot hold the batch past RestBatch-Timeout', async () => {
  const { engine, call, ledger } = featuresEngine({ authorize: () => new Promise<boolean>(() => undefined) });
  const sid = await newSession(engine);
  const answered = batch(
    call,
    { requests: [{ method: 'POST', url: '/Notes/external', body: { name: 'never' } }, OK] },
    { sid, headers: { 'restbatch-timeout': '100' } },
  );
  const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000).unref());
  const res = await Promise.race([answered, hung]);
  if (res === 'hung') return assert.unreachable('the batch never answered');
  assert.equal(codes(res.body.results), [
    [504, 'TIMEOUT'],
    [504, 'TIMEOUT'],
  ]);
  assert.equal(ledger, []);
});

test.run();
