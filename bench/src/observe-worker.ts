// Child process of the observe scenario: `node --expose-gc observe-worker.js plain|sdk N`.
// `plain`: the engine with nothing observing (`telemetry: false`) and the engine with OpenTelemetry's
// API but no SDK registered, in turns. `sdk`: the engine with the SDK on (in memory), in turns with
// the SDK floor (the same spans and measurements made in a bare loop) and with the unobserved engine
// (which pays the SDK's context manager too). Prints one JSON line.
import 'reflect-metadata';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { createEngine, type Engine, exagoApi } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { countSuccesses, exagoMix, sessionIdOf, BENCH_CONFIGS } from './exago-mix.js';
import { collectGarbage, plan, timePerSub } from './measure.js';
import { inMemorySdk } from './observe-sdk.js';

/** What one worker reports: CPU µs per sub-request of each variant it ran. */
export interface ObserveFigures {
  n: number;
  cpu: Record<string, number>;
  ok: number;
  total: number;
  spansExported?: number;
  spansExpected?: number;
}

const mode = process.argv[2] === 'sdk' ? 'sdk' : 'plain';
const n = Number(process.argv[3]);
const calls = exagoMix(n);
const { perBlock, reps, warmups } = plan(n, 2000, 150_000, 9);
const made = (telemetry: Parameters<typeof createEngine>[0]['telemetry']): Engine =>
  createEngine({ apis: [exagoApi({ configs: BENCH_CONFIGS })], logger: { error: () => {} }, telemetry });
let ok = 0;
let total = 0;
let batches = 0;
// Spans the SDK floor made (the exporter counts them too).
let floorSpans = 0;

function batchBlock(engine: Engine): { block: () => Promise<void>; after: () => Promise<void> } {
  const call = createDirectCaller(engine);
  const sessions: string[] = [];
  return {
    async block() {
      for (let b = 0; b < perBlock; b++) {
        const response = await call({ url: '/rest/batch', body: calls });
        ok += countSuccesses(response.body);
        total += n;
        batches++;
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

/** Times variants in turns (one block each, repeated), so that other load weighs on them alike. */
async function inTurns(
  variants: Record<string, { block: () => Promise<void>; after: () => Promise<void> }>,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(variants)) samples[name] = [];
  for (let round = 0; round < reps; round++) {
    for (const [name, v] of Object.entries(variants)) {
      // Each block starts on a collected heap: the garbage of one variant (spans) is not collected in another's time.
      collectGarbage();
      const timing = await timePerSub(perBlock * n, round === 0 ? warmups : 0, 1, v.block, v.after);
      samples[name]?.push(timing.cpu);
    }
  }
  const cpu: Record<string, number> = {};
  for (const [name, values] of Object.entries(samples)) {
    values.sort((a, b) => a - b);
    cpu[name] = values[values.length >> 1] as number;
  }
  return cpu;
}

let figures: ObserveFigures;
if (mode === 'plain') {
  const cpu = await inTurns({ off: batchBlock(made(false)), noSdk: batchBlock(made(undefined)) });
  figures = { n, cpu, ok, total };
} else {
  const { sdk, exporter } = inMemorySdk();
  const engine = made(sdk.telemetry);
  const sdkBatches = { count: 0 };
  const engineBlock = batchBlock(engine);
  const counted = {
    block: async () => {
      const before = batches;
      await engineBlock.block();
      sdkBatches.count += batches - before;
    },
    after: engineBlock.after,
  };
  // `offWithContext`: nothing observing, in this process where the SDK's context manager hooks every promise.
  const cpu = await inTurns({ sdk: counted, floor: floorBlock(sdk.telemetry), offWithContext: batchBlock(made(false)) });
  await sdk.flush();
  figures = { n, cpu, ok, total, spansExported: exporter.count - floorSpans, spansExpected: sdkBatches.count * (n + 1) };
  await sdk.shutdown();
}
process.stdout.write(`${JSON.stringify(figures)}\n`);

/**
 * The SDK floor: the spans and measurements the engine makes for a batch of n, made in a bare loop —
 * a batch span, per item a child span with the same attributes (five at start, three set at the
 * end) and a duration measurement with a reused attribute set. No instrumentation can cost less.
 */
function floorBlock(telemetry: ReturnType<typeof inMemorySdk>['sdk']['telemetry']) {
  const tracer = (telemetry.tracerProvider ?? trace.getTracerProvider()).getTracer('floor');
  const meter = telemetry.meterProvider?.getMeter('floor');
  const duration = meter?.createHistogram('floor.duration', { unit: 's' });
  const attributes = { 'http.request.method': 'GET', 'http.route': '/rest/Roles/{id}', 'restbatch.status_class': '2xx' };
  return {
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
          duration?.record((performance.now() - start) / 1000, attributes);
        }
        batch.end();
        floorSpans += n + 1;
      }
      // Lets the span processor's export run, as it does between batches of the engine.
      await new Promise((resolve) => setImmediate(resolve));
    },
    after: async () => {},
  };
}
