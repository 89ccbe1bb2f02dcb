import 'reflect-metadata';
import { createEngine, type Dialect, exagoApi, exagoDialect, type SubRequest, type SubRequestEndEvent } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS, ROLE_CALLS } from './support/exago-engine.js';

// A dialect whose encoders never read the decoded sub-requests says so (encoderReadsRequests:
// false): the executor then lets go of each sub-request once it ran, so that a large batch does not
// hold every one until its answer. A dialect that does not say so keeps them all for its encoders.

const CALLS = ROLE_CALLS;

/** Exago's dialect, saying `reads` about its encoders, whose `encode` counts the sub-requests it can see. */
function countingDialect(reads: boolean | undefined, seen: number[]): Dialect {
  return {
    ...exagoDialect,
    encoderReadsRequests: reads,
    encode(result, context) {
      seen.push((context?.requests ?? []).filter((sub: SubRequest | undefined) => sub !== undefined).length);
      return exagoDialect.encode(result, context);
    },
  };
}

function engineWith(dialect: Dialect, onSubRequestEnd?: (event: SubRequestEndEvent) => void) {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  return createEngine({
    apis: [{ ...api, batch: (api.batch ?? []).map((endpoint) => ({ ...endpoint, dialect })) }],
    logger: { error: () => {} },
    onSubRequestEnd,
  });
}

const codes = (body: unknown) => (body as Array<{ ReturnCode: string }>).map((item) => item.ReturnCode);

test('Exago and Guidewire say their encoders read no sub-request; OData, whose items name their atomicity group, does not', async () => {
  const { guidewireDialect, odataDialect } = await import('@restbatch/core');
  assert.is(exagoDialect.encoderReadsRequests, false);
  assert.is(guidewireDialect().encoderReadsRequests, false);
  assert.is(odataDialect().encoderReadsRequests, undefined);
});

test('a dialect whose encoders read no sub-request lets go of each once it ran: its encoder finds none, and the answer is the same', async () => {
  const released: number[] = [];
  const kept: number[] = [];
  const a = await createDirectCaller(engineWith(countingDialect(false, released)))({ url: '/rest/batch', body: CALLS });
  const b = await createDirectCaller(engineWith(countingDialect(undefined, kept)))({ url: '/rest/batch', body: CALLS });
  assert.equal(released, [0]);
  assert.equal(kept, [CALLS.length]);
  assert.equal(codes(a.body), ['201', '201', '204', '404', '200']);
  assert.equal(codes(b.body), codes(a.body));
  assert.equal((a.body as Array<{ ResponseContent: unknown }>)[4]?.ResponseContent, { Id: 'A', IsActive: false });
});

test('hooks are told every sub-request of a batch that lets them go, failed and rolled back ones included', async () => {
  for (const url of ['/rest/batch', '/rest/batch?onFail=atomic']) {
    const ends: SubRequestEndEvent[] = [];
    const engine = engineWith(exagoDialect, (event) => ends.push(event));
    const res = await createDirectCaller(engine)({ url, body: CALLS });
    assert.is(res.status, 200);
    assert.equal(
      ends.map((e) => `${e.index} ${e.method} ${e.path} ${e.status}`),
      url.endsWith('atomic')
        ? ['3 GET /Roles/B 404', '4 GET /Roles/A 424', '0 POST /Sessions 424', '1 POST /Roles 424', '2 PATCH /Roles/A 424']
        : ['0 POST /Sessions 201', '1 POST /Roles 201', '2 PATCH /Roles/A 204', '3 GET /Roles/B 404', '4 GET /Roles/A 200'],
      url,
    );
  }
});

test('a dialect spread from Exago or Guidewire whose own encoders read the sub-requests still finds every one (the field is not inherited)', async () => {
  // Written before the field existed: its encoder names each item's method from context.requests.
  const spread: Dialect = {
    ...exagoDialect,
    encode(result, context) {
      return result.results.map((r) => ({ Method: context?.requests[r.index]?.method ?? 'LOST', ReturnCode: String(r.status) }));
    },
  };
  const res = await createDirectCaller(engineWith(spread))({ url: '/rest/batch', body: CALLS });
  assert.is(res.status, 200);
  assert.equal(
    (res.body as Array<{ Method: string }>).map((item) => item.Method),
    CALLS.map((call) => call.Method),
  );
  const { guidewireDialect } = await import('@restbatch/core');
  assert.is({ ...exagoDialect }.encoderReadsRequests, undefined);
  assert.is({ ...guidewireDialect() }.encoderReadsRequests, undefined);
});

test.run();
