import {
  type Counter,
  createNoopMeter,
  type Histogram,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  propagation,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api';

/** OpenTelemetry providers of an engine; the global ones (set by the SDK) when absent. */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  /** Reads the incoming trace context (`traceparent`); default the global propagator (W3C with the SDK). */
  propagator?: TextMapPropagator;
}

const NAME = '@restbatch/core';
const NOOP_TRACERS = new ProxyTracerProvider().getDelegate();

/** The instruments of one engine, made once. */
export interface Instruments {
  readonly batchSize: Histogram;
  readonly duration: Histogram;
  readonly outcomes: Counter;
  readonly active: UpDownCounter;
  readonly refusals: Counter;
  readonly storeOperations: Counter;
}

/** An engine's tracer and instruments; tracing is checked per request (an SDK may register later). */
export class Telemetry {
  readonly tracer: Tracer;
  readonly instruments: Instruments | undefined;
  readonly propagator: Pick<TextMapPropagator, 'extract'>;
  readonly #provider: TracerProvider;
  readonly #explicit: boolean;

  constructor(options: TelemetryOptions) {
    this.#explicit = options.tracerProvider !== undefined;
    this.#provider = options.tracerProvider ?? trace.getTracerProvider();
    this.tracer = this.#provider.getTracer(NAME);
    this.propagator = options.propagator ?? propagation;
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME);
    this.instruments = meter === createNoopMeter() ? undefined : makeInstruments(meter);
  }

  /** Whether spans may be recorded now: false while no SDK is registered, at the cost of a comparison. */
  get tracing(): boolean {
    if (this.#explicit) return true;
    const provider = this.#provider;
    return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACERS;
  }
}

function makeInstruments(meter: ReturnType<typeof createNoopMeter>): Instruments {
  return {
    batchSize: meter.createHistogram('restbatch.batch.size', {
      description: 'Sub-requests per batch',
      unit: '{sub-request}',
      advice: { explicitBucketBoundaries: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000] },
    }),
    duration: meter.createHistogram('restbatch.subrequest.duration', {
      description: 'Time a sub-request took, by route and status class',
      unit: 's',
    }),
    outcomes: meter.createCounter('restbatch.subrequest.outcomes', {
      description: 'Sub-requests by outcome: succeeded, failed, skipped, rolled_back',
    }),
    active: meter.createUpDownCounter('restbatch.batch.active', { description: 'Batches running now' }),
    refusals: meter.createCounter('restbatch.budget.refusals', {
      description: 'Sub-requests refused by a batch budget (REFERENCES_TOO_LARGE, RESULTS_TOO_LARGE)',
    }),
    storeOperations: meter.createCounter('restbatch.session_store.operations', {
      description: 'Calls of the session store by operation and outcome (ok, error)',
    }),
  };
}
