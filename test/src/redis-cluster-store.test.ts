import { isRestBatchError } from '@restbatch/core';
import { RedisRateLimiter, RedisSessionStore } from '@restbatch/redis';
import { Cluster, Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from './support/example-nodes.js';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { useRedisCluster } from './support/redis-cluster.js';
import { withRedisNode } from './support/redis-node-process.js';
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

/**
 * What `redis-cli --cluster reshard` does to the slot of `key`, step by step: the new owner (another
 * primary) imports it, the old one migrates it, keys move in groups (`MIGRATE ... KEYS`), then
 * every primary is told the new owner. `finish` moves what is left and ends it, also after a
 * failed test (the next tests need a stable slot map).
 */
async function resharding(key: string) {
  const srcPort = await cluster().primaryOf(key);
  const lines = String(await withRedisNode(srcPort, (r) => r.call('CLUSTER', 'NODES')))
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  const port = (line: string[]) => Number(line[1]!.split(':')[1]!.split('@')[0]);
  const masters = lines.filter((l) => l[2]!.includes('master') && !l[2]!.includes('fail'));
  const me = lines.find((l) => l[2]!.includes('myself'))!;
  const other = masters.find((l) => l !== me)!;
  const [srcId, dstId, dstPort] = [me[0]!, other[0]!, port(other)];
  const src = new Redis({ port: srcPort, host: '127.0.0.1' });
  const dst = new Redis({ port: dstPort, host: '127.0.0.1' });
  const slot = Number(await src.call('CLUSTER', 'KEYSLOT', key));
  let finished = false;
  return {
    slot,
    async start() {
      await dst.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', srcId);
      await src.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', dstId);
    },
    /** Moves `keys` to the new owner (`MIGRATE` without REPLACE, as redis-cli does by default). */
    migrate: (keys: string[]) => src.call('MIGRATE', '127.0.0.1', String(dstPort), '', '0', '5000', 'KEYS', ...keys),
    /** Whether `key` is on the old owner, and on the new one. */
    async where(name: string): Promise<[number, number]> {
      await dst.call('ASKING');
      return [await src.exists(name), await dst.exists(name)];
    },
    /** Keys of the slot still on the old owner. */
    left: async () => (await src.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')) as string[],
    async finish() {
      if (finished) return;
      finished = true;
      try {
        const left = (await src.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')) as string[];
        if (left.length > 0) await src.call('MIGRATE', '127.0.0.1', String(dstPort), '', '0', '5000', 'REPLACE', 'KEYS', ...left);
        for (const primary of [other, me, ...masters.filter((l) => l !== me && l !== other)]) {
          await withRedisNode(port(primary), (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', dstId));
        }
      } finally {
        src.disconnect();
        dst.disconnect();
      }
    },
  };
}

async function storeCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isRestBatchError(error) ? error.code : String(error);
  }
}

it('resharding: a batch write when the data key has moved and the collection not yet answers 503 and lands on neither node', async () => {
  const s = store('reshard-a:');
  const { call } = exagoEngine({}, { store: s, limits: { maxSessionsPerCaller: 10_000 } as never });
  const made = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (made.body as Item[])[0]!.ResponseContent.Id!;
  const [data, params] = [`reshard-a:{${sid}}:data`, `reshard-a:{${sid}}:c:parameters`];
  // A batch in the session: it read the parameters before the resharding began.
  const unit = s.unitOfWork(sid, false);
  unit.index = 0;
  assert.ok((await unit.get('parameters', 'MyParameter')) !== undefined);
  const move = await resharding(data);
  try {
    await move.start();
    // The first group: every key but the parameters.
    assert.is(await move.migrate((await move.left()).filter((key) => key !== params)), 'OK');
    // APPLY goes to the new owner (ASK), where the data key is: the parameters are still on the old one.
    assert.ok(await unit.add('parameters', 'Second', { Id: 'Second', Value: 'v' }));
    await unit.flush();
    const failure = unit.takeFailures()?.get(0);
    assert.ok(isRestBatchError(failure), String(failure));
    assert.is(failure.code, 'STORE_UNAVAILABLE');
    assert.equal(await move.where(params), [1, 0]);
    // The next group moves as redis-cli moves it: no BUSYKEY, nothing to replace.
    assert.is(await move.migrate([params]), 'OK');
  } finally {
    await move.finish();
  }
  const listed = await call({ url: `/rest/Parameters?sid=${sid}`, method: 'GET' });
  assert.equal(
    (listed.body as Array<{ Id: string }>).map((p) => p.Id),
    ['MyParameter'],
  );
  const again = await call({ url: `/rest/Parameters?sid=${sid}`, body: { Id: 'Second', DataType: 'String', Value: 'v' } });
  assert.is(again.status, 201, JSON.stringify(again.body));
});

it('resharding: a load while a collection is still on the old node answers 503 rather than leave that collection to expire first', async () => {
  const s = store('reshard-b:');
  const id = await s.create({ Page: 'Home' }, { ttlMs: 60_000 });
  await s.set(id, 'parameters', 'P', 'v');
  const [data, params] = [`reshard-b:{${id}}:data`, `reshard-b:{${id}}:c:parameters`];
  const move = await resharding(data);
  try {
    await move.start();
    assert.is(await move.migrate([data]), 'OK');
    assert.is(await storeCode(s.load(id, 600_000)), 'STORE_UNAVAILABLE');
    assert.is(await move.migrate([params]), 'OK');
  } finally {
    await move.finish();
  }
  assert.equal(await s.load(id, 600_000), { Page: 'Home' });
  // The session's keys: an undo log of an answered write (`:op:`) may wait up to 50 ms to be deleted.
  const ttls = await onPrimaries(async (node) =>
    Promise.all((await node.keys(`reshard-b:{${id}}:*`)).filter((key) => !key.includes(':op:')).map((key) => node.pttl(key))),
  );
  assert.is(ttls.length, 2);
  for (const ttl of ttls) assert.ok(ttl > 60_000, `a key kept its old TTL: ${ttls}`);
});

it('resharding: a destroy caught between the nodes is finished once the slot has moved, leaving no collection behind', async () => {
  const s = store('reshard-c:');
  const id = await s.create({ Page: 'Home' }, { ttlMs: 60_000 });
  await s.set(id, 'parameters', 'P', 'v');
  await s.set(id, 'roles', 'R', 'v');
  const [data, params] = [`reshard-c:{${id}}:data`, `reshard-c:{${id}}:c:parameters`];
  const move = await resharding(data);
  try {
    await move.start();
    assert.is(await move.migrate((await move.left()).filter((key) => key !== params)), 'OK');
    assert.is(await storeCode(s.destroy(id)), 'STORE_UNAVAILABLE');
    assert.equal(await move.where(params), [1, 0]);
    assert.is(await move.migrate([params]), 'OK');
  } finally {
    await move.finish();
  }
  await s.compensated();
  assert.equal(await onPrimaries((node) => node.keys(`reshard-c:{${id}}:*`)), []);
});

it('resharding: the undo of an unconfirmed write waits until the slot has moved, and then puts the entry back where it is', async () => {
  const s = store('reshard-d:');
  // No primary has two replicas: every write answers 503 after WAIT and is undone.
  const waiting = new RedisSessionStore({
    cluster: { nodes: cluster().seeds },
    keyPrefix: 'reshard-d:',
    commandTimeoutMs: 5000,
    waitForReplicas: { replicas: 2, timeoutMs: 2000 },
    onError: () => undefined,
  });
  closing(() => waiting.close());
  const id = await s.create({ Page: 'Home' }, { ttlMs: 60_000 });
  await s.set(id, 'parameters', 'Deleted', 'v');
  await s.set(id, 'parameters', 'Kept', 'v');
  const [data, params] = [`reshard-d:{${id}}:data`, `reshard-d:{${id}}:c:parameters`];
  const move = await resharding(data);
  try {
    const deleting = waiting.delete(id, 'parameters', 'Deleted');
    // The delete ran (its WAIT holds the answer): the data key and its undo log move, the parameters stay.
    while ((await s.get(id, 'parameters', 'Deleted')) !== undefined) await sleep(5);
    await move.start();
    assert.is(await move.migrate((await move.left()).filter((key) => key !== params)), 'OK');
    assert.is(await storeCode(deleting), 'STORE_UNAVAILABLE');
    // The undo is tried meanwhile (every 250 ms): it must not make a copy of the parameters on the new node.
    await sleep(1000);
    assert.equal(await move.where(params), [1, 0]);
    assert.is(await move.migrate([params]), 'OK');
  } finally {
    await move.finish();
  }
  await waiting.compensated();
  assert.equal(await s.list(id, 'parameters'), [
    ['Deleted', 'v'],
    ['Kept', 'v'],
  ]);
});

test.run();
