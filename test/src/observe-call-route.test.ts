import 'reflect-metadata';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createExampleEngine } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** The example engine, traced into memory: the one span of each call is read back. */
function tracedEngine() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const engine = createExampleEngine({
    logger: { error: () => undefined },
    telemetry: { tracerProvider, propagator: new W3CTraceContextPropagator() },
  });
  return { engine, exporter };
}

async function spanOf(request: { method: string; url: string; body?: string; headers?: Record<string, string> }) {
  const { engine, exporter } = tracedEngine();
  const res = await engine.inject(request);
  const [span, ...rest] = exporter.getFinishedSpans();
  assert.is(rest.length, 0);
  return { status: res.status, name: span!.name, route: span!.attributes['http.route'] };
}

test('a call refused for its session keeps its route, as one refused for a missing session does', async () => {
  assert.equal(await spanOf({ method: 'GET', url: '/rest/Roles?sid=nope' }), {
    status: 401,
    name: 'GET /rest/Roles',
    route: '/rest/Roles',
  });
  assert.equal(await spanOf({ method: 'GET', url: '/rest/Roles' }), { status: 401, name: 'GET /rest/Roles', route: '/rest/Roles' });
});

test('a call whose body is not JSON keeps its route', async () => {
  const answer = await spanOf({
    method: 'POST',
    url: '/rest/claim/v1/claims',
    headers: { 'content-type': 'application/json' },
    body: '{bad',
  });
  assert.equal(answer, { status: 400, name: 'POST /rest/claim/v1/claims', route: '/rest/claim/v1/claims' });
});

test('a method with no route at the path (405) is named after the pattern of the path', async () => {
  assert.equal(await spanOf({ method: 'DELETE', url: '/rest/claim/v1/claims/cc:22' }), {
    status: 405,
    name: 'DELETE /rest/claim/v1/claims/:claimId',
    route: '/rest/claim/v1/claims/:claimId',
  });
  // A method name HTTP does not know is refused the same way.
  assert.equal(await spanOf({ method: 'BREW', url: '/rest/claim/v1/claims/cc:22' }), {
    status: 405,
    name: 'BREW /rest/claim/v1/claims/:claimId',
    route: '/rest/claim/v1/claims/:claimId',
  });
});

test('a path with no route (404) or not a plain resource path has no route', async () => {
  assert.equal(await spanOf({ method: 'GET', url: '/rest/claim/v1/nothing/here' }), {
    status: 404,
    name: 'GET /rest/claim/v1',
    route: undefined,
  });
  const unsafe = await spanOf({ method: 'GET', url: '/rest/claim/v1/claims/%2e%2e' });
  assert.is(unsafe.route, undefined);
  assert.is(unsafe.name, 'GET /rest/claim/v1');
});

test.run();
