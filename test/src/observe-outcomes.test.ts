import 'reflect-metadata';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { type DataPoint, type Histogram, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type BatchEndEvent, inject, type SubRequestEndEvent, type SubRequestStartEvent } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { observeEngine } from './support/observe-engine.js';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** An engine of the widget shop with spans, metrics and sub-request hooks all recorded in memory. */
function observed() {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  const starts: SubRequestStartEvent[] = [];
  const ends: SubRequestEndEvent[] = [];
  const batchEnds: BatchEndEvent[] = [];
  const engine = observeEngine({
    telemetry: {
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
      meterProvider: new MeterProvider({ readers: [reader] }),
      propagator: new W3CTraceContextPropagator(),
    },
    onSubRequestStart: (e) => starts.push(e),
    onSubRequestEnd: (e) => ends.push(e),
    onBatchEnd: (e) => batchEnds.push(e),
  });
  const items = () => {
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.parentSpanContext === undefined) as ReadableSpan;
    const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
    return { root, children: children.sort((a, b) => Number(a.attributes['restbatch.index']) - Number(b.attributes['restbatch.index'])) };
  };
  const points = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const metric = (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
  };
  return { engine, items, points, starts, ends, batchEnds };
}

const batch = (requests: unknown[], headers: Record<string, string> = {}) => ({
  method: 'POST',
  url: '/shop/$batch',
  headers,
  body: { requests },
});

test('a sub-request span counts the references it holds', async () => {
  const { engine, items } = observed();
  const res = await inject(
    engine,
    batch([
      { id: 'a', method: 'GET', url: '/widgets/1' },
      { id: 'b', method: 'GET', url: '/widgets/${a/body/id}?again=${a/body/id}', headers: { 'x-from': '${a/body/id}' } },
    ]),
  );
  assert.is(res.status, 200);
  const { children } = items();
  assert.equal(
    children.map((s) => [s.attributes['restbatch.index'], s.attributes['restbatch.references'], s.attributes['http.response.status_code']]),
    [
      [0, undefined, 200],
      [1, 3, 200],
    ],
  );
});

test('in a failed atomicity group, the success is told rolled back, the failure failed, and the rest skipped', async () => {
  const { engine, items, points, starts, ends } = observed();
  const res = await inject(
    engine,
    batch(
      [
        { id: 'a', method: 'GET', url: '/widgets/1', atomicityGroup: 'g' },
        { id: 'b', method: 'GET', url: '/widgets/boom', atomicityGroup: 'g' },
        { id: 'c', method: 'GET', url: '/widgets/3', atomicityGroup: 'g' },
        { id: 'd', method: 'GET', url: '/widgets/4' },
      ],
      { prefer: 'continue-on-error' },
    ),
  );
  assert.is(res.status, 200);
  const { root, children } = items();
  assert.equal(
    children.map((s) => [
      s.attributes['restbatch.id'],
      s.attributes['http.response.status_code'],
      s.attributes['restbatch.rolled_back'],
      s.attributes['restbatch.skipped'],
      s.attributes['error.type'],
      s.status.code,
    ]),
    [
      ['a', 424, true, undefined, 'ROLLED_BACK', 2],
      ['b', 500, undefined, undefined, 'INTERNAL', 2],
      ['c', 424, undefined, true, 'SKIPPED', 2],
      ['d', 200, undefined, undefined, undefined, 0],
    ],
  );
  assert.is(root.attributes['restbatch.rolled_back'], 1);
  assert.is(root.attributes['restbatch.skipped'], 1);
  assert.equal(
    starts.map((e) => e.id),
    ['a', 'b', 'd', 'c'],
    'the member skipped without being reached is told at the end',
  );
  assert.equal(ends.map((e) => [e.id, e.status, e.code, e.skipped, e.rolledBack]).sort(), [
    ['a', 424, 'ROLLED_BACK', false, true],
    ['b', 500, 'INTERNAL', false, false],
    ['c', 424, 'SKIPPED', true, false],
    ['d', 200, undefined, false, false],
  ]);
  const outcomes = Object.fromEntries(
    (await points('restbatch.subrequest.outcomes')).map((p) => [p.attributes['restbatch.outcome'], p.value]),
  );
  assert.equal(outcomes, { succeeded: 1, failed: 1, skipped: 1, rolled_back: 1 });
  const durations = await points('restbatch.subrequest.duration');
  assert.is(
    durations.reduce((sum, p) => sum + (p.value as Histogram).count, 0),
    4,
    'one duration per sub-request, skipped and rolled back ones included',
  );
});

