import { createEngine, exagoApi, type RateLimiter } from '@restbatch/core';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS, SEED_BATCH } from './exago-engine.js';
import type { ParityCase } from './parity-transports.js';
import { securityApi } from './security-api.js';

/** A limiter that grants the first `granted` units of an engine, then refuses with a retry in 30 s. */
function grants(granted: number): RateLimiter {
  let left = granted;
  return { take: () => (left-- > 0 ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: 30_000 }) };
}

/** The security API (OData at `/api/$batch`) and Exago, behind a limiter granting `granted` units. */
function limitedEngine(granted: number) {
  return () =>
    createEngine({
      apis: [securityApi(), exagoApi({ configs: EXAMPLE_CONFIGS })],
      rateLimit: { limiter: grants(granted) },
      logger: { error: () => undefined },
    });
}

const exagoEngine = () => createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS })], logger: { error: () => undefined } });

type Responses = { responses: Array<{ status: number; headers: Record<string, string> }> };

/** Answers whose headers carry the meaning: replays, Retry-After, Allow, the batch summary. */
export const headerParityCases: ParityCase[] = [
  {
    name: 'an idempotent batch sent twice: the second answer is the stored one, marked Idempotent-Replayed',
    engine: exagoEngine,
    url: '/rest/batch',
    headers: { 'idempotency-key': 'parity-replay' },
    body: SEED_BATCH,
    sends: 2,
    status: 200,
    check: (_body, headers) => {
      assert.is(headers['idempotent-replayed'], 'true');
      assert.is(headers['restbatch-summary'], 'succeeded=3, failed=0, skipped=0');
    },
  },
  {
    name: 'an idempotent retry that changes Prefer (OData §19.4: the failure policy) is another request: 422 IDEMPOTENCY_MISMATCH',
    engine: limitedEngine(100),
    url: '/api/$batch',
    earlierHeaders: { 'idempotency-key': 'parity-prefer', prefer: 'odata.continue-on-error=false' },
    headers: { 'idempotency-key': 'parity-prefer', prefer: 'odata.continue-on-error' },
    body: { requests: [{ id: '1', method: 'GET', url: '/Files/a' }] },
    sends: 2,
    status: 422,
    check: (body) => assert.is((body as { error: { code: string } }).error.code, 'IDEMPOTENCY_MISMATCH'),
  },
  {
    name: 'an idempotent retry that changes RestBatch-Timeout is another request: 422 IDEMPOTENCY_MISMATCH',
    engine: exagoEngine,
    url: '/rest/batch',
    earlierHeaders: { 'idempotency-key': 'parity-timeout', 'restbatch-timeout': '5000' },
    headers: { 'idempotency-key': 'parity-timeout', 'restbatch-timeout': '6000' },
    body: SEED_BATCH,
    sends: 2,
    status: 422,
    check: (body) => assert.is((body as { code: string }).code, 'IDEMPOTENCY_MISMATCH'),
  },
  {
    name: 'an idempotent retry with the same Prefer and another inherited header (a request id) replays the stored answer',
    engine: limitedEngine(100),
    url: '/api/$batch',
    earlierHeaders: { 'idempotency-key': 'parity-same', prefer: 'odata.continue-on-error', 'x-request-id': 'first' },
    headers: { 'idempotency-key': 'parity-same', prefer: 'odata.continue-on-error', 'x-request-id': 'retry' },
    body: { requests: [{ id: '1', method: 'GET', url: '/Files/a' }] },
    sends: 2,
    status: 200,
    check: (body, headers) => {
      assert.is(headers['idempotent-replayed'], 'true');
      // The stored answer: what the first send's sub-request saw.
      assert.is((body as Responses).responses[0]!.status, 200);
    },
  },
  {
    // RFC 9110 §15.3.5: a 204 "cannot contain content"; §8.3: Content-Type describes content.
    name: 'an ordinary call of an OData API answered 204 (RFC 9110 §15.3.5: no content) carries OData-Version and no Content-Type',
    engine: limitedEngine(100),
    method: 'DELETE',
    url: '/api/Files/a',
    status: 204,
    check: (body, headers) => {
      assert.is(body, undefined);
      assert.equal(headers, { 'odata-version': '4.01' });
    },
  },
  {
    name: "an ordinary call of an OData API answered 200 carries OData's JSON Content-Type on every transport",
    engine: limitedEngine(100),
    method: 'GET',
    url: '/api/Files/a',
    status: 200,
    check: (_body, headers) => assert.is(headers['content-type'], 'application/json; metadata=none; charset=utf-8'),
  },
  {
    name: 'an ordinary call over the rate limit answers 429 with Retry-After',
    engine: limitedEngine(0),
    method: 'GET',
    url: '/api/Echo/1',
    status: 429,
    check: (_body, headers) => assert.is(headers['retry-after'], '30'),
  },
  {
    name: 'a batch whose second call is over the rate limit: 429 with Retry-After in its slot, the summary outside',
    engine: limitedEngine(1),
    url: '/api/$batch',
    headers: { prefer: 'odata.continue-on-error' },
    body: {
      requests: [
        { id: '1', method: 'GET', url: '/Files/a' },
        { id: '2', method: 'GET', url: '/Files/b' },
      ],
    },
    status: 200,
    check: (body, headers) => {
      const [first, second] = (body as Responses).responses;
      assert.is(first!.status, 200);
      assert.is(second!.status, 429);
      assert.is(second!.headers['retry-after'], '30');
      assert.is(headers['restbatch-summary'], 'succeeded=1, failed=1, skipped=0');
    },
  },
];
