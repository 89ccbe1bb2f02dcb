// Stand-ins for the SDK that record nothing: an engine observed through them pays only its own
// observing code (watch, span bookkeeping, contexts, store counts), none of the SDK's. A probe of the
// observe worker (`stubSdk`), to tell the engine's share from the SDK's.
import {
  type Attributes,
  type Meter,
  type MeterProvider,
  type Span,
  type SpanContext,
  TraceFlags,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

const CONTEXT: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

/** A span that keeps nothing but says it records, so the engine does all its work for it. */
class StubSpan implements Span {
  spanContext(): SpanContext {
    return CONTEXT;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(_attributes: Attributes): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  isRecording(): boolean {
    return true;
  }
  recordException(): void {}
}

const tracer = {
  startSpan: () => new StubSpan(),
  startActiveSpan: () => undefined,
} as unknown as Tracer;

const instrument = { record() {}, add() {}, addCallback() {}, removeCallback() {} };
const meter = {
  createHistogram: () => instrument,
  createCounter: () => instrument,
  createUpDownCounter: () => instrument,
  createGauge: () => instrument,
  createObservableGauge: () => instrument,
  createObservableCounter: () => instrument,
  createObservableUpDownCounter: () => instrument,
  addBatchObservableCallback() {},
  removeBatchObservableCallback() {},
} as unknown as Meter;

/** Providers whose tracer and meter do nothing (see the file's head). */
export const stubProviders: { tracerProvider: TracerProvider; meterProvider: MeterProvider } = {
  tracerProvider: { getTracer: () => tracer },
  meterProvider: { getMeter: () => meter },
};
