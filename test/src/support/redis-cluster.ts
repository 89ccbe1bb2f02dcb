import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { Test } from 'uvu';
import { Cleanup, guarded } from './guarded-test.js';
import { findRedisServer, freePort, isCI, type Running, spawnRunning, stopRunning, TEST_LIMIT_MS, waitForPing } from './redis-server.js';

const run = promisify(execFile);

/** One `redis-server` of a test cluster: its port, and ways to fail it. */
export interface ClusterNodeProcess {
  readonly port: number;
  readonly running: boolean;
  /** SIGKILL, as a crash: nothing is flushed, clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same cluster config file (it rejoins the cluster). */
  start(): Promise<void>;
}

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

/** The `redis-cli` binary: `$REDIS_CLI` when set (`none` acts as if none were installed), else the first on PATH. */
export function findRedisCli(): string | undefined {
  const chosen = process.env.REDIS_CLI;
  if (chosen !== undefined && chosen !== '') return chosen === 'none' ? undefined : chosen;
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin']) {
    const file = join(dir, 'redis-cli');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
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
  const nodes: Array<ClusterNodeProcess & { stop(): Promise<void> }> = [];
  for (let i = 0; i < primaries * 2; i++) {
    const port = ports[i] as number;
    const bus = ports[primaries * 2 + i] as number;
    let child: Running | undefined;
    const node = {
      port,
      get running() {
        return child !== undefined && child.exited() === undefined;
      },
      async start() {
        const started = spawnRunning(server, [
          ...['--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1'],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
          ...['--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-replica-validity-factor', '0'],
          ...['--dir', dir, '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0'],
        ]);
        child = started;
        await waitForPing(port, started);
      },
      async kill() {
        const running = child;
        child = undefined;
        if (running === undefined || running.exited() !== undefined) return;
        running.process.kill('SIGKILL');
        await running.gone;
      },
      async stop() {
        const running = child;
        child = undefined;
        if (running !== undefined) await stopRunning(running);
      },
    };
    nodes.push(node);
  }
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
      const info = String(await withNode(primaryPort, (r) => r.info('replication')));
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

async function withNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** Asks the first running node that answers. */
async function ask<T>(nodes: readonly ClusterNodeProcess[], fn: (r: Redis) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const node of nodes.filter((n) => n.running)) {
    try {
      return await withNode(node.port, fn);
    } catch (error) {
      last = error;
    }
  }
  throw last ?? new Error('no cluster node is running');
}

async function healthy(nodes: readonly ClusterNodeProcess[]): Promise<boolean> {
  const running = nodes.filter((n) => n.running);
  try {
    const infos = await Promise.all(running.map((n) => withNode(n.port, (r) => r.call('CLUSTER', 'INFO'))));
    if (!infos.every((info) => String(info).includes('cluster_state:ok'))) return false;
    // Every slot range is served by a primary that is running (the others may not have noticed a death yet).
    const alive = new Set(running.map((n) => n.port));
    const shards = (await withNode(running[0]!.port, (r) => r.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number]]>;
    const covered = shards.reduce((sum, [from, to, primary]) => sum + (alive.has(Number(primary[1])) ? to - from + 1 : 0), 0);
    return covered === 16384;
  } catch {
    return false;
  }
}

/** What {@link useRedisCluster} gives a suite. */
export interface RedisClusterSuite {
  it: (name: string, fn: () => Promise<void>) => void;
  cluster: () => RedisCluster;
  closing: (close: () => unknown) => void;
}

/**
 * Registers a suite's cluster: started before its tests, stopped after (every node, in `after`).
 * Without `redis-server` or `redis-cli` the tests are skipped by name; under CI that fails the suite.
 * A test that killed a node gets it started again (and the cluster healthy) before the next one.
 */
export function useRedisCluster(test: Test): RedisClusterSuite {
  const server = findRedisServer();
  const cli = findRedisCli();
  let cluster: RedisCluster | undefined;
  let current: Cleanup | undefined;
  const suiteLevel = new Cleanup();
  const closing = (close: () => unknown) => (current ?? suiteLevel).add(close);
  if (server === undefined || cli === undefined) {
    const missing = server === undefined ? 'redis-server' : 'redis-cli';
    if (isCI()) {
      test(`${missing} is installed (CI runs the Redis Cluster suites, it never skips them)`, () => {
        throw new Error(`${missing} not found on PATH`);
      });
    }
    return {
      it: (name, fn) => {
        console.log(`SKIP: ${name} (${missing} not found)`);
        test.skip(name, fn);
      },
      cluster: () => {
        throw new Error(`${missing} not found`);
      },
      closing,
    };
  }
  test.before(async () => {
    cluster = await startRedisCluster(server, cli);
  });
  test.after(async () => {
    await suiteLevel.run(5000);
    await cluster?.stop();
  });
  const it = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      const cleanup = new Cleanup();
      current = cleanup;
      cleanup.add(async () => {
        if (cluster === undefined) return;
        const stopped = cluster.nodes.filter((n) => !n.running);
        if (stopped.length === 0) return;
        await Promise.all(stopped.map((n) => n.start()));
        await cluster.waitHealthy();
      });
      try {
        await guarded(fn, cleanup, TEST_LIMIT_MS, 30_000);
      } finally {
        current = undefined;
      }
    });
  return { it, cluster: () => cluster as RedisCluster, closing };
}
