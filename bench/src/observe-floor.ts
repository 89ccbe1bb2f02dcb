// The SDK floor of the observe scenario: what the SDK costs for a batch whatever the engine does,
// measured by doing exactly what the engine must, in a bare loop. The spans are replayed from a batch
// the engine really ran (same names, kinds, attributes), so floor and engine cannot drift apart.
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  defaultTextMapGetter,
  type MeterProvider,
  ROOT_CONTEXT,
  SpanKind,
  type TextMapPropagator,
  type Span,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Engine, TelemetryOptions } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { sessionIdOf } from './exago-mix.js';

/** A span as the engine made it: the attributes it can know when it starts the span, and those it learns at the end. */
interface SpanShape {
  readonly name: string;
  readonly kind: SpanKind;
  readonly start: Attributes;
  readonly end: Attributes;
}

interface ItemShape extends SpanShape {
  /** The attribute set of its duration measurement (one object per method, route and status class, reused). */
  readonly duration: Attributes;
}

/** One batch's spans and measurements, to replay. */
export interface FloorPlan {
  readonly batch: SpanShape;
  readonly items: readonly ItemShape[];
  readonly batchSize: Attributes;
  /** The outcome counter's additions: count and attribute set. */
  readonly outcomes: readonly (readonly [number, Attributes])[];
}

// What the engine learns only once an item (or the batch) has run; the rest it knows when it starts the span.
const ITEM_END = new Set(['http.response.status_code', 'restbatch.skipped', 'restbatch.rolled_back', 'error.type']);
const BATCH_END = new Set([
  'restbatch.items',
  'http.response.status_code',
  'restbatch.succeeded',
  'restbatch.failed',
  'restbatch.skipped',
  'restbatch.rolled_back',
]);

function split(span: ReadableSpan, atEnd: Set<string>): SpanShape {
  const start: Attributes = {};
  const end: Attributes = {};
  for (const [key, value] of Object.entries(span.attributes)) (atEnd.has(key) ? end : start)[key] = value as AttributeValue;
  return { name: span.name, kind: span.kind, start, end };
}

// The key under which the API keeps a context's span, read from `trace.getSpan` as the engine does.
let spanKey: symbol | undefined;
trace.getSpan({
  getValue(key) {
    spanKey = key;
    return undefined;
  },
  setValue: () => ROOT_CONTEXT,
  deleteValue: () => ROOT_CONTEXT,
});
if (spanKey === undefined) throw new Error('trace.getSpan read no key: the floor cannot make its light contexts');

/**
 * The cheapest context the API allows for "the batch context with this span": one small object, as
 * the engine makes for each sub-request (packages/core/src/observe/item-context.ts), not the copied
 * map of `trace.setSpan`. The floor must not pay what the engine need not.
 */
class SpanContextOf implements Context {
  constructor(
    readonly parent: Context,
    readonly span: Span,
  ) {}
  getValue(key: symbol): unknown {
    return key === spanKey ? this.span : this.parent.getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(this.parent, this.span).setValue(key, value);
  }
  deleteValue(key: symbol): Context {
    return trace.setSpan(this.parent, this.span).deleteValue(key);
  }
}

/** Runs one batch of `calls` through an engine made by `made` with a recording SDK, and returns its spans as a plan. */
export async function captureFloorPlan(made: (telemetry: TelemetryOptions) => Engine, calls: unknown): Promise<FloorPlan> {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const engine = made({ tracerProvider, meterProvider: new SdkMeterProvider() });
  const response = await createDirectCaller(engine)({ url: '/rest/batch', body: calls });
  const sid = sessionIdOf(response.body);
  if (sid !== undefined) await engine.store.destroy(sid);
  await tracerProvider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const batch = spans.find((span) => span.kind === SpanKind.SERVER);
  if (batch === undefined) throw new Error('the engine made no batch span');
  const durations = new Map<string, Attributes>();
  const outcomes = new Map<string, number>();
  const items = spans
    .filter((span) => span.kind === SpanKind.INTERNAL)
    .sort((a, b) => (a.attributes['restbatch.index'] as number) - (b.attributes['restbatch.index'] as number))
    .map((span): ItemShape => {
      const method = span.attributes['http.request.method'] as string;
      const route = (span.attributes['http.route'] as string | undefined) ?? '';
      const status = span.attributes['http.response.status_code'] as number;
      const key = `${method} ${route} ${Math.floor(status / 100)}`;
      let duration = durations.get(key);
      if (duration === undefined) {
        duration = { 'http.request.method': method, 'http.route': route, 'restbatch.status_class': `${Math.floor(status / 100)}xx` };
        durations.set(key, duration);
      }
      const outcome = status < 400 ? 'succeeded' : span.attributes['restbatch.skipped'] === true ? 'skipped' : 'failed';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      return { ...split(span, ITEM_END), duration };
    });
  return {
    batch: split(batch, BATCH_END),
    items,
    batchSize: {
      'http.route': batch.attributes['http.route'] as string,
      'restbatch.dialect': batch.attributes['restbatch.dialect'] as string,
    },
    outcomes: [...outcomes].map(([outcome, count]) => [count, { 'restbatch.outcome': outcome }] as const),
  };
}

/**
 * Returns a function that does for one batch exactly what the engine must with the SDK: read the
 * incoming trace context, start the batch span, record the batch size, enter the batch's context;
 * per item two clock reads, a child span started with every attribute known by then, the item's
 * context entered (the span made active, as handlers need to make child spans from it) around a
 * handler call, the status set, the span ended, the duration recorded with a reused attribute set;
 * then the batch span's closing attributes, its end and the outcome counts.
 */
export function floorBatch(
  plan: FloorPlan,
  telemetry: { tracerProvider: TracerProvider; meterProvider: MeterProvider; propagator: TextMapPropagator },
): () => void {
  const tracer = telemetry.tracerProvider.getTracer('floor');
  const meter = telemetry.meterProvider.getMeter('floor');
  const batchSize = meter.createHistogram('floor.batch.size');
  const duration = meter.createHistogram('floor.duration', { unit: 's' });
  const outcomes = meter.createCounter('floor.outcomes');
  const headers: Record<string, string> = {};
  const handled = new Int32Array(plan.items.length);
  // The handler: anything that the context is entered for.
  const handler = (i: number) => {
    handled[i] = (handled[i] as number) + 1;
  };
  const { batch, items } = plan;
  const run = (active: Context) => {
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as ItemShape;
      const start = performance.now();
      const child = tracer.startSpan(item.name, { kind: item.kind, attributes: item.start }, active);
      context.with(new SpanContextOf(active, child), handler, undefined, i);
      const end = performance.now();
      child.setAttributes(item.end);
      child.end(end);
      duration.record((end - start) / 1000, item.duration);
    }
  };
  return () => {
    const parent = telemetry.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const span = tracer.startSpan(batch.name, { kind: batch.kind, attributes: batch.start }, parent);
    const active = trace.setSpan(parent, span);
    batchSize.record(items.length, plan.batchSize);
    // The request runs in the batch's context (what a store client's own instrumentation would read).
    context.with(active, run, undefined, active);
    span.setAttributes(batch.end);
    span.end();
    for (const [count, attributes] of plan.outcomes) outcomes.add(count, attributes);
  };
}
