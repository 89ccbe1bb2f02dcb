import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createExampleEngine, exampleLogger, exampleTelemetry, otlpTracesUrl, startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { until } from './support/until.js';

const BATCH = [{ Url: 'Sessions', Method: 'POST' }];
const MAIN = fileURLToPath(new URL('../../examples/server/dist/main.js', import.meta.url));
// main.js may take long to load its modules on a loaded machine: a hang guard, not a speed check.
const STARTUP_MS = 30_000;

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

// OpenTelemetry SDK environment variables: OTEL_SERVICE_NAME "Sets the value of the service.name
// resource attribute"; OTEL_RESOURCE_ATTRIBUTES adds "key1=value1,key2=value2" (values percent-encoded).
test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the resource of every span', async () => {
  const saved = { name: process.env.OTEL_SERVICE_NAME, attributes: process.env.OTEL_RESOURCE_ATTRIBUTES };
  process.env.OTEL_SERVICE_NAME = 'claims-gateway';
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=staging,team=a%2Cb';
  const spans = new InMemorySpanExporter();
  let telemetry: ReturnType<typeof exampleTelemetry>;
  try {
    telemetry = exampleTelemetry({ OTEL_ENABLED: '1' }, spans);
  } finally {
    for (const [name, value] of [
      ['OTEL_SERVICE_NAME', saved.name],
      ['OTEL_RESOURCE_ATTRIBUTES', saved.attributes],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const running = await startExampleServer({ port: 0, telemetry, logger: exampleLogger({}, () => undefined) });
  try {
    const res = await fetch(`${running.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BATCH),
    });
    assert.is(res.status, 200);
    await res.text();
    await telemetry!.flush();
    const finished = spans.getFinishedSpans();
    assert.is(finished.length, 2, finished.map((s) => s.name).join(', '));
    for (const span of finished) {
      const attributes = span.resource.attributes;
      assert.equal(
        [attributes['service.name'], attributes['deployment.environment.name'], attributes.team, attributes['telemetry.sdk.language']],
        ['claims-gateway', 'staging', 'a,b', 'nodejs'],
      );
    }
  } finally {
    await running.close();
    await telemetry!.shutdown();
  }
});

test('with LOG_FORMAT=json and OTEL_ENABLED=1 but no OTLP endpoint, spans go to stderr as JSON lines and stdout keeps only log lines', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', OTEL_ENABLED: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_EXPORTER_') || name === 'OTEL_RESOURCE_ATTRIBUTES') delete env[name];
  env.OTEL_SERVICE_NAME = 'restbatch-example';
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  try {
    await until(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out), 'main.js listens', STARTUP_MS);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const res = await fetch(`${url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BATCH),
    });
    assert.is(res.status, 200);
    await res.text();
    // SIGTERM shuts the SDK down, which exports the spans still batched.
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.is(((await exited) as [number | null])[0], 0);
    // The server's own lines (its URL, the curl hint, the stop) and pino's JSON lines; no span dump.
    const logLines = out
      .split('\n')
      .filter((line) => line !== '' && !/^(restbatch example server listening on|Try: curl|SIGTERM: )/.test(line));
    assert.ok(logLines.length >= 1, out);
    for (const line of logLines) assert.not.throws(() => JSON.parse(line), `a JSON line on stdout: ${line}`);
    assert.equal(
      logLines.map((line) => (JSON.parse(line) as { msg: string }).msg),
      ['batch'],
    );
    const spans = err
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { name: string; resource: { attributes: Record<string, unknown> } });
    assert.equal(spans.map((s) => s.name).sort(), ['POST /rest/Sessions', 'POST /rest/batch']);
    for (const span of spans) assert.is(span.resource.attributes['service.name'], 'restbatch-example');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
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
