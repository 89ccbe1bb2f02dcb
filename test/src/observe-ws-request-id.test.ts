import 'reflect-metadata';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOWN_BATCH, observeEngine } from './support/observe-engine.js';
import { startWs, TestClient } from './support/ws-test-client.js';

const BATCH = { requests: [KNOWN_BATCH.requests[0]] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test("a WebSocket message's request id is its own x-request-id or a fresh one, never the upgrade's; the upgrade's names the connection", async () => {
  const lines: Record<string, unknown>[] = [];
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const engine = observeEngine({
    logger: { error: () => undefined, info: (fields) => lines.push(fields as Record<string, unknown>) },
    telemetry: { tracerProvider, propagator: new W3CTraceContextPropagator() },
  });
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url, { 'x-request-id': 'upgrade-1' });
    const own = await client.request({ id: 'a', endpoint: '/shop/$batch', headers: { 'x-request-id': 'message-1' }, body: BATCH });
    const fresh = await client.request({ id: 'b', endpoint: '/shop/$batch', body: BATCH });
    const again = await client.request({ id: 'c', endpoint: '/shop/$batch', body: BATCH });
    for (const answer of [own, fresh, again]) assert.is((answer.final as { status: number }).status, 200);
    await client.close();
    const ids = lines.map((line) => line.requestId as string);
    assert.is(ids.length, 3);
    assert.is(ids[0], 'message-1');
    assert.match(ids[1]!, UUID);
    assert.match(ids[2]!, UUID);
    assert.is.not(ids[1], ids[2], 'each message has an id of its own');
    assert.equal(
      lines.map((line) => line.connectionId),
      ['upgrade-1', 'upgrade-1', 'upgrade-1'],
    );
    const batches = exporter.getFinishedSpans().filter((span) => span.name === 'POST /shop/$batch');
    assert.equal(
      batches.map((span) => span.attributes['restbatch.request_id']),
      ids,
    );
    assert.equal(
      batches.map((span) => span.attributes['restbatch.connection_id']),
      ['upgrade-1', 'upgrade-1', 'upgrade-1'],
    );
  } finally {
    await ws.close();
  }
});

test('a connection whose upgrade has no x-request-id gets a fresh connection id, the same for each of its messages', async () => {
  const lines: Record<string, unknown>[] = [];
  const engine = observeEngine({ logger: { error: () => undefined, info: (fields) => lines.push(fields as Record<string, unknown>) } });
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    await client.request({ id: 'a', endpoint: '/shop/$batch', body: BATCH });
    await client.request({ id: 'b', endpoint: '/shop/$batch', body: BATCH });
    await client.close();
    assert.is(lines.length, 2);
    assert.match(lines[0]!.connectionId as string, UUID);
    assert.is(lines[1]!.connectionId, lines[0]!.connectionId);
    assert.is.not(lines[0]!.requestId, lines[0]!.connectionId);
  } finally {
    await ws.close();
  }
});

test.run();
