import 'reflect-metadata';
import { createEngine, type Dialect, exagoApi, exagoDialect, guidewireDialect } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

// A dialect with `encodeItems` has its answer made of each result's item, made as the result is
// final, when no later step of the batch reads or rewrites an earlier result; otherwise (references,
// an atomic run, streaming) its `encode` makes the answer of the kept results at the end.

const CALLS = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Roles', Method: 'POST', Payload: { Id: 'A', IsActive: true } },
  { Url: 'Roles/A', Method: 'PATCH', Payload: { IsActive: false } },
  { Url: 'Roles/B', Method: 'GET' },
  { Url: 'Roles/A', Method: 'GET' },
];

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

function caller(limits?: { maxResultBytes: number }) {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  const engine = createEngine({
    apis: [{ ...api, batch: (api.batch ?? []).map((endpoint) => ({ ...endpoint, dialect: marking })) }],
    logger: { error: () => {} },
    limits,
  });
  return createDirectCaller(engine);
}

const codes = (body: Marked) => body.items.map((item) => item.ReturnCode);

test('Exago and Guidewire answer from items; OData, whose encoder reads the sub-requests, does not', async () => {
  const { odataDialect } = await import('@restbatch/core');
  assert.type(exagoDialect.encodeItems, 'function');
  assert.type(guidewireDialect().encodeItems, 'function');
  assert.is(odataDialect().encodeItems, undefined);
});

test('a plain batch is answered by encodeItems: each result as its item, in order, with the summary', async () => {
  const res = await caller()({ url: '/rest/batch', body: CALLS });
  const body = res.body as Marked;
  assert.is(body.via, 'items');
  assert.equal(codes(body), ['201', '201', '204', '404', '200']);
  assert.equal(body.items[2]?.ResponseContent, { StatusCode: 204, StatusDescription: null });
  assert.equal(body.items[4]?.ResponseContent, { Id: 'A', IsActive: false });
  assert.is((body.items[3]?.ResponseContent as { code?: string } | undefined)?.code, 'NOT_FOUND');
  assert.equal(body.summary, { succeeded: 4, failed: 1, skipped: 0 });
  assert.is(res.headers['restbatch-summary'], 'succeeded=4, failed=1, skipped=0');
});

test('the stop policy and the result budget reach the items: skipped and over-budget results are counted as such', async () => {
  const stopped = (await caller()({ url: '/rest/batch?onFail=stop', body: CALLS })).body as Marked;
  assert.is(stopped.via, 'items');
  assert.equal(codes(stopped), ['201', '201', '204', '404', '424']);
  assert.equal(stopped.summary, { succeeded: 3, failed: 1, skipped: 1 });
  const tight = (await caller({ maxResultBytes: 40 })({ url: '/rest/batch', body: CALLS })).body as Marked;
  assert.is(tight.via, 'items');
  assert.equal(codes(tight), ['507', '201', '204', '404', '507']);
  assert.is((tight.items[4]?.ResponseContent as { code?: string } | undefined)?.code, 'RESULTS_TOO_LARGE');
  assert.equal(tight.summary, { succeeded: 2, failed: 3, skipped: 0 });
});

test('references, an atomic run and streaming read results later: encode answers from the kept results', async () => {
  const references = [...CALLS.slice(0, 2), { Url: 'Roles/${1/body/Id}', Method: 'GET' }];
  const referred = (await caller()({ url: '/rest/batch', body: references })).body as Marked;
  assert.is(referred.via, 'encode');
  assert.equal(codes(referred), ['201', '201', '200']);
  const atomic = (await caller()({ url: '/rest/batch?onFail=atomic', body: CALLS })).body as Marked;
  assert.is(atomic.via, 'encode');
  assert.equal(codes(atomic), ['424', '424', '424', '404', '424']);
  const streamed: unknown[] = [];
  const res = await caller()({ url: '/rest/batch', body: CALLS, onResult: (item) => streamed.push(item) });
  assert.is((res.body as Marked).via, 'encode');
  assert.equal(streamed, (res.body as Marked).items);
});

test.run();
