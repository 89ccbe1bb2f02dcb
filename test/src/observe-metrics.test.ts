import 'reflect-metadata';
import { type DataPoint, type Histogram, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { inject } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOWN_BATCH, observeEngine } from './support/observe-engine.js';
import { parityTransports } from './support/parity-transports.js';

/** A reader that collects when asked (the SDK's pull model, as a Prometheus endpoint uses it). */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

function metering() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { reader, telemetry: { meterProvider } };
}

async function points(reader: MetricReader, name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  const metric = (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
}

const byAttribute = (list: DataPoint<unknown>[], key: string) => Object.fromEntries(list.map((p) => [String(p.attributes[key]), p.value]));

for (const transport of parityTransports()) {
  test(`the known batch through ${transport.name} records its size, outcomes, durations and no active batch after it`, async () => {
    const { reader, telemetry } = metering();
    const engine = observeEngine({ telemetry });
    const answer = await transport.send(engine, {
      name: 'known',
      engine: () => engine,
      url: '/shop/$batch',
      headers: { prefer: 'continue-on-error' },
      body: KNOWN_BATCH,
      status: 200,
    });
    assert.is(answer.status, 200);
    const [size] = await points(reader, 'restbatch.batch.size');
    assert.is((size!.value as Histogram).count, 1);
    assert.is((size!.value as Histogram).sum, 3);
    assert.is(size!.attributes['restbatch.dialect'], 'odata');
    assert.equal(byAttribute(await points(reader, 'restbatch.subrequest.outcomes'), 'restbatch.outcome'), {
      succeeded: 1,
      failed: 1,
      skipped: 1,
    });
    const durations = await points(reader, 'restbatch.subrequest.duration');
    const counts = Object.fromEntries(
      durations.map((p) => [`${p.attributes['http.route']} ${p.attributes['restbatch.status_class']}`, (p.value as Histogram).count]),
    );
    // The skipped item never reached a route: it has no http.route at all (not an empty one).
    assert.equal(counts, { '/shop/widgets/:id 2xx': 1, '/shop/widgets/:id 5xx': 1, 'undefined 4xx': 1 });
    const skipped = durations.find((p) => p.attributes['restbatch.status_class'] === '4xx');
    assert.not.ok('http.route' in skipped!.attributes);
    const active = await points(reader, 'restbatch.batch.active');
    assert.equal(
      active.map((p) => p.value),
      [0],
    );
  });
}

test('sub-request durations are bucketed in seconds, from 100 µs to 10 s', async () => {
  const { reader, telemetry } = metering();
  const engine = observeEngine({ telemetry });
  const answer = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    body: { requests: [{ id: 'a', method: 'GET', url: '/widgets/1' }] },
  });
  assert.is(answer.status, 200);
  const [point] = await points(reader, 'restbatch.subrequest.duration');
  const histogram = point!.value as Histogram;
  assert.equal(
    histogram.buckets.boundaries,
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  // A sub-request of the in-memory shop takes well under 10 s: it lands below the last boundary.
  assert.is(histogram.count, 1);
  assert.is(histogram.buckets.counts.at(-1), 0);
});

test('a result over the batch budget counts as a budget refusal, and an atomic failure as rolled back', async () => {
  const { reader, telemetry } = metering();
  const engine = observeEngine({ telemetry, limits: { maxResultBytes: 1000 } });
  const big = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    headers: { prefer: 'continue-on-error' },
    body: { requests: [{ id: 'x', method: 'GET', url: '/widgets/big' }] },
  });
  assert.is(big.status, 200);
  const refusals = await points(reader, 'restbatch.budget.refusals');
  assert.equal(byAttribute(refusals, 'error.type'), { RESULTS_TOO_LARGE: 1 });
  const atomic = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    body: {
      requests: [
        { id: 'a', method: 'GET', url: '/widgets/1', atomicityGroup: 'g' },
        { id: 'b', method: 'GET', url: '/widgets/boom', atomicityGroup: 'g' },
      ],
    },
  });
  assert.is(atomic.status, 200);
  const outcomes = byAttribute(await points(reader, 'restbatch.subrequest.outcomes'), 'restbatch.outcome');
  assert.is(outcomes.rolled_back, 1);
});

test.run();
