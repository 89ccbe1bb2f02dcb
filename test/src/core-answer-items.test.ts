import 'reflect-metadata';
import { createEngine, type Dialect, exagoApi, exagoDialect, guidewireDialect } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS, ROLE_CALLS } from './support/exago-engine.js';

// A dialect with `encodeItems` has the answer of a large batch (2000 sub-requests or more) made of
// each result's item, made as the result is final, when no later step of the batch reads or rewrites
// an earlier result; otherwise (a small batch, references, an atomic run, streaming) its `encode`
// makes the answer of the kept results at the end.

/** The items kept from: smaller batches keep their results. */
const LARGE = 2000;

const CALLS = ROLE_CALLS;

interface Marked {
  via: 'encode' | 'items';
  items: Array<{ ReturnCode: string; ResponseContent: unknown }>;
  summary?: unknown;
}

/** Exago's dialect whose answer says which encoder made it. */
const marking: Dialect = {
  ...exagoDialect,
  encode: (result, context) => ({ via: 'encode', items: exagoDialect.encode(result, context) }),
  encodeItems: (items, summary) => ({ via: 'items', items, summary }),
};

function caller(limits?: { maxResultBytes: number }, dialect: Dialect = marking) {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  const engine = createEngine({
    apis: [{ ...api, batch: (api.batch ?? []).map((endpoint) => ({ ...endpoint, dialect })) }],
    logger: { error: () => {} },
    limits,
  });
  return createDirectCaller(engine);
}

const codes = (body: Marked) => body.items.map((item) => item.ReturnCode);

/** `calls`, then reads of role A up to `size` calls. */
function padded(calls: object[], size = LARGE): object[] {
  return [...calls, ...Array.from({ length: size - calls.length }, () => ({ Url: 'Roles/A', Method: 'GET' }))];
}

test('Exago and Guidewire answer from items; OData, whose encoder reads the sub-requests, does not', async () => {
  const { odataDialect } = await import('@restbatch/core');
  assert.type(exagoDialect.encodeItems, 'function');
  assert.type(guidewireDialect().encodeItems, 'function');
  assert.is(odataDialect().encodeItems, undefined);
});

test('a large plain batch is answered by encodeItems: each result as its item, in order, with the summary', async () => {
  const res = await caller()({ url: '/rest/batch', body: padded(CALLS) });
  const body = res.body as Marked;
  assert.is(body.via, 'items');
  assert.is(body.items.length, LARGE);
  assert.equal(codes(body).slice(0, 6), ['201', '201', '204', '404', '200', '200']);
  assert.equal(body.items[LARGE - 1], { ReturnCode: '200', ResponseContent: { Id: 'A', IsActive: false } });
  assert.equal(body.items[2]?.ResponseContent, { StatusCode: 204, StatusDescription: null });
  assert.equal(body.items[4]?.ResponseContent, { Id: 'A', IsActive: false });
  assert.is((body.items[3]?.ResponseContent as { code?: string } | undefined)?.code, 'NOT_FOUND');
  assert.equal(body.summary, { succeeded: LARGE - 1, failed: 1, skipped: 0 });
  assert.is(res.headers['restbatch-summary'], `succeeded=${LARGE - 1}, failed=1, skipped=0`);
});

test('a dialect spread from Exago or Guidewire with an encode of its own answers a large batch with that encode (encodeItems is not inherited)', async () => {
  const own: Dialect = { ...exagoDialect, encode: (result, context) => ({ via: 'encode', items: exagoDialect.encode(result, context) }) };
  assert.is(own.encodeItems, undefined);
  assert.is({ ...guidewireDialect() }.encodeItems, undefined);
  const body = (await caller(undefined, own)({ url: '/rest/batch', body: padded(CALLS) })).body as Marked;
  assert.is(body.via, 'encode');
  assert.is(body.items.length, LARGE);
  assert.equal(codes(body).slice(0, 5), ['201', '201', '204', '404', '200']);
});

test('a batch smaller than that keeps its results and is answered by encode', async () => {
  const small = (await caller()({ url: '/rest/batch', body: padded(CALLS, LARGE - 1) })).body as Marked;
  assert.is(small.via, 'encode');
  assert.equal(codes(small).slice(0, 5), ['201', '201', '204', '404', '200']);
});

test('the stop policy and the result budget reach the items: skipped and over-budget results are counted as such', async () => {
  const stopped = (await caller()({ url: '/rest/batch?onFail=stop', body: padded(CALLS) })).body as Marked;
  assert.is(stopped.via, 'items');
  assert.equal(codes(stopped).slice(0, 5), ['201', '201', '204', '404', '424']);
  assert.equal(stopped.summary, { succeeded: 3, failed: 1, skipped: LARGE - 4 });
  // The session's own result fits (its JSON has the same length for every session); 40 characters more do not.
  const opened = (await caller()({ url: '/rest/batch', body: [CALLS[0]] })).body as Marked;
  const sessionChars = JSON.stringify((opened.items[0] as { ResponseContent: unknown }).ResponseContent).length;
  const tight = (await caller({ maxResultBytes: sessionChars + 40 })({ url: '/rest/batch', body: padded(CALLS) })).body as Marked;
  assert.is(tight.via, 'items');
  assert.equal(codes(tight).slice(0, 6), ['201', '201', '204', '404', '507', '507']);
  assert.is((tight.items[4]?.ResponseContent as { code?: string } | undefined)?.code, 'RESULTS_TOO_LARGE');
  assert.equal(tight.summary, { succeeded: 3, failed: LARGE - 3, skipped: 0 });
  // POST Sessions whose own result is over the budget answers 507 without the session's id: the
  // session is not kept, and what needs it answers 401 SESSION_REQUIRED.
  const none = (await caller({ maxResultBytes: 40 })({ url: '/rest/batch', body: padded(CALLS) })).body as Marked;
  assert.is(none.via, 'items');
  assert.equal(codes(none).slice(0, 3), ['507', '401', '401']);
  assert.is((none.items[1]?.ResponseContent as { code?: string } | undefined)?.code, 'SESSION_REQUIRED');
  assert.equal(none.summary, { succeeded: 0, failed: LARGE, skipped: 0 });
});

test('references, an atomic run and streaming read results later: encode answers from the kept results', async () => {
  const references = padded([...CALLS.slice(0, 2), { Url: 'Roles/${1/body/Id}', Method: 'GET' }]);
  const referred = (await caller()({ url: '/rest/batch', body: references })).body as Marked;
  assert.is(referred.via, 'encode');
  assert.equal(codes(referred).slice(0, 3), ['201', '201', '200']);
  const atomic = (await caller()({ url: '/rest/batch?onFail=atomic', body: padded(CALLS) })).body as Marked;
  assert.is(atomic.via, 'encode');
  assert.equal(codes(atomic).slice(0, 6), ['424', '424', '424', '404', '424', '424']);
  const streamed: unknown[] = [];
  const res = await caller()({ url: '/rest/batch', body: padded(CALLS), onResult: (item) => streamed.push(item) });
  assert.is((res.body as Marked).via, 'encode');
  assert.equal(streamed, (res.body as Marked).items);
});

test.run();
