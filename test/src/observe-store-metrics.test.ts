import 'reflect-metadata';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createEngine, exagoApi, MemorySessionStore, type SessionStore } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';

const test = suite('session store metrics');
const { it, server, closing } = useRedis(test);

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Counts by `operation outcome`, from the store operations counter. */
async function storeCounts(reader: MetricReader): Promise<Record<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'restbatch.session_store.operations');
  const points = (metric?.dataPoints ?? []) as DataPoint<number>[];
  return Object.fromEntries(points.map((p) => [`${p.attributes['restbatch.operation']} ${p.attributes['restbatch.outcome']}`, p.value]));
}

const SEED = [{ Url: 'Sessions', Method: 'POST' }];

async function runOn(store: SessionStore) {
  const reader = new TestReader();
  const engine = createEngine({
    apis: [exagoApi({ configs: { default: { roles: [] } } })],
    store,
    logger: { error: () => undefined },
    telemetry: { meterProvider: new MeterProvider({ readers: [reader] }) },
  });
  const res = await engine.inject({ method: 'POST', url: '/rest/batch', body: SEED });
  assert.is(res.status, 200);
  // An ordinary call in a session: one load (it may fail).
  const session = await engine.createSession({});
  await engine.inject({ url: `/rest/Roles?sid=${session.id}` });
  return { counts: await storeCounts(reader), engine };
}

test('the memory store counts its operations by name and outcome, and keeps its own state', async () => {
  const memory = new MemorySessionStore();
  const { counts, engine } = await runOn(memory);
  assert.ok((counts['create ok'] ?? 0) >= 1, JSON.stringify(counts));
  assert.ok((counts['load ok'] ?? 0) >= 1, JSON.stringify(counts));
  assert.is((engine.store as MemorySessionStore).size, 2, "the seed batch's session and the one made directly");
});

/** A memory store whose `load` fails, as a store that lost its connection. */
class BrokenLoadStore extends MemorySessionStore {
  override async load(): Promise<never> {
    throw new Error('connection lost');
  }
}

test('a store call that fails counts as an error', async () => {
  const { counts } = await runOn(new BrokenLoadStore());
  assert.is(counts['load error'], 1, JSON.stringify(counts));
  assert.ok((counts['create ok'] ?? 0) >= 1, JSON.stringify(counts));
});

it('the Redis store counts its operations too', async () => {
  const store = new RedisSessionStore({ url: server().url, keyPrefix: 'obs:' });
  closing(() => store.close());
  const { counts } = await runOn(store);
  assert.ok((counts['create ok'] ?? 0) >= 1, JSON.stringify(counts));
  assert.ok((counts['load ok'] ?? 0) >= 1, JSON.stringify(counts));
});

test.run();
