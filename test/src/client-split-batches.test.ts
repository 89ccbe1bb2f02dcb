// An automatic batch refused whole as too large (413: past the server's maxBodyBytes, 1 MiB; over
// WebSocket past the transport's maxMessageBytes) is sent again as two halves, and so on. Each half
// answers for its own calls: one refused whole (here 400 STRING_TOO_LONG, a string past the
// engine's 256 KiB) rejects its calls and the next half is still sent, in order; a call aborted
// before its half is sent is not sent (packages/client/README.md, Batching rules: Abort).
import { type AnyResult, ClientError, type WireRequest } from '@restbatch/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];

/** What a call came to: its status, or the code (and server code) it rejected with. */
async function outcome(promise: Promise<AnyResult>): Promise<string> {
  try {
    return `ok ${(await promise).status}`;
  } catch (error) {
    const e = error as ClientError;
    return e instanceof ClientError ? `rejected ${e.code}${e.serverCode === undefined ? '' : ` ${e.serverCode}`}` : String(error);
  }
}

/** Settles within 5 s, or answers 'pending' (a call that never settles breaks the client's contract). */
function within<T>(promise: Promise<T>): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: a call that never settles must be reported, not end the process silently.
  const late = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), 5000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A request as the test reads it: a batch by its number of calls, an ordinary call by its method and path. */
function shape(request: WireRequest): string {
  const body = request.body as { requests?: unknown[] } | unknown[] | undefined;
  if (Array.isArray(body)) return `exago ${body.length}`;
  if (Array.isArray(body?.requests)) return `odata ${body.requests.length}`;
  return `${request.method} ${request.url.split('?')[0]}`;
}

const claim = (description: string) => ({ body: { data: { attributes: { description } } } });
/** A string past the engine's maxStringLength (256 KiB): a batch holding one is refused whole. */
const TOO_LONG = 'x'.repeat(300 * 1024);

for (const kind of KINDS) {
  const test = suite(`client split of a batch too large over ${kind}`);

  test('OData: a half refused whole rejects its calls; the halves after it are still sent, in order, and answer', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      // 8 calls, 1.2 MB: refused (413); its first half (1.2 MB) too; each quarter holds two strings
      // too long (400 STRING_TOO_LONG); the second half fits and answers.
      const calls = [
        ...[0, 1, 2, 3].map((i) => c.POST('/rest/claim/v1/claims', claim(`${i}${TOO_LONG}`))),
        ...[4, 5, 6, 7].map((i) => c.POST('/rest/claim/v1/claims', claim(`claim ${i}`))),
      ];
      const outcomes = await Promise.all(calls.map((call) => within(outcome(call))));
      assert.equal(outcomes, [...Array(4).fill('rejected BATCH_REJECTED STRING_TOO_LONG'), ...Array(4).fill('ok 201')]);
      assert.equal(sent.map(shape), ['odata 8', 'odata 4', 'odata 2', 'odata 2', 'odata 4']);
      const descriptions = (sent[4]!.body as { requests: { body: { data: { attributes: { description: string } } } }[] }).requests.map(
        (r) => r.body.data.attributes.description,
      );
      assert.equal(descriptions, ['claim 4', 'claim 5', 'claim 6', 'claim 7']);
    }));

  test('Exago: the half with POST Sessions refused whole rejects its calls; the calls of the other half are still sent one by one, in order', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const c = client();
      const parameter = (i: number) => ({ body: { Id: `P${i}`, DataType: 'String' as const, Value: `${i}${TOO_LONG}` } });
      const calls = [c.POST('/rest/Sessions'), ...[0, 1, 2, 3, 4].map((i) => c.POST('/rest/Parameters', parameter(i)))];
      const outcomes = await Promise.all(calls.map((call) => within(outcome(call))));
      // The second half goes as ordinary calls: each is answered (400 alone: its string is too long).
      assert.equal(outcomes, [...Array(3).fill('rejected BATCH_REJECTED STRING_TOO_LONG'), 'ok 400', 'ok 400', 'ok 400']);
      assert.equal(sent.map(shape), ['exago 6', 'exago 3', 'POST /rest/Parameters', 'POST /rest/Parameters', 'POST /rest/Parameters']);
      assert.equal(
        sent.slice(2).map((r) => (JSON.parse(JSON.stringify(r.body)) as { Id: string }).Id),
        ['P2', 'P3', 'P4'],
      );
    }));

  test('OData: a call aborted while the first half runs is left out of the second half (README: removed before its batch is sent)', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const ac = new AbortController();
      // Aborted as the first half is sent.
      const c = client({}, () => {
        if (sent.length === 2) ac.abort();
      });
      // Each answered 400 (a description of at most 2000 characters), so nothing is stored.
      const big = (i: number) => c.POST('/rest/claim/v1/claims', claim(`${i}${'y'.repeat(200 * 1024)}`));
      const calls = [big(0), big(1), big(2), big(3), big(4), big(5)];
      calls.push(c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } }, signal: ac.signal }));
      const outcomes = await Promise.all(calls.map((call) => within(outcome(call))));
      assert.equal(outcomes, [...Array(6).fill('ok 400'), 'rejected ABORTED']);
      assert.equal(sent.map(shape), ['odata 7', 'odata 4', 'odata 2']);
      const methods = (sent[2]!.body as { requests: { method: string }[] }).requests.map((r) => r.method);
      assert.equal(methods, ['POST', 'POST']);
    }));

  test('Exago: a call aborted while the first half runs is not sent call by call after it; the batch keeps its opening POST Sessions', () =>
    withClientWorld(kind, async ({ client, sent }) => {
      const ac = new AbortController();
      const opening = new AbortController();
      const c = client({}, () => {
        if (sent.length === 1) opening.abort();
        if (sent.length === 2) ac.abort();
      });
      // Refused by validation (no such member), so nothing is stored in the session: each is answered 400.
      const large = (i: number) => c.POST('/rest/Parameters', { body: { Id: `P${i}`, Pad: 'z'.repeat(200 * 1024) } as never });
      const calls = [
        c.POST('/rest/Sessions', { signal: opening.signal }),
        large(0),
        large(1),
        large(2),
        large(3),
        large(4),
        large(5),
        c.DELETE('/rest/Parameters/{id}', { params: { path: { id: 'P0' } }, signal: ac.signal }),
      ];
      const outcomes = await Promise.all(calls.map((call) => within(outcome(call))));
      // The calls sent alone carry no session (the call that opened it was aborted, so its answer
      // was not read): 401.
      assert.equal(outcomes, ['rejected ABORTED', ...Array(3).fill('ok 400'), ...Array(3).fill('ok 401'), 'rejected ABORTED']);
      // The opening POST Sessions, aborted while the first batch was sent, still opens its half (an Exago batch must start with it).
      assert.equal(sent.map(shape), ['exago 8', 'exago 4', 'POST /rest/Parameters', 'POST /rest/Parameters', 'POST /rest/Parameters']);
      assert.equal((sent[1]!.body as { Method: string; Url: string }[])[0], { Method: 'POST', Url: 'Sessions' });
    }));

  test.run();
}
