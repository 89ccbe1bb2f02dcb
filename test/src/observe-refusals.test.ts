import 'reflect-metadata';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { BatchEndEvent, Engine, EngineOptions } from '@restbatch/core';
import { restbatch } from '@restbatch/fastify';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import Fastify from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { observeEngine, PARENT, TRACEPARENT } from './support/observe-engine.js';

const BATCH = JSON.stringify({ requests: [{ id: 'a', method: 'GET', url: '/widgets/1' }] });

/** An engine of the widget shop whose batch ends and spans are recorded. */
function observed(options: Partial<EngineOptions> = {}) {
  const ends: BatchEndEvent[] = [];
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const engine = observeEngine({
    telemetry: { tracerProvider, propagator: new W3CTraceContextPropagator() },
    onBatchEnd: (e) => ends.push(e),
    ...options,
  });
  return { engine, seen: () => ({ ends, spans: exporter.getFinishedSpans() }) };
}

/** The same, served over node:http. */
async function served(options: Partial<EngineOptions>, run: (url: string, engine: Engine) => Promise<void>, maxBodyBytes?: number) {
  const { engine, seen } = observed(options);
  const server = await listen(createHttpHandler(engine, { maxBodyBytes }));
  try {
    await run(server.url, engine);
  } finally {
    await server.close();
  }
  return seen();
}

const TOO_BIG = JSON.stringify({ requests: [{ id: 'a', method: 'GET', url: `/widgets/${'x'.repeat(200)}` }] });

const post = (url: string, headers: Record<string, string> = {}, body = BATCH) =>
  fetch(`${url}/shop/$batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: TRACEPARENT, ...headers },
    body,
  });

function assertRefused(seen: ReturnType<ReturnType<typeof observed>['seen']>, status: number): void {
  assert.is(seen.ends.length, 1);
  const end = seen.ends[0]!;
  assert.is(end.status, status);
  assert.is(end.items, undefined);
  assert.is(end.summary, undefined);
  assert.is(end.endpoint, '/shop/$batch');
  assert.is(end.method, 'POST');
  assert.is(end.transport, 'http');
  assert.is(seen.spans.length, 1);
  const span = seen.spans[0]!;
  assert.is(span.name, 'POST /shop/$batch');
  assert.is(span.spanContext().traceId, PARENT.traceId);
  assert.is(span.attributes['http.response.status_code'], status);
  assert.is(span.attributes['restbatch.transport'], 'http');
}

test('a batch refused with 431 HEADERS_TOO_LARGE is observed: onBatchEnd without items, and a server span', async () => {
  const seen = await served({ limits: { maxRequestHeaders: 8 } }, async (url) => {
    const extra: Record<string, string> = {};
    for (let i = 0; i < 10; i++) extra[`x-extra-${i}`] = 'v';
    const res = await post(url, extra);
    assert.is(res.status, 431);
    assert.is(((await res.json()) as { error: { code: string } }).error.code, 'HEADERS_TOO_LARGE');
  });
  assertRefused(seen, 431);
});

test('a batch refused with 413 PAYLOAD_TOO_LARGE by the HTTP transport is observed too', async () => {
  const seen = await served(
    {},
    async (url) => {
      const res = await post(url, {}, TOO_BIG);
      assert.is(res.status, 413);
      assert.is(((await res.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    },
    100,
  );
  assertRefused(seen, 413);
});

test('a batch the fetch transport refuses with 413 is observed', async () => {
  const { engine, seen } = observed();
  const handler = createFetchHandler(engine, { maxBodyBytes: 100 });
  const res = await handler(
    new Request('http://shop.test/shop/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: TOO_BIG,
    }),
    undefined,
  );
  assert.is(res.status, 413);
  assertRefused(seen(), 413);
});

test('a batch the Fastify plugin refuses with 413 is observed', async () => {
  const { engine, seen } = observed();
  const app = Fastify();
  try {
    await app.register(restbatch, { engine, maxBodyBytes: 100 });
    const res = await app.inject({
      method: 'POST',
      url: '/shop/$batch',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      payload: TOO_BIG,
    });
    assert.is(res.statusCode, 413);
  } finally {
    await app.close();
  }
  assertRefused(seen(), 413);
});

test('a batch refused with 503 SHUTTING_DOWN is observed too', async () => {
  const seen = await served({}, async (url, engine) => {
    await engine.close();
    const res = await post(url);
    assert.is(res.status, 503);
    assert.is(((await res.json()) as { error: { code: string } }).error.code, 'SHUTTING_DOWN');
  });
  assertRefused(seen, 503);
});

test('a batch that runs is observed once, as before', async () => {
  const seen = await served({}, async (url) => {
    const res = await post(url);
    assert.is(res.status, 200);
  });
  assert.is(seen.ends.length, 1);
  assert.is(seen.ends[0]!.items, 1);
  assert.is(seen.spans.filter((s) => s.name === 'POST /shop/$batch').length, 1);
});

test.run();