test('the batch span counts a rolled-back item as rolled back only: its four counts add up to the items, as the outcomes do', async () => {
  const { engine, items, points, batchEnds } = observed();
  const res = await inject(
    engine,
    batch([
      { id: 'a', method: 'GET', url: '/widgets/1', atomicityGroup: 'g' },
      { id: 'b', method: 'GET', url: '/widgets/boom', atomicityGroup: 'g' },
      { id: 'c', method: 'GET', url: '/widgets/3', atomicityGroup: 'g' },
    ]),
  );
  assert.is(res.status, 200);
  const { root } = items();
  const counts = ['succeeded', 'failed', 'skipped', 'rolled_back'].map((key) => root.attributes[`restbatch.${key}`]);
  assert.equal(counts, [0, 1, 1, 1]);
  assert.is(root.attributes['restbatch.items'], 3);
  const outcomes = Object.fromEntries(
    (await points('restbatch.subrequest.outcomes')).map((p) => [p.attributes['restbatch.outcome'], p.value]),
  );
  assert.equal(outcomes, { failed: 1, skipped: 1, rolled_back: 1 });
  // The wire summary, and onBatchEnd's, stay the dialect's: a rolled-back item is failed there.
  const wire = { succeeded: 0, failed: 2, skipped: 1 };
  assert.equal(res.json<{ '@restbatch.summary': unknown }>()['@restbatch.summary'], wire);
  assert.equal(
    batchEnds.map((e) => e.summary),
    [wire],
  );
});

test('under the stop policy, the items after a failure are spans marked skipped', async () => {
  const { engine, items, ends } = observed();
  const res = await inject(
    engine,
    batch(
      [
        { id: 'a', method: 'GET', url: '/widgets/boom' },
        { id: 'b', method: 'GET', url: '/widgets/2' },
      ],
      { prefer: 'continue-on-error=false' },
    ),
  );
  assert.is(res.status, 200);
  const { children } = items();
  assert.equal(
    children.map((s) => [s.attributes['restbatch.id'], s.attributes['restbatch.skipped'], s.attributes['error.type']]),
    [
      ['a', undefined, 'INTERNAL'],
      ['b', true, 'SKIPPED'],
    ],
  );
  assert.equal(
    ends.map((e) => [e.id, e.skipped]),
    [
      ['a', false],
      ['b', true],
    ],
  );
});

test('an ordinary call is one span with no sub-request attributes, no sub-request hook and no duration point', async () => {
  const { engine, items, points, starts, ends } = observed();
  const res = await inject(engine, { url: '/shop/widgets/boom' });
  assert.is(res.status, 500);
  const { root, children } = items();
  assert.is(children.length, 0);
  assert.is(root.name, 'GET /shop/widgets/:id');
  assert.is(root.attributes['http.response.status_code'], 500);
  assert.is(root.attributes['restbatch.index'], undefined);
  assert.is(root.status.code, 2);
  assert.equal([starts.length, ends.length], [0, 0]);
  assert.equal(await points('restbatch.subrequest.duration'), []);
  const active = await points('restbatch.batch.active');
  assert.equal(
    active.map((p) => [p.attributes['restbatch.kind'], p.value]),
    [['call', 0]],
  );
});

test.run();
