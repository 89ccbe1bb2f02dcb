import 'reflect-metadata';
import { context, createContextKey, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createEngine, Get, type HandlerContext, inject, odataDialect, Resource } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// Handlers use the active context as an app with the SDK does.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const TENANT = createContextKey('tenant');
/** What each handler saw, by widget id. */
const seen = new Map<string, { traceparent: string | undefined; tenant: unknown; activeBeforeAwait: string | undefined }>();

@Resource('widgets')
class Widgets {
  @Get(':id')
  async read(ctx: HandlerContext) {
    const id = ctx.params.id as string;
    const tracer = trace.getTracer('shop');
    const activeBeforeAwait = trace.getActiveSpan()?.spanContext().spanId;
    // A child span made active derives a context from the item's, and a grandchild is made within it.
    tracer.startActiveSpan('outer', (outer) => {
      tracer.startSpan('inner').end();
      outer.end();
    });
    // A value an app adds to the active context is there, with the item's span, inside its `with`.
    const tenant = context.with(context.active().setValue(TENANT, `t-${id}`), () => {
      tracer.startSpan('tenant-work').end();
      return context.active().getValue(TENANT);
    });
    await new Promise((resolve) => setImmediate(resolve));
    // After an await, the item's span is still the active one: outgoing calls carry it.
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    tracer.startSpan('after-await').end();
    seen.set(id, { traceparent: carrier.traceparent, tenant, activeBeforeAwait });
    return { id };
  }
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

test("a handler's own spans, derived contexts and outgoing trace context hang off its sub-request's span", async () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  try {
    const engine = createEngine({
      apis: [{ base: '/shop', resources: [Widgets], batch: [{ path: '$batch', dialect: odataDialect({}) }] }],
      logger: { error: () => undefined },
      telemetry: { tracerProvider },
    });
    const body = {
      requests: [
        { id: 'a', method: 'GET', url: '/widgets/1' },
        { id: 'b', method: 'GET', url: '/widgets/2' },
      ],
    };
    const res = await inject(engine, { method: 'POST', url: '/shop/$batch', body });
    assert.is(res.status, 200);
    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const items = named('GET /shop/widgets/:id').sort(
      (x, y) => (x.attributes['restbatch.index'] as number) - (y.attributes['restbatch.index'] as number),
    );
    assert.is(items.length, 2);
    const itemIds = items.map((s) => s.spanContext().spanId);
    assert.equal(named('outer').map(parentOf), itemIds, "the handler's active child span is a child of its item's span");
    assert.equal(
      named('inner').map(parentOf),
      named('outer').map((s) => s.spanContext().spanId),
      'a span made inside the active child is its child',
    );
    assert.equal(named('tenant-work').map(parentOf), itemIds, 'a context with an added value keeps the item span');
    assert.equal(named('after-await').map(parentOf), itemIds, 'the item span stays active across an await');
    const traceId = items[0]?.spanContext().traceId;
    assert.equal(
      ['1', '2'].map((id) => seen.get(id)),
      items.map((item, i) => ({
        traceparent: `00-${traceId}-${item.spanContext().spanId}-01`,
        tenant: `t-${i + 1}`,
        activeBeforeAwait: item.spanContext().spanId,
      })),
    );
  } finally {
    trace.disable();
    propagation.disable();
  }
});

test.run();
