import 'reflect-metadata';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createExampleEngine, exampleLogger, exampleTelemetry, otlpTracesUrl, startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

const BATCH = [{ Url: 'Sessions', Method: 'POST' }];

test('with LOG_FORMAT=json the example engine logs one pino JSON line per batch', async () => {
  const lines: string[] = [];
  const engine = createExampleEngine({ logger: exampleLogger({ LOG_FORMAT: 'json' }, (line) => lines.push(line)) });
  const res = await engine.inject({ method: 'POST', url: '/rest/batch', headers: { 'x-request-id': 'ex-1' }, body: BATCH });
  assert.is(res.status, 200);
  assert.is(lines.length, 1);
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal([entry.level, entry.msg, entry.requestId, entry.endpoint, entry.items], [30, 'batch', 'ex-1', '/rest/batch', 1]);
});

test('otherwise it writes human lines, of warnings and errors only', () => {
  const lines: string[] = [];
  const logger = exampleLogger({}, (line) => lines.push(line));
  logger.info?.({ requestId: 'r' }, 'batch');
  logger.error({ requestId: 'r' }, 'sub-request failed');
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /ERROR sub-request failed \{"requestId":"r"\}/);
});

test('OTEL_ENABLED is off by default: nothing is wired', () => {
  assert.is(exampleTelemetry({}), undefined);
});

test('with OTEL_ENABLED=1 the example server traces batches and serves Prometheus text at GET /metrics', async () => {
  const spans = new InMemorySpanExporter();
  const telemetry = exampleTelemetry({ OTEL_ENABLED: '1' }, spans);
  assert.ok(telemetry);
  const running = await startExampleServer({ port: 0, telemetry, logger: exampleLogger({}, () => undefined) });
  try {
    const res = await fetch(`${running.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      body: JSON.stringify(BATCH),
    });
    assert.is(res.status, 200);
    await res.text();
    const metrics = await fetch(`${running.url}/metrics`);
    assert.is(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /# TYPE restbatch_batch_size histogram/);
    assert.match(text, /restbatch_batch_size_count\{http_route="\/rest\/batch",restbatch_dialect="exago"\} 1/);
    assert.match(text, /restbatch_subrequest_outcomes\{restbatch_outcome="succeeded"\} 1/);
    await telemetry!.flush();
    const names = spans.getFinishedSpans().map((s) => s.name);
    assert.ok(names.includes('POST /rest/batch'), names.join(', '));
    assert.ok(names.includes('POST /rest/Sessions'), names.join(', '));
  } finally {
    await running.close();
    await telemetry!.shutdown();
  }
});

test('OTEL_EXPORTER_OTLP_ENDPOINT sends the spans of a batch by OTLP/HTTP to <endpoint>/v1/traces', async () => {
  const received: Array<{ path: string | undefined; type: string | undefined; body: string }> = [];
  const collector = await listen((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url, type: req.headers['content-type'], body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const telemetry = exampleTelemetry({ OTEL_ENABLED: '1', OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/` });
  let running: Awaited<ReturnType<typeof startExampleServer>> | undefined;
  try {
    running = await startExampleServer({ port: 0, telemetry, logger: exampleLogger({}, () => undefined) });
    const res = await fetch(`${running.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      body: JSON.stringify([...BATCH, { Url: 'Roles', Method: 'GET' }]),
    });
    assert.is(res.status, 200);
    await res.text();
    await telemetry!.flush();
    assert.ok(received.length >= 1, 'the collector received an export');
    assert.equal([received[0]!.path, received[0]!.type], ['/v1/traces', 'application/json']);
    const spans = received.flatMap((r) => {
      const body = JSON.parse(r.body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; parentSpanId?: string }> }> }>;
      };
      return body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    });
    const batch = spans.find((s) => s.name === 'POST /rest/batch');
    assert.ok(batch, spans.map((s) => s.name).join(', '));
    assert.is(batch!.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.is(batch!.parentSpanId, 'b7ad6b7169203331');
    assert.equal(
      spans.filter((s) => s.name !== batch!.name).map((s) => s.name),
      ['POST /rest/Sessions', 'GET /rest/Roles'],
    );
  } finally {
    await running?.close();
    await telemetry!.shutdown();
    await collector.close();
  }
});

test('the OTLP traces URL follows the standard variables', () => {
  assert.is(otlpTracesUrl({}), undefined);
  assert.is(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), 'http://collector:4318/v1/traces');
  assert.is(
    otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' }),
    'http://t/x',
  );
});

test.run();
