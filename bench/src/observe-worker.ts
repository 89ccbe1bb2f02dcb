// Child process of the observe scenario: `node --expose-gc observe-worker.js N`. Times, in turns in
// one process so that other load weighs on them alike: the engine with nothing observing
// (`telemetry: false`), the engine with OpenTelemetry's API and no SDK, the engine with the SDK on
// (in memory, its context manager registered), the unobserved engine with that context manager
// registered, the SDK floor (what the engine must do with the SDK, in a bare loop: observe-floor.ts)
// the engine with the SDK sampling one trace in ten, and the engine observed through a stub SDK that
// records nothing (its own observing code alone). Prints one JSON line. A second argument
// names the variants to run (for profiling one), among them probes that take the SDK-on cost apart.
import 'reflect-metadata';
import { createNoopMeter, type MeterProvider, ProxyTracerProvider } from '@opentelemetry/api';
import { createEngine, type Engine, exagoApi, type TelemetryOptions } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { BENCH_CONFIGS, countSuccesses, exagoMix, sessionIdOf } from './exago-mix.js';
import { plan, timePerSub } from './measure.js';
import { captureFloorPlan, type FloorPlan, floorBatch } from './observe-floor.js';
import { inProcessSdk } from './observe-sdk.js';
import { stubProviders } from './observe-stubs.js';

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
// The production setting the docs recommend: one trace in ten recorded.
const sampled = inProcessSdk(0.1);
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

/** The SDK floor (see observe-floor.ts): what the engine must do with the SDK for a batch, in a bare loop. */
function floor(plan: FloorPlan): Variant {
  const batch = floorBatch(plan, sdk.telemetry);
  return {
    context: true,
    async block() {
      for (let b = 0; b < perBlock; b++) {
        batch();
        spansExpected += plan.items.length + 1;
      }
      // Lets the span processor's export run, as it does between the engine's blocks.
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
  floor: floor(await captureFloorPlan(made, calls)),
  sampled: batches(made(sampled.telemetry), true, false),
  // The engine observed through an SDK that does nothing (observe-stubs.ts): its own observing code alone.
  stubbed: batches(made({ ...sdk.telemetry, ...stubProviders }), true, false),
};
// Variants run only when named (`observe-worker.js 1000 sdk,sdkNoContext`), to take the SDK-on cost apart.
const NOOP_METERS: MeterProvider = { getMeter: () => createNoopMeter() };
const probes: Record<string, () => Variant> = {
  sdkNoContext: () => batches(made(sdk.telemetry), false, true),
  sdkTracesOnly: () => batches(made({ ...sdk.telemetry, meterProvider: NOOP_METERS }), true, true),
  stubbedTraces: () =>
    batches(made({ ...sdk.telemetry, tracerProvider: stubProviders.tracerProvider, meterProvider: NOOP_METERS }), true, false),
  stubbedMetrics: () =>
    batches(made({ ...sdk.telemetry, tracerProvider: new ProxyTracerProvider(), meterProvider: stubProviders.meterProvider }), true, false),
  sdkMetricsOnly: () => batches(made({ ...sdk.telemetry, tracerProvider: new ProxyTracerProvider() }), true, false),
};
// An optional second argument keeps only the named variants (to profile one: `observe-worker.js 1000 sdk`).
const only = process.argv[3]?.split(',');
if (only !== undefined) {
  for (const name of Object.keys(variants)) if (!only.includes(name)) delete variants[name];
  for (const name of only) if (probes[name] !== undefined) variants[name] = (probes[name] as () => Variant)();
}
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
await sampled.flush();
const cpu: Record<string, number> = {};
for (const [name, values] of Object.entries(samples)) {
  values.sort((a, b) => a - b);
  cpu[name] = values[values.length >> 1] as number;
}
const figures: ObserveFigures = { n, cpu, ok, total, spansExported: sdk.exporter.count, spansExpected };
process.stdout.write(`${JSON.stringify(figures)}\n`);
