// Child process of the limits scenario: `node --expose-gc targets-worker.js create-engine|idle-session`.
// Prints one JSON line. Each figure is taken in a fresh process: a cold start and a clean heap.
import 'reflect-metadata';
import { createDirectCaller } from '@restbatch/direct';
import { createEngine, Delete, exagoApi, Get, Patch, Post, Resource } from '@restbatch/core';
import { benchEngine } from './bench-engine.js';
import { BENCH_CONFIGS } from './exago-mix.js';
import { collectGarbage, median } from './measure.js';

const ROUTES_PER_RESOURCE = 5;
const BODY = { type: 'object', additionalProperties: false, properties: { Id: { type: 'string' }, Value: { type: 'string' } } } as const;

/** `count` resource classes of five routes each (two with a body schema), as decorators record them. */
function resources(count: number): Array<new (...args: never[]) => object> {
  const out: Array<new (...args: never[]) => object> = [];
  for (let i = 0; i < count; i++) {
    class Generated {
      async list(): Promise<unknown[]> {
        return [];
      }
      async read(): Promise<unknown> {
        return {};
      }
      async create(): Promise<unknown> {
        return {};
      }
      async update(): Promise<void> {}
      async remove(): Promise<void> {}
    }
    const proto = Generated.prototype as unknown as object;
    Get()(proto, 'list', {});
    Get(':id')(proto, 'read', {});
    Post('', { schema: BODY })(proto, 'create', {});
    Patch(':id', { schema: BODY })(proto, 'update', {});
    Delete(':id')(proto, 'remove', {});
    Resource(`R${i}`)(Generated);
    out.push(Generated);
  }
  return out;
}

/** Milliseconds of `createEngine` with `routes` routes: the first (cold) call, and the median of five more. */
function createEngineFigures(routes: number): { routes: number; coldMs: number; warmMs: number } {
  const times: number[] = [];
  for (let round = 0; round < 6; round++) {
    const classes = resources(routes / ROUTES_PER_RESOURCE);
    const start = performance.now();
    createEngine({ apis: [{ base: '/api', resources: classes }] });
    times.push(performance.now() - start);
  }
  const coldMs = times[0] as number;
  return { routes, coldMs, warmMs: median(times.slice(1)) };
}

/** Heap bytes per idle session: `count` sessions made by the Exago `POST Sessions` of a batch of one. */
async function idleSessionFigures(count: number): Promise<{ sessions: number; bytesPerSession: number; bareBytesPerSession: number }> {
  // One caller makes them all here: its quota (maxSessionsPerCaller) is lifted so none is evicted.
  const engine = createEngine({ apis: [exagoApi({ configs: BENCH_CONFIGS })], limits: { maxSessionsPerCaller: count * 2 } });
  const call = createDirectCaller(engine);
  const body = [{ Url: 'Sessions', Method: 'POST' }];
  for (let i = 0; i < 200; i++) await call({ url: '/rest/batch', body });
  collectGarbage();
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) await call({ url: '/rest/batch', body });
  collectGarbage();
  collectGarbage();
  const exago = (process.memoryUsage().heapUsed - before) / count;
  // Keeps the engine (and its store) reachable until after the measurement.
  if ((engine.store as { size?: number }).size === 0) throw new Error('the sessions are gone');
  // The store's own cost: sessions with empty data, made straight through the store.
  const bare = benchEngine();
  collectGarbage();
  const bareBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) await bare.store.create({}, { ttlMs: 60_000 });
  collectGarbage();
  collectGarbage();
  const bareBytes = (process.memoryUsage().heapUsed - bareBefore) / count;
  if ((bare.store as { size?: number }).size === 0) throw new Error('the sessions are gone');
  return { sessions: count, bytesPerSession: exago, bareBytesPerSession: bareBytes };
}

const what = process.argv[2];
const figures =
  what === 'create-engine'
    ? createEngineFigures(Number(process.argv[3] ?? 500))
    : await idleSessionFigures(Number(process.argv[3] ?? 20_000));
process.stdout.write(`${JSON.stringify(figures)}\n`);
