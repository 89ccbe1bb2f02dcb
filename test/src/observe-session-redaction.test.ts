// OpenTelemetry HTTP semantic conventions (url.path): "Sensitive content provided in url.path SHOULD
// be scrubbed when instrumentations can identify it." A session id is a credential: whoever holds
// it holds the session. The engine identifies it and shows `REDACTED` in its place, in spans and logs.
import 'reflect-metadata';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  createEngine,
  type Engine,
  exagoApi,
  Get,
  type HandlerContext,
  inject,
  odataDialect,
  Resource,
  RestBatchError,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

function tracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracerProvider };
}

/** Every text a span shows: its name and its attribute values. */
const shownBy = (span: ReadableSpan) => [span.name, ...Object.values(span.attributes).map(String)].join(' | ');

async function newSession(engine: Engine): Promise<string> {
  const res = await inject(engine, { method: 'POST', url: '/rest/Sessions', body: {} });
  assert.is(res.status, 201, res.body);
  return res.json<{ Id: string }>().Id;
}

test('ordinary calls that name a session in their path or query export no session id in any span (url.path holds REDACTED)', async () => {
  const { exporter, tracerProvider } = tracing();
  const engine = createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS })], telemetry: { tracerProvider } });
  const sid = await newSession(engine);
  exporter.reset();
  const calls: Array<[method: string, url: string, status: number, name: string, path: string]> = [
    ['GET', `/rest/Sessions/${sid}`, 200, 'GET /rest/Sessions/:sid', '/rest/Sessions/REDACTED'],
    ['PATCH', `/rest/Sessions/${sid}`, 204, 'PATCH /rest/Sessions/:sid', '/rest/Sessions/REDACTED'],
    ['GET', `/rest/Roles?sid=${sid}`, 200, 'GET /rest/Roles', '/rest/Roles'],
    // A route param that is no session parameter, holding a session id: scrubbed by its shape.
    ['GET', `/rest/Roles/${sid}?sid=${sid}`, 404, 'GET /rest/Roles/:id', '/rest/Roles/REDACTED'],
    // Percent-encoded, as the router decodes it for the handler.
    ['GET', `/rest/Sessions/%${sid.charCodeAt(0).toString(16)}${sid.slice(1)}`, 200, 'GET /rest/Sessions/:sid', '/rest/Sessions/REDACTED'],
    // The route's session parameter, even when it holds no valid id: most of a real one may be there.
    ['GET', `/rest/Sessions/${sid.slice(0, 31)}`, 401, 'GET /rest/Sessions/:sid', '/rest/Sessions/REDACTED'],
    ['DELETE', `/rest/Sessions/${sid}`, 204, 'DELETE /rest/Sessions/:sid', '/rest/Sessions/REDACTED'],
  ];
  for (const [method, url, status] of calls) {
    const res = await inject(engine, { method, url, body: method === 'PATCH' ? { ShowTabs: false } : undefined });
    assert.is(res.status, status, `${method} ${url}: ${res.body}`);
  }
  const spans = exporter.getFinishedSpans();
  assert.equal(
    spans.map((s) => [s.name, s.attributes['url.path'], s.attributes['http.response.status_code']]),
    calls.map(([, , status, name, path]) => [name, path, status]),
  );
  for (const span of spans) assert.not.match(shownBy(span), sid.slice(0, 31), shownBy(span));
});

test('a call refused before it is routed (authentication) shows its path scrubbed too', async () => {
  const { exporter, tracerProvider } = tracing();
  const engine = createEngine({
    apis: [exagoApi({ configs: EXAMPLE_CONFIGS })],
    telemetry: { tracerProvider },
    authenticate: () => {
      throw new RestBatchError('UNAUTHORIZED', 'Sign in first');
    },
  });
  const sid = 'a'.repeat(32);
  const res = await inject(engine, { method: 'DELETE', url: `/rest/Sessions/${sid}` });
  assert.is(res.status, 401, res.body);
  const [span] = exporter.getFinishedSpans();
  assert.is(span?.attributes['url.path'], '/rest/Sessions/REDACTED');
  assert.not.match(shownBy(span!), sid);
});

test('a sub-request that names a session in its path shows it scrubbed, in its span name and its url.path', async () => {
  const { exporter, tracerProvider } = tracing();
  const engine = createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS })], telemetry: { tracerProvider } });
  const sid = await newSession(engine);
  exporter.reset();
  const res = await inject(engine, {
    method: 'POST',
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: `Roles/${sid}`, Method: 'GET' },
    ],
  });
  assert.is(res.status, 200, res.body);
  const spans = exporter.getFinishedSpans();
  const item = spans.find((s) => s.attributes['restbatch.index'] === 1);
  assert.ok(item, spans.map(shownBy).join('\n'));
  assert.is(item!.attributes['url.path'], '/rest/Roles/REDACTED');
  for (const span of spans) assert.not.match(shownBy(span), sid, shownBy(span));
});

/** A vault whose every read fails unexpectedly: its error lines log the path. */
@Resource('vault')
class Vault {
  @Get(':sid')
  read(_ctx: HandlerContext): never {
    throw new Error('vault on fire');
  }
}

test('the error lines of a call and of a sub-request log the path with the session parameter scrubbed', async () => {
  const logged: Array<Record<string, unknown>> = [];
  const engine = createEngine({
    apis: [{ base: '/api', resources: [Vault], sessions: {}, batch: [{ path: '$batch', dialect: odataDialect({}) }] }],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
    telemetry: false,
  });
  const secret = '0123456789abcdef0123456789abcdeX';
  assert.is((await inject(engine, { url: `/api/vault/${secret}` })).status, 500);
  const batch = await inject(engine, {
    method: 'POST',
    url: '/api/$batch',
    body: { requests: [{ id: 'a', method: 'GET', url: `/vault/${secret}` }] },
  });
  assert.is(batch.status, 200, batch.body);
  assert.equal(
    logged.map((l) => [l.message, l.path]),
    [
      ['call failed', '/vault/REDACTED'],
      ['sub-request failed', '/vault/REDACTED'],
    ],
  );
  assert.not.match(JSON.stringify(logged), secret.slice(0, 31));
});

test('engine.redactUrl scrubs the session ids of a URL a transport logs: in its path and its session parameter', () => {
  const engine = createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS })], telemetry: false });
  const sid = 'b'.repeat(32);
  assert.is(engine.redactUrl(`/rest/Sessions/${sid}`), '/rest/Sessions/REDACTED');
  assert.is(engine.redactUrl(`/rest/Roles?x=1&sid=${sid}&sid=${sid}`), '/rest/Roles?x=1&sid=REDACTED&sid=REDACTED');
  assert.is(engine.redactUrl(`/rest/Roles?s%69d=${sid}`), '/rest/Roles?s%69d=REDACTED');
  assert.is(engine.redactUrl('/rest/batch?config=Sales'), '/rest/batch?config=Sales');
  assert.is(engine.redactUrl(`/elsewhere/${sid}`), `/elsewhere/${sid}`, 'no API there: nothing to identify');
});

test.run();
