import 'reflect-metadata';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createEngine, Get, type HandlerContext, inject, odataDialect, Resource } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PARENT } from './support/observe-engine.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** What a handler saw of the trace: its own span, and what it would propagate downstream. */
interface Seen {
  readonly traceId: string;
  readonly recording: boolean;
  /** `propagation.inject(context.active())`. */
  readonly active: Record<string, string>;
  /** The same, with the handler's own span made current. */
  readonly own: Record<string, string>;
}

function world() {
  const seen: Seen[] = [];
  @Resource('probes')
  class Probes {
    @Get(':id')
    read(ctx: HandlerContext) {
      const span = trace.getTracer('app').startSpan('outbound');
      const active: Record<string, string> = {};
      propagation.inject(context.active(), active);
      const own: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), own);
      seen.push({ traceId: span.spanContext().traceId, recording: span.isRecording(), active, own });
      span.end();
      return { id: ctx.params.id };
    }
  }
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const propagator = new W3CTraceContextPropagator();
  const engine = createEngine({
    apis: [{ base: '/shop', resources: [Probes], batch: [{ path: '$batch', dialect: odataDialect({}) }] }],
    logger: { error: () => undefined },
    telemetry: { tracerProvider, propagator },
  });
  return { engine, seen, exporter, tracerProvider, propagator };
}

const UNSAMPLED = `00-${PARENT.traceId}-${PARENT.spanId}-00`;
const TRACE_FLAGS_00 = new RegExp(`^00-${PARENT.traceId}-[0-9a-f]{16}-00$`);

async function withGlobals<T>(w: ReturnType<typeof world>, run: () => Promise<T>): Promise<T> {
  trace.setGlobalTracerProvider(w.tracerProvider);
  propagation.setGlobalPropagator(w.propagator);
  try {
    return await run();
  } finally {
    trace.disable();
    propagation.disable();
  }
}

function assertInUnsampledTrace(seen: Seen): void {
  assert.is(seen.traceId, PARENT.traceId);
  assert.is(seen.recording, false);
  assert.match(seen.active.traceparent ?? '', TRACE_FLAGS_00);
  assert.match(seen.own.traceparent ?? '', TRACE_FLAGS_00);
}

test('a batch whose incoming traceparent is unsampled keeps its trace: handler spans join it, unsampled, and propagate it', async () => {
  const w = world();
  const res = await withGlobals(w, () =>
    inject(w.engine, {
      method: 'POST',
      url: '/shop/$batch',
      headers: { traceparent: UNSAMPLED },
      body: {
        requests: [
          { id: 'a', method: 'GET', url: '/probes/1' },
          { id: 'b', method: 'GET', url: '/probes/2' },
        ],
      },
    }),
  );
  assert.is(res.status, 200);
  assert.is(w.seen.length, 2);
  for (const seen of w.seen) assertInUnsampledTrace(seen);
  // Nothing is recorded of an unsampled trace.
  assert.equal(w.exporter.getFinishedSpans(), []);
});

test('an ordinary call whose incoming traceparent is unsampled keeps its trace too', async () => {
  const w = world();
  const res = await withGlobals(w, () => inject(w.engine, { method: 'GET', url: '/shop/probes/7', headers: { traceparent: UNSAMPLED } }));
  assert.is(res.status, 200);
  assert.is(w.seen.length, 1);
  assertInUnsampledTrace(w.seen[0]!);
  assert.equal(w.exporter.getFinishedSpans(), []);
});

test('a sampled incoming traceparent still records the handler span in the same trace', async () => {
  const w = world();
  const res = await withGlobals(w, () =>
    inject(w.engine, { method: 'GET', url: '/shop/probes/7', headers: { traceparent: `00-${PARENT.traceId}-${PARENT.spanId}-01` } }),
  );
  assert.is(res.status, 200);
  assert.is(w.seen[0]!.traceId, PARENT.traceId);
  assert.is(w.seen[0]!.recording, true);
  assert.match(w.seen[0]!.active.traceparent ?? '', new RegExp(`^00-${PARENT.traceId}-[0-9a-f]{16}-01$`));
});

test.run();
