import {
  context,
  createContextKey,
  createNoopMeter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { Instruments } from './instruments.js';
import { ApiRouteNames } from './route-names.js';

/** OpenTelemetry providers of an engine; the global ones (set by the SDK) when absent. */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  /** Reads the incoming trace context (`traceparent`); default the global propagator (W3C with the SDK). */
  propagator?: TextMapPropagator;
}

const NAME = '@restbatch/core';
const NOOP_TRACERS = new ProxyTracerProvider().getDelegate();
const PROBE = ROOT_CONTEXT.setValue(createContextKey('restbatch.probe'), true);
const probeIsActive = () => context.active() === PROBE;

/** An engine's tracer and instruments; tracing is checked per request (an SDK may register later). */
export class Telemetry {
  readonly tracer: Tracer;
  readonly instruments: Instruments | undefined;
  readonly propagator: Pick<TextMapPropagator, 'extract'>;
  readonly #provider: TracerProvider;
  readonly #explicit: boolean;
  readonly #routes = new Map<string, ApiRouteNames>();

  constructor(options: TelemetryOptions) {
    this.#explicit = options.tracerProvider !== undefined;
    this.#provider = options.tracerProvider ?? trace.getTracerProvider();
    this.tracer = this.#provider.getTracer(NAME);
    this.propagator = options.propagator ?? propagation;
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME);
    this.instruments = meter === createNoopMeter() ? undefined : new Instruments(meter);
  }

  /** Whether spans may be recorded now: false while no SDK is registered, at the cost of a comparison. */
  get tracing(): boolean {
    if (this.#explicit) return true;
    const provider = this.#provider;
    return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACERS;
  }

  /**
   * Whether a context manager is registered now, so that a span made active is seen by the code it
   * wraps; without one, activating a span per sub-request would be work for nothing.
   */
  get activates(): boolean {
    return context.with(PROBE, probeIsActive);
  }

  /** The span names and attribute sets of an API's routes (`sessionParam`: its session parameter, if any). */
  routes(base: string, sessionParam: string | undefined): ApiRouteNames {
    let names = this.#routes.get(base);
    if (names === undefined) {
      names = new ApiRouteNames(base, sessionParam);
      this.#routes.set(base, names);
    }
    return names;
  }
}
