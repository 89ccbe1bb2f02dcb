import { RedisRateLimiter, RedisSessionStore } from '@restbatch/redis';
import { Cluster, type Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { useRedisCluster } from './support/redis-cluster.js';
import { storeCases } from './support/redis-store-cases.js';

const test = suite('redis session store on a redis cluster');
const { it, setup: cluster, closing } = useRedisCluster(test);
let prefixes = 0;

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { Id?: string } };

function store(prefix = `c${++prefixes}:`, extra: { maxSessions?: number } = {}): RedisSessionStore {
  const made = new RedisSessionStore({ cluster: { nodes: cluster().seeds }, keyPrefix: prefix, ...extra });
  closing(() => made.close());
  return made;
}

/** Runs `fn` on every primary of the cluster (a raw client of our own). */
async function onPrimaries<T>(fn: (node: Redis) => Promise<T[]>): Promise<T[]> {
  const raw = new Cluster(cluster().seeds);
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once('ready', resolve);
      raw.once('error', reject);
    });
    return (await Promise.all(raw.nodes('master').map(fn))).flat();
  } finally {
    raw.disconnect();
  }
}

storeCases({
  it,
  store,
  keys: (pattern) => onPrimaries((node) => node.keys(pattern)),
  pttls: (pattern) => onPrimaries(async (node) => Promise.all((await node.keys(pattern)).map((k) => node.pttl(k)))),
});

it('sessions spread over every primary, and a batch on each works through the engine', async () => {
  const s = store('spread:');
  const { call } = exagoEngine({}, { store: s, limits: { maxSessionsPerCaller: 10_000 } as never });
  const sids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const res = await call({ url: '/rest/batch', body: SEED_BATCH });
    const items = res.body as Item[];
    assert.equal(
      items.map((x) => x.ReturnCode),
      ['201', '204', '201'],
    );
    sids.push(items[0]!.ResponseContent.Id!);
  }
  const perPrimary = await onPrimaries(async (node) => [(await node.keys('spread:{*}:data')).length]);
  assert.is(perPrimary.length, 3);
  for (const count of perPrimary) assert.ok(count > 0, `a primary holds no session: ${perPrimary}`);
  for (const sid of sids)
    assert.equal((await call({ url: `/rest/Roles/MyRole?sid=${sid}`, method: 'GET' })).body, { Id: 'MyRole', IsActive: true });
});

it('idempotency records and the rate limiter work on the cluster', async () => {
  const s = store('records:');
  assert.is(await s.putRecordIfAbsent('idempotency', 'k1', { a: 1 }, 60_000), true);
  assert.is(await s.putRecordIfAbsent('idempotency', 'k1', { a: 2 }, 60_000), false);
  assert.equal(await s.getRecord('idempotency', 'k1'), { a: 1 });
  assert.is(await s.deleteRecord('idempotency', 'k1'), true);
  const limiter = new RedisRateLimiter({ cluster: { nodes: cluster().seeds }, limit: 3, windowMs: 60_000 });
  closing(() => limiter.close());
  const decisions = [];
  for (let i = 0; i < 4; i++) decisions.push((await limiter.take('caller-a', 1)).allowed);
  assert.equal(decisions, [true, true, true, false]);
  assert.is((await limiter.take('caller-b', 1)).allowed, true);
});

test.run();
