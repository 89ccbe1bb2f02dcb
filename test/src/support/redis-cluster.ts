import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import type { Test } from 'uvu';
import { type RedisNodeProcess, redisNodeProcess, withRedisNode } from './redis-node-process.js';
import { findProgram, findRedisServer, freePort } from './redis-server.js';
import { type RedisTopologySuite, useRedisTopology } from './redis-topology-suite.js';

const run = promisify(execFile);

/** One `redis-server` of a test cluster: `start()` again makes it rejoin with its config file. */
export type ClusterNodeProcess = RedisNodeProcess;

/** A Redis Cluster of real processes on free ports: `primaries` primaries with one replica each. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNodeProcess[];
  /** Seed nodes as `host:port` (every node). */
  readonly seeds: string[];
  /** The port of the primary that owns `key` now. */
  primaryOf(key: string): Promise<number>;
  /** The ports of a primary's replicas now. */
  replicasOf(primaryPort: number): Promise<number[]>;
  /** Waits until every running node reports `cluster_state:ok` and all slots are served by running primaries. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes the config files. */
  stop(): Promise<void>;
}

/** The `redis-cli` binary: `$REDIS_CLI` when set (`none` acts as if none were installed), else found as {@link findProgram} does. */
export function findRedisCli(): string | undefined {
  return findProgram('redis-cli', process.env.REDIS_CLI);
}

/** Distinct free ports (a port picked twice in a row is skipped). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts `primaries × 2` nodes with `--cluster-enabled yes` and a small node timeout, joins them
 * with `redis-cli --cluster create --cluster-replicas 1`, and waits until the cluster is ok.
 */
export async function startRedisCluster(server: string, cli: string, primaries = 3, nodeTimeoutMs = 1000): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'restbatch-cluster-'));
  const ports = await freePorts(primaries * 4);
  const nodes = Array.from({ length: primaries * 2 }, (_, i) => {
    const port = ports[i] as number;
    return redisNodeProcess(server, port, dir, [
      ...[
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(ports[primaries * 2 + i]),
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
      ],
      ...['--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-replica-validity-factor', '0'],
    ]);
  });
  const cluster: RedisCluster = {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`),
    async primaryOf(key) {
      const slot = Number(await ask(nodes, (r) => r.call('CLUSTER', 'KEYSLOT', key)));
      const shards = (await ask(nodes, (r) => r.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number]]>;
      const owner = shards.find(([from, to]) => slot >= from && slot <= to);
      if (owner === undefined) throw new Error(`no primary owns slot ${slot}`);
      return Number(owner[2][1]);
    },
    async replicasOf(primaryPort) {
      const info = String(await withRedisNode(primaryPort, (r) => r.info('replication')));
      return [...info.matchAll(/slave\d+:ip=[^,]+,port=(\d+)/g)].map((m) => Number(m[1]));
    },
    async waitHealthy(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (await healthy(nodes)) return;
        if (Date.now() > until) throw new Error('the Redis cluster did not become healthy');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await run(cli, ['--cluster', 'create', ...cluster.seeds, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Asks the first running node that answers. */
async function ask<T>(nodes: readonly ClusterNodeProcess[], fn: (r: Redis) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const node of nodes.filter((n) => n.running)) {
    try {
      return await withRedisNode(node.port, fn);
    } catch (error) {
      last = error;
    }
  }
  throw last ?? new Error('no cluster node is running');
}

async function healthy(nodes: readonly ClusterNodeProcess[]): Promise<boolean> {
  const running = nodes.filter((n) => n.running);
  try {
    const infos = await Promise.all(running.map((n) => withRedisNode(n.port, (r) => r.call('CLUSTER', 'INFO'))));
    if (!infos.every((info) => String(info).includes('cluster_state:ok'))) return false;
    // Every slot range is served by a primary that is running (the others may not have noticed a death yet).
    const alive = new Set(running.map((n) => n.port));
    const shards = (await withRedisNode(running[0]!.port, (r) => r.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number]]>;
    const covered = shards.reduce((sum, [from, to, primary]) => sum + (alive.has(Number(primary[1])) ? to - from + 1 : 0), 0);
    return covered === 16384;
  } catch {
    return false;
  }
}

/**
 * Registers a suite's cluster (see `useRedisTopology`): started before its tests, every node stopped
 * after; a node a test killed is started again (it rejoins) and the cluster is healthy before the next.
 */
export function useRedisCluster(test: Test): RedisTopologySuite<RedisCluster> {
  const server = findRedisServer();
  const cli = findRedisCli();
  return useRedisTopology(test, {
    label: 'Redis Cluster',
    missing: server === undefined ? 'redis-server' : cli === undefined ? 'redis-cli' : undefined,
    start: () => startRedisCluster(server as string, cli as string),
    heal: async (cluster) => {
      const stopped = cluster.nodes.filter((n) => !n.running);
      if (stopped.length === 0) return;
      await Promise.all(stopped.map((n) => n.start()));
      await cluster.waitHealthy();
    },
    stop: (cluster) => cluster.stop(),
  });
}
