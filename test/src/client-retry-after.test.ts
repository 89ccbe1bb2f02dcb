// Retry-After as RFC 9110 section 10.2.3 writes it: `Retry-After = HTTP-date / delay-seconds`,
// `delay-seconds = 1*DIGIT`, where an HTTP-date is an IMF-fixdate or one of the obsolete forms a
// recipient MUST accept (section 5.6.7: rfc850-date, asctime-date). Anything else is as if absent:
// the call waits `retry.defaultDelayMs`.
//
// No timing is measured: whether a call was retried at once is read from the order of requests. A
// retry due at once (a timer of 0) fires before a later timer of 10 ms, so it is queued before the
// probe that follows that timer, and is answered before the probe is sent.
import { ClientError } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ClientWorld, type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const nextYear = new Date().getUTCFullYear() + 1;
const twoDigits = String(nextYear % 100).padStart(2, '0');

/** Delays the grammar accepts, all in the future: the call waits for them. */
const FUTURE = [
  '1',
  '3',
  ` 2 `, // the field's surrounding whitespace is not part of its value
  `Sun, 06 Nov ${nextYear + 1} 08:49:37 GMT`, // IMF-fixdate
  `Sunday, 06-Nov-${twoDigits} 08:49:37 GMT`, // rfc850-date: next year, not a century ago
  `Sun Nov  6 08:49:37 ${nextYear + 1}`, // asctime-date, a day below 10
  `Sun Nov 16 08:49:37 ${nextYear + 1}`,
];
/** Delays the grammar accepts that are due now: 0, and dates in the past. */
const DUE = ['0', '00', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994'];
/** Not `HTTP-date / delay-seconds`: as if absent. Each was read as a delay before (Number, Date.parse). */
const NOT_DELAYS = [
  '0x3',
  '1.5',
  '1e3',
  '+3',
  '-5',
  '12/01/2099',
  `${nextYear + 1}-12-01T00:00:00Z`,
  `Sun, 06 Nov ${nextYear + 1} 08:49:37 UTC`, // not GMT
  `sun, 06 nov ${nextYear + 1} 08:49:37 GMT`, // HTTP-date is case-sensitive
  `Sun, 6 Nov ${nextYear + 1} 08:49:37 GMT`, // IMF-fixdate's day is 2 digits
  `Mon, 30 Feb ${nextYear + 1} 08:49:37 GMT`, // no such day
];
/** Not delays either, each read as "now" before (0, or a date in the past). */
const NOT_DELAYS_READ_AS_NOW = ['0x0', '0.0', '0e0', '-0', '+0', '12/01/2000', '2000-01-01T00:00:00Z', 'Sat, 01 Jan 2000 00:00:00 UTC'];

/** Whether a GET answered 503 with `Retry-After: after` was retried at once (before a probe made after it). */
async function retriedAtOnce(world: ClientWorld, c: ReturnType<ClientWorld['client']>, key: string, after: string): Promise<boolean> {
  const controller = new AbortController();
  const call = c.GET('/api/lab/flaky/{key}', { params: { path: { key }, query: { fail: 1, after } }, signal: controller.signal });
  call.catch(() => undefined);
  // Sent after the call's first answer was read (a request goes once the one before it settled).
  await c.GET('/api/lab/echo', { batch: false });
  await pause(10);
  await c.GET('/api/lab/echo', { batch: false });
  const atOnce = world.lab.calls.get(key) === 2;
  if (atOnce) assert.is((await call).status, 200, `${JSON.stringify(after)}: retried, and answered`);
  else {
    assert.is(world.lab.calls.get(key), 1, `${JSON.stringify(after)}: not retried yet`);
    controller.abort();
    const error = await call.then(
      () => undefined,
      (e: ClientError) => e,
    );
    assert.is(error?.code, 'ABORTED');
  }
  return atOnce;
}

for (const kind of KINDS) {
  const test = suite(`client Retry-After over ${kind}`);

  test('with no default wait: delay-seconds and each HTTP-date form in the future are waited for; what is not HTTP-date / delay-seconds is as if absent', () =>
    withClientWorld(kind, async (world) => {
      // maxDelayMs bounds the waits the test abandons (their timers end within it).
      const c = world.client({ retry: { defaultDelayMs: 0, maxDelayMs: 2000 } });
      let n = 0;
      for (const after of FUTURE)
        assert.is(await retriedAtOnce(world, c, `f${n++}`, after), false, `${JSON.stringify(after)} is waited for`);
      for (const after of [...DUE, ...NOT_DELAYS])
        assert.is(await retriedAtOnce(world, c, `f${n++}`, after), true, `${JSON.stringify(after)}: no wait`);
    }));

  test('with a default wait: dates in the past (each form) and 0 are due at once; what is not HTTP-date / delay-seconds waits the default', () =>
    withClientWorld(kind, async (world) => {
      const c = world.client({ retry: { defaultDelayMs: 2000 } });
      let n = 0;
      for (const after of DUE) assert.is(await retriedAtOnce(world, c, `d${n++}`, after), true, `${JSON.stringify(after)} is due now`);
      for (const after of NOT_DELAYS_READ_AS_NOW)
        assert.is(await retriedAtOnce(world, c, `d${n++}`, after), false, `${JSON.stringify(after)} waits the default`);
    }));

  test.run();
}
