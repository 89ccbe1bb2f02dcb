import 'reflect-metadata';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { inject } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOWN_BATCH, observeEngine, PARENT, TRACEPARENT } from './support/observe-engine.js';
import { parityTransports } from './support/parity-transports.js';

// Handlers make their child spans from the active context, as an app with the SDK has it.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

function tracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, telemetry: { tracerProvider, propagator: new W3CTraceContextPropagator() } };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

for (const transport of parityTransports()) {
  test(`a batch through ${transport.name} is one server span continuing traceparent, with one child span per sub-request`, async () => {
    const { exporter, telemetry } = tracing();
    // The global tracer (for the handlers' own spans) is the same provider.
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    try {
      const engine = observeEngine({ telemetry });
      const answer = await transport.send(engine, {
        name: 'known',
        engine: () => engine,
        url: '/shop/$batch',
        headers: { traceparent: TRACEPARENT, prefer: 'continue-on-error' },
        body: KNOWN_BATCH,
        status: 200,
      });
      assert.is(answer.status, 200);
      const spans = exporter.getFinishedSpans();
      const batch = spans.find((s) => s.name === 'POST /shop/$batch');
      assert.ok(batch, `a batch span among ${spans.map((s) => s.name).join(', ')}`);
      assert.is(batch!.spanContext().traceId, PARENT.traceId);
      assert.is(parentOf(batch!), PARENT.spanId);
      assert.is(batch!.attributes['http.request.method'], 'POST');
      assert.is(batch!.attributes['http.route'], '/shop/$batch');
      assert.is(batch!.attributes['url.path'], '/shop/$batch');
      assert.is(batch!.attributes['http.response.status_code'], 200);
      assert.is(batch!.attributes['restbatch.dialect'], 'odata');
      assert.is(batch!.attributes['restbatch.items'], 3);
      assert.is(batch!.attributes['restbatch.transport'], transport.name);
      assert.is(batch!.attributes['restbatch.failed'], 1);
      assert.is(batch!.attributes['restbatch.skipped'], 1);
      const items = spans.filter((s) => parentOf(s) === batch!.spanContext().spanId);
      assert.equal(
        items.map((s) => [
          s.name,
          s.attributes['restbatch.id'],
          s.attributes['restbatch.index'],
          s.attributes['http.response.status_code'],
        ]),
        [
          ['GET /shop/widgets/:id', 'a', 0, 200],
          ['GET /shop/widgets/:id', 'b', 1, 500],
          ['GET /widgets/2', 'c', 2, 424],
        ],
      );
      const [a, b, c] = items as [ReadableSpan, ReadableSpan, ReadableSpan];
      assert.is(a.status.code, 0);
      assert.is(b.status.code, 2, 'a failed item sets the span status to ERROR');
      assert.is(b.attributes['error.type'], 'INTERNAL');
      assert.is(c.attributes['restbatch.skipped'], true);
      assert.is(c.attributes['error.type'], 'DEPENDENCY_FAILED');
      assert.is(a.attributes['http.route'], '/shop/widgets/:id');
      assert.is(a.attributes['url.path'], '/shop/widgets/1');
      const lookups = spans.filter((s) => s.name === 'lookup');
      assert.equal(
        lookups.map(parentOf),
        [a.spanContext().spanId, b.spanContext().spanId],
        "a handler's span is a child of its item's span",
      );
    } finally {
      trace.disable();
    }
  });
}

test('an ordinary call is one server span named after its route', async () => {
  const { exporter, telemetry } = tracing();
  const engine = observeEngine({ telemetry });
  const res = await inject(engine, { url: '/shop/widgets/7', headers: { traceparent: TRACEPARENT } });
  assert.is(res.status, 200);
  const [span, ...rest] = exporter.getFinishedSpans();
  assert.is(rest.length, 0);
  assert.is(span!.name, 'GET /shop/widgets/:id');
  assert.is(span!.attributes['http.route'], '/shop/widgets/:id');
  assert.is(span!.attributes['http.response.status_code'], 200);
  assert.is(parentOf(span!), PARENT.spanId);
});

test('a batch refused before it runs is a server span with its error status', async () => {
  const { exporter, telemetry } = tracing();
  const engine = observeEngine({ telemetry });
  const res = await inject(engine, { method: 'POST', url: '/shop/$batch', body: { requests: 'nope' } });
  assert.is(res.status, 400);
  const [span] = exporter.getFinishedSpans();
  assert.is(span!.attributes['http.response.status_code'], 400);
  assert.is(exporter.getFinishedSpans().length, 1);
});

test('the global tracer provider is used once the SDK registers it, even after the engine was made', async () => {
  const engine = observeEngine();
  const batch = { method: 'POST', url: '/shop/$batch', headers: { traceparent: TRACEPARENT }, body: KNOWN_BATCH };
  const { exporter, telemetry } = tracing();
  assert.is((await inject(engine, batch)).status, 200);
  assert.is(exporter.getFinishedSpans().length, 0);
  trace.setGlobalTracerProvider(telemetry.tracerProvider);
  propagation.setGlobalPropagator(telemetry.propagator);
  try {
    assert.is((await inject(engine, batch)).status, 200);
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'POST /shop/$batch');
    assert.is(parentOf(root!), PARENT.spanId);
    assert.is(spans.filter((s) => parentOf(s) === root!.spanContext().spanId).length, 3);
  } finally {
    trace.disable();
    propagation.disable();
  }
});

test.run();
