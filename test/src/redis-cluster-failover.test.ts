import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, until } from './support/example-nodes.js';
import { exagoEngine } from './support/exago-engine.js';
import { FailoverLoad } from './support/failover-load.js';
import { useRedisCluster } from './support/redis-cluster.js';
import { capturingStderr } from './support/capturing-stderr.js';

const test = suite('redis cluster failing over while batches run');
const { it, setup: cluster, closing } = useRedisCluster(test);

/** Two engines ("nodes"), each with its own cluster client that WAITs for one replica after every write. */
function nodes() {
  const made = [0, 1].map(() => {
    const store = new RedisSessionStore({
      cluster: { nodes: cluster().seeds },
      waitForReplicas: { replicas: 1, timeoutMs: 500 },
      onError: () => undefined,
    });
    closing(() => store.close());
    // One caller sends every batch: a quota of 100 live sessions would end the older ones.
    return { store, ...exagoEngine({}, { store, limits: { maxSessionsPerCaller: 1_000_000 } as never }) };
  });
  return { stores: made.map((m) => m.store), callers: made.map((m) => m.call) };
}

async function role(port: number): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return /role:(\w+)/.exec(await r.info('replication'))?.[1] ?? '';
  } catch {
    return 'down';
  } finally {
    r.disconnect();
  }
}

async function waitRole(port: number, wanted: string, limitMs = 20_000): Promise<void> {
  for (let waited = 0; (await role(port)) !== wanted; waited += 50) {
    if (waited > limitMs) throw new Error(`node ${port} did not become ${wanted}`);
    await sleep(50);
  }
}

it('CLUSTER FAILOVER on a replica mid-run: no acknowledged write lost, the rest answers 503, service goes on by itself', async () => {
  const { stores, callers } = nodes();
  const primary = await cluster().primaryOf('restbatch:{failover-a}:data');
  const [replica] = await cluster().replicasOf(primary);
  assert.ok(replica !== undefined, 'the primary has no replica');
  const load = new FailoverLoad(callers);
  try {
    await load.successes(50);
    load.phase = 'failover';
    // A manual failover gives up when the replica cannot catch up in time (a busy machine): ask
    // again, as an operator would, until the replica has taken over.
    for (let attempt = 1; ; attempt++) {
      const r = new Redis({ port: replica, host: '127.0.0.1' });
      try {
        assert.is(await r.call('CLUSTER', 'FAILOVER'), 'OK');
      } finally {
        r.disconnect();
      }
      try {
        await waitRole(replica, 'master', 5_000);
        break;
      } catch (error) {
        if (attempt === 4) throw error;
      }
    }
    await cluster().waitHealthy();
    load.phase = 'after';
    await load.successes(50);
  } finally {
    await load.stop();
  }
  // A manual failover is coordinated (the replica catches up first, clients are redirected): it may
  // cost no sub-request at all, but must lose nothing.
  await load.check(stores[1]!, 'allowed');
});

it('a primary killed mid-run: its replica takes over, no acknowledged write lost, service comes back by itself', async () => {
  const { stores, callers } = nodes();
  const primary = await cluster().primaryOf('restbatch:{failover-b}:data');
  const [replica] = await cluster().replicasOf(primary);
  assert.ok(replica !== undefined, 'the primary has no replica');
  const node = cluster().nodes.find((n) => n.port === primary)!;
  const load = new FailoverLoad(callers);
  try {
    await load.successes(50);
    load.phase = 'killed';
    await node.kill();
    await waitRole(replica, 'master');
    await cluster().waitHealthy();
    // The other primaries and their replicas served all along; the promoted one has no replica to
    // WAIT for until the killed node is back (it rejoins as its replica).
    load.phase = 'promoted';
    await load.successes(20);
    await node.start();
    await until(() => true);
    load.phase = 'rejoined';
    await load.successes(50);
  } finally {
    await load.stop();
  }
  await load.check(stores[0]!);
  // Every shard serves writes again: sessions land on all three primaries after the rejoin.
  assert.ok(load.succeeded('rejoined').length >= 50);
});

it('a primary killed is reported once (onError, or by default one stderr line), not once per ioredis node error', async () => {
  // A Cluster client stays ready while one node is down and tells of it only as `node error`.
  const reports: Error[] = [];
  const told = new RedisSessionStore({ cluster: { nodes: cluster().seeds }, onError: (error) => reports.push(error) });
  closing(() => told.close());
  const byDefault = new RedisSessionStore({ cluster: { nodes: cluster().seeds } });
  closing(() => byDefault.close());
  let nodeErrors = 0;
  told.client.on('node error', () => nodeErrors++);
  const id = 'f'.repeat(32);
  const primary = await cluster().primaryOf(`restbatch:{${id}}:data`);
  const node = cluster().nodes.find((n) => n.port === primary)!;
  for (const store of [told, byDefault]) assert.is(await store.load(id, 60_000), undefined);
  const written = await capturingStderr(async () => {
    await node.kill();
    // Each load of a session on the killed primary's slots fails and makes the client try it again.
    for (let i = 0; nodeErrors < 5; i++) {
      if (i > 2000) throw new Error(`only ${nodeErrors} node errors`);
      for (const store of [told, byDefault]) await store.load(id, 60_000).catch(() => undefined);
      await sleep(10);
    }
  });
  assert.is(reports.length, 1, reports.map((r) => r.message).join('\n'));
  assert.match(reports[0]!.message, `127.0.0.1:${primary}`);
  const lines = written.split('\n').filter((line) => line.includes('Redis session store unavailable'));
  assert.is(lines.length, 1, written);
  assert.match(lines[0]!, `Cluster node 127.0.0.1:${primary}`);
});

test.run();
