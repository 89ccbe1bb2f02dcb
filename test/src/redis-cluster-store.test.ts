import { RedisRateLimiter, RedisSessionStore } from '@restbatch/redis';
import { Cluster, Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { useRedisCluster } from './support/redis-cluster.js';
import { storeCases } from './support/redis-store-cases.js';

const test = suite('redis session store on a redis cluster');
const { it, setup: cluster, closing } = useRedisCluster(test);
let prefixes = 0;

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { Id?: string } };

function store(prefix = `c${++prefixes}:`, extra: { maxSessions?: number; maxSessionBytes?: number } = {}): RedisSessionStore {
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

it('a write to a session whose slot is migrating away (resharding) answers 503 STORE_UNAVAILABLE with Retry-After, not 500, and succeeds once the slot is stable', async () => {
  const s = store('mig:');
  const { call } = exagoEngine({}, { store: s, limits: { maxSessionsPerCaller: 10_000 } as never });
  const made = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (made.body as Item[])[0]!.ResponseContent.Id!;
  const key = `mig:{${sid}}:data`;
  const srcPort = await cluster().primaryOf(key);
  const src = new Redis({ port: srcPort, host: '127.0.0.1', lazyConnect: true });
  await src.connect();
  const slot = Number(await src.call('CLUSTER', 'KEYSLOT', key));
  const lines = String(await src.call('CLUSTER', 'NODES'))
    .trim()
    .split('\n');
  const me = lines.find((l) => l.includes('myself'))!.split(' ')[0]!;
  const other = lines.find((l) => l.includes('master') && !l.includes('myself') && !l.includes('fail'))!.split(' ');
  const dstId = other[0]!;
  const dst = new Redis({ port: Number(other[1]!.split(':')[1]!.split('@')[0]), host: '127.0.0.1', lazyConnect: true });
  await dst.connect();
  try {
    await dst.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', me);
    await src.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', dstId);
    const write = await call({ url: `/rest/Parameters?sid=${sid}`, body: { Id: 'Mid', DataType: 'String', Value: 'v', PromptText: 'p' } });
    assert.is(write.status, 503, JSON.stringify(write.body));
    assert.is((write.body as { code: string }).code, 'STORE_UNAVAILABLE');
    assert.is(write.headers['retry-after'], '1');
  } finally {
    await src.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE');
    await dst.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE');
    src.disconnect();
    dst.disconnect();
  }
  // Nothing of the refused write landed; once the slot is stable the same write runs.
  const missing = await call({ url: `/rest/Parameters/Mid?sid=${sid}`, method: 'GET' });
  assert.is(missing.status, 404, JSON.stringify(missing.body));
  const again = await call({ url: `/rest/Parameters?sid=${sid}`, body: { Id: 'Mid', DataType: 'String', Value: 'v', PromptText: 'p' } });
  assert.is(again.status, 201, JSON.stringify(again.body));
});

test.run();
