import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { featuresEngine, newSession } from './support/features-engine.js';
import { startWs, TestClient } from './support/ws-test-client.js';

interface Wire {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

type Send = (url: string, body: unknown, headers?: Record<string, string>) => Promise<Wire>;

/**
 * Runs `scenario` once per transport (direct, HTTP, WebSocket), each against a fresh engine, and
 * returns what each saw; the features must behave the same whichever way the batch arrives.
 */
async function everyTransport(
  scenario: (send: Send, sid: string, engine: ReturnType<typeof featuresEngine>['engine']) => Promise<unknown>,
): Promise<unknown[]> {
  const outcomes: unknown[] = [];
  {
    const { engine, call } = featuresEngine();
    const sid = await newSession(engine);
    outcomes.push(await scenario((url, body, headers) => call({ url, body, headers }), sid, engine));
  }
  {
    const { engine } = featuresEngine();
    const sid = await newSession(engine);
    const server = await listen(createHttpHandler(engine));
    try {
      outcomes.push(
        await scenario(
          async (url, body, headers) => {
            const res = await fetch(`${server.url}${url}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...headers },
              body: JSON.stringify(body),
            });
            const seen: Record<string, string> = {};
            res.headers.forEach((value, name) => {
              seen[name] = value;
            });
            return { status: res.status, headers: seen, body: await res.json() };
          },
          sid,
          engine,
        ),
      );
    } finally {
      await server.close();
    }
  }
  {
    const { engine } = featuresEngine();
    const sid = await newSession(engine);
    const ws = await startWs(engine);
    const client = await TestClient.open(ws.url);
    let next = 0;
    try {
      outcomes.push(
        await scenario(
          async (url, body, headers) => {
            const response = TestClient.response(await client.request({ id: ++next, endpoint: url, headers: headers ?? {}, body }));
            return { status: response.status, headers: response.headers, body: response.body };
          },
          sid,
          engine,
        ),
      );
    } finally {
      await client.close();
      await ws.close();
    }
  }
  return outcomes;
}

function sameEverywhere(outcomes: unknown[], expected: unknown): void {
  assert.is(outcomes.length, 3);
  for (const outcome of outcomes) assert.equal(outcome, expected);
}

const statuses = (wire: Wire) =>
  (wire.body as { results: Array<{ status: number; error?: { code: string } }> }).results.map((r) => [r.status, r.error?.code ?? null]);

test('references resolve the same through direct, HTTP and WebSocket', async () => {
  const ok = await everyTransport(async (send, sid) => {
    const res = await send(`/api/batch?sid=${sid}`, {
      requests: [
        { id: 'n', method: 'POST', url: '/Notes', body: { id: '../x', text: 't' } },
        { method: 'GET', url: '/Notes/${n/body/id}' },
        { method: 'GET', url: '$n' },
      ],
    });
    return (res.body as { results: Array<{ status: number; body: unknown }> }).results.map((r) => [r.status, r.body]);
  });
  sameEverywhere(ok, [
    [201, { id: '../x', text: 't' }],
    [200, { id: '../x', text: 't' }],
    [200, { id: '../x', text: 't' }],
  ]);
});

test('a forward reference is rejected with 400 REFERENCE_INVALID by every transport', async () => {
  const outcomes = await everyTransport(async (send) => {
    const res = await send('/api/batch', {
      requests: [
        { method: 'POST', url: '/Tools/echo', body: { v: '$ref:1/status' } },
        { method: 'GET', url: '/Tools/ok' },
      ],
    });
    return [res.status, (res.body as { error: { code: string } }).error.code];
  });
  sameEverywhere(outcomes, [400, 'REFERENCE_INVALID']);
});

test('an atomic batch rolls back and reports its summary header through every transport', async () => {
  const outcomes = await everyTransport(async (send, sid, engine) => {
    const res = await send(`/api/batch?sid=${sid}`, {
      onFail: 'atomic',
      requests: [
        { method: 'POST', url: '/Notes', body: { id: 'a' } },
        { method: 'POST', url: '/Tools/fail' },
        { method: 'GET', url: '/Tools/ok' },
      ],
    });
    return { results: statuses(res), summary: res.headers['restbatch-summary'], notes: await engine.store.list(sid, 'notes') };
  });
  sameEverywhere(outcomes, {
    results: [
      [424, 'ROLLED_BACK'],
      [400, 'VALIDATION_FAILED'],
      [424, 'SKIPPED'],
    ],
    summary: 'succeeded=0, failed=2, skipped=1',
    notes: [],
  });
});

test('RestBatch-Timeout shortens the deadline through every transport', async () => {
  const outcomes = await everyTransport(async (send) => {
    const res = await send(
      '/api/batch',
      {
        requests: [
          { method: 'GET', url: '/Tools/wait' },
          { method: 'GET', url: '/Tools/ok' },
        ],
      },
      { 'RestBatch-Timeout': '30' },
    );
    return statuses(res);
  });
  sameEverywhere(outcomes, [
    [504, 'TIMEOUT'],
    [504, 'TIMEOUT'],
  ]);
});

test('an Idempotency-Key replays the stored answer through every transport', async () => {
  const outcomes = await everyTransport(async (send, sid) => {
    const envelope = { requests: [{ method: 'POST', url: '/Notes', body: { id: 'once' } }] };
    const headers = { 'Idempotency-Key': 'transport-key' };
    const first = await send(`/api/batch?sid=${sid}`, envelope, headers);
    const second = await send(`/api/batch?sid=${sid}`, envelope, headers);
    const mismatch = await send(`/api/batch?sid=${sid}`, { requests: [] }, headers);
    return {
      same: JSON.stringify(first.body) === JSON.stringify(second.body),
      replayed: [first.headers['idempotent-replayed'] ?? null, second.headers['idempotent-replayed']],
      mismatch: [mismatch.status, (mismatch.body as { error: { code: string } }).error.code],
    };
  });
  sameEverywhere(outcomes, { same: true, replayed: [null, 'true'], mismatch: [422, 'IDEMPOTENCY_MISMATCH'] });
});

test.run();
