import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from './support/example-nodes.js';
import { exagoEngine } from './support/exago-engine.js';
import { FailoverLoad } from './support/failover-load.js';
import { SENTINEL_NAME, useRedisSentinel } from './support/redis-sentinel.js';
import { storeCases } from './support/redis-store-cases.js';

const test = suite('redis session store on a primary watched by sentinel');
const { it, setup, closing } = useRedisSentinel(test);
let prefixes = 0;

function store(prefix = `s${++prefixes}:`, extra: { maxSessions?: number; maxSessionBytes?: number } = {}): RedisSessionStore {
  const made = new RedisSessionStore({ sentinel: { sentinels: setup().sentinels, name: SENTINEL_NAME }, keyPrefix: prefix, ...extra });
  closing(() => made.close());
  return made;
}

/** Runs `fn` on the primary the sentinels announce now. */
async function onPrimary<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port: await setup().primaryPort(), host: '127.0.0.1' });
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

storeCases({
  it,
  store,
  keys: (pattern) => onPrimary((r) => r.keys(pattern)),
  pttls: (pattern) => onPrimary(async (r) => Promise.all((await r.keys(pattern)).map((k) => r.pttl(k)))),
});

it('the primary killed mid-run: sentinel promotes the replica, no acknowledged write lost, the rest answers 503, service comes back by itself', async () => {
  const made = [0, 1].map(() => {
    const s = new RedisSessionStore({
      sentinel: { sentinels: setup().sentinels, name: SENTINEL_NAME },
      waitForReplicas: { replicas: 1, timeoutMs: 500 },
      keyPrefix: 'failover:',
      onError: () => undefined,
    });
    closing(() => s.close());
    return { store: s, ...exagoEngine({}, { store: s, limits: { maxSessionsPerCaller: 1_000_000 } as never }) };
  });
  const before = await setup().primaryPort();
  const primary = setup().nodes.find((n) => n.port === before)!;
  const load = new FailoverLoad(made.map((m) => m.call));
  try {
    await load.successes(50);
    load.phase = 'killed';
    await primary.kill();
    for (let waited = 0; (await setup().primaryPort()) === before; waited += 50) {
      if (waited > 20_000) throw new Error('sentinel did not promote the replica');
      await sleep(50);
    }
    // The new primary has no replica to WAIT for until the old node is back, as its replica (what an
    // orchestrator restarting the node does; sentinel alone would turn it into one within ~10 s).
    await primary.start(['--replicaof', '127.0.0.1', String(await setup().primaryPort())]);
    await setup().waitHealthy();
    load.phase = 'back';
    await load.successes(50);
  } finally {
    await load.stop();
  }
  await load.check(made[1]!.store);
  assert.ok(load.succeeded('back').length >= 50);
});

test.run();
