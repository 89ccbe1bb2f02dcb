// Child process of the observe scenario: `node --expose-gc observe-worker.js N`. Times, in turns in
// one process so that other load weighs on them alike: the engine with nothing observing
// (`telemetry: false`), the engine with OpenTelemetry's API and no SDK, the engine with the SDK on
// (in memory, its context manager registered), the unobserved engine with that context manager
// registered, and the SDK floor (the same spans and measurements made in a bare loop). Prints one JSON line.
import 'reflect-metadata';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { createEngine, type Engine, exagoApi, type TelemetryOptions } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { BENCH_CONFIGS, countSuccesses, exagoMix, sessionIdOf } from './exago-mix.js';
import { plan, timePerSub } from './measure.js';
import { inProcessSdk } from './observe-sdk.js';

/** What one worker reports: CPU µs per sub-request of each variant. */
export interface ObserveFigures {
  n: number;
  cpu: Record<string, number>;
  ok: number;
  total: number;
  spansExported: number;
  spansExpected: number;
}

interface Variant {
  block: () => Promise<void>;
  after: () => Promise<void>;
  /** Runs with the SDK's context manager registered. */
  context: boolean;
}

const n = Number(process.argv[2]);
const calls = exagoMix(n);
const { perBlock, reps, warmups } = plan(n, 5000, 150_000, 10);
const made = (telemetry: TelemetryOptions | false | undefined): Engine =>
  createEngine({ apis: [exagoApi({ configs: BENCH_CONFIGS })], logger: { error: () => {} }, telemetry });
const sdk = inProcessSdk();
let ok = 0;
let total = 0;
// Spans the engine made (a batch span and n item spans per batch) and the floor made.
let spansExpected = 0;

function batches(engine: Engine, context: boolean, traced: boolean): Variant {
  const call = createDirectCaller(engine);
  const sessions: string[] = [];
  return {
    context,
    async block() {
      for (let b = 0; b < perBlock; b++) {
        const response = await call({ url: '/rest/batch', body: calls });
        ok += countSuccesses(response.body);
        total += n;
        if (traced) spansExpected += n + 1;
        const sid = sessionIdOf(response.body);
        if (sid !== undefined) sessions.push(sid);
      }
    },
    async after() {
      for (const sid of sessions) await engine.store.destroy(sid);
      sessions.length = 0;
    },
  };
}

/**
 * The SDK floor: the spans and measurements the engine makes for a batch of n, made in a bare loop —
 * a batch span, per item a child span with the same attributes (four at start, two set at the end,
 * renamed after its route) and a duration measurement with a reused attribute set.
 */
function floor(): Variant {
  const tracer = sdk.telemetry.tracerProvider.getTracer('floor');
  const duration = sdk.telemetry.meterProvider.getMeter('floor').createHistogram('floor.duration', { unit: 's' });
  const attributes = { 'http.request.method': 'GET', 'http.route': '/rest/Roles/{id}', 'restbatch.status_class': '2xx' };
  return {
    context: true,
    async block() {
      for (let b = 0; b < perBlock; b++) {
        const batch = tracer.startSpan('POST /rest/batch', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST' } });
        const parent = trace.setSpan(ROOT_CONTEXT, batch);
        for (let i = 0; i < n; i++) {
          const start = performance.now();
          const span = tracer.startSpan(
            'GET /Roles/MyRole',
            {
              kind: SpanKind.INTERNAL,
              attributes: {
                'http.request.method': 'GET',
                'url.path': '/rest/Roles/MyRole',
                'restbatch.index': i,
                'restbatch.dialect': 'exago',
              },
            },
            parent,
          );
          span.updateName('GET /rest/Roles/{id}');
          span.setAttribute('http.route', '/rest/Roles/{id}');
          span.setAttribute('http.response.status_code', 200);
          span.end();
          duration.record((performance.now() - start) / 1000, attributes);
        }
        batch.end();
        spansExpected += n + 1;
      }
      // Lets the span processor's export run, as it does between the engine's batches.
      await new Promise((resolve) => setImmediate(resolve));
    },
    after: async () => {},
  };
}

// A first engine warms the shared code up and is dropped: the first engine made runs slower than later ones.
const warm = batches(made(false), false, false);
for (let k = 0; k < 20; k++) {
  await warm.block();
  await warm.after();
}
// Two unobserved engines, made before and after the one without SDK (later engines run slightly faster):
// the baseline is their mean, their difference the noise of the measure.
const variants: Record<string, Variant> = {
  off: batches(made(false), false, false),
  noSdk: batches(made(undefined), false, false),
  offAgain: batches(made(false), false, false),
  sdk: batches(made(sdk.telemetry), true, true),
  offWithContext: batches(made(false), true, false),
  floor: floor(),
};
const samples: Record<string, number[]> = {};
for (const name of Object.keys(variants)) samples[name] = [];
for (let round = 0; round < reps; round++) {
  // The order turns each round: every variant follows every other alike (the garbage one block leaves
  // is collected in the next one's time; a forced collection would shrink the heap and skew more).
  const names = Object.keys(variants);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length] as string;
    const v = variants[name] as Variant;
    sdk.contextManager(v.context);
    const timing = await timePerSub(perBlock * n, round === 0 ? warmups : 0, 1, v.block, v.after);
    samples[name]?.push(timing.cpu);
    sdk.contextManager(false);
  }
}
await sdk.flush();
const cpu: Record<string, number> = {};
for (const [name, values] of Object.entries(samples)) {
  values.sort((a, b) => a - b);
  cpu[name] = values[values.length >> 1] as number;
}
const figures: ObserveFigures = { n, cpu, ok, total, spansExported: sdk.exporter.count, spansExpected };
process.stdout.write(`${JSON.stringify(figures)}\n`);
