import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { freePorts } from './redis-cluster.js';
import { type RedisNodeProcess, redisNodeProcess, withRedisNode } from './redis-node-process.js';
import { findRedisServer } from './redis-server.js';
import { type RedisTopologySuite, useRedisTopology } from './redis-topology-suite.js';

/** The name the test sentinels know the primary by. */
export const SENTINEL_NAME = 'mymaster';

/** One primary, one replica and three sentinels (small down-after and failover timeouts). */
export interface RedisSentinelSetup {
  readonly sentinels: Array<{ host: string; port: number }>;
  /** The two data nodes: [first primary, first replica]. */
  readonly nodes: readonly RedisNodeProcess[];
  /** The port of the primary the sentinels announce now. */
  primaryPort(): Promise<number>;
  /** Waits until the sentinels announce a running primary that has a connected replica. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the setup on free ports and waits until the sentinels know the replica and each other. */
export async function startRedisSentinel(server: string): Promise<RedisSentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'restbatch-sentinel-'));
  const [primaryPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [number, number, number, number, number];
  const primary = redisNodeProcess(server, primaryPort, dir, []);
  const replica = redisNodeProcess(server, replicaPort, dir, []);
  const sentinels = sentinelPorts.map((port) => {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 500`,
        `sentinel failover-timeout ${SENTINEL_NAME} 2000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        '',
      ].join('\n'),
    );
    return redisNodeProcess(server, port, dir, [conf, '--sentinel']);
  });
  const processes = [primary, replica, ...sentinels];
  const setup: RedisSentinelSetup = {
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    nodes: [primary, replica],
    async primaryPort() {
      for (const sentinel of sentinels.filter((s) => s.running)) {
        const reply = await withRedisNode(sentinel.port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)).catch(
          () => undefined,
        );
        if (Array.isArray(reply)) return Number(reply[1]);
      }
      throw new Error('no sentinel answered');
    },
    async waitHealthy(timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (await healthy(setup, sentinels)) return;
        if (Date.now() > until) throw new Error('the Sentinel setup did not become healthy');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await Promise.all(processes.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await primary.start();
    await replica.start(['--replicaof', '127.0.0.1', String(primaryPort)]);
    await Promise.all(sentinels.map((s) => s.start()));
    await setup.waitHealthy();
  } catch (error) {
    await setup.stop();
    throw error;
  }
  return setup;
}

/** Every sentinel knows the other two and agrees on a running primary, which has a replica online. */
async function healthy(setup: RedisSentinelSetup, sentinels: readonly RedisNodeProcess[]): Promise<boolean> {
  try {
    for (const sentinel of sentinels) {
      const others = (await withRedisNode(sentinel.port, (r) => r.call('SENTINEL', 'SENTINELS', SENTINEL_NAME))) as unknown[];
      if (others.length < 2) return false;
    }
    const port = await setup.primaryPort();
    if (!setup.nodes.some((n) => n.port === port && n.running)) return false;
    const info = await withRedisNode(port, (r) => r.info('replication'));
    return info.includes('role:master') && /slave0:.*state=online/.test(info);
  } catch {
    return false;
  }
}

/**
 * Registers a suite's Sentinel setup (see `useRedisTopology`): started before its tests, every
 * process stopped after; a data node a test killed is started again as a replica of the primary.
 */
export function useRedisSentinel(test: Test): RedisTopologySuite<RedisSentinelSetup> {
  const server = findRedisServer();
  return useRedisTopology(test, {
    label: 'Redis Sentinel',
    missing: server === undefined ? 'redis-server' : undefined,
    start: () => startRedisSentinel(server as string),
    heal: async (setup) => {
      const stopped = setup.nodes.filter((n) => !n.running);
      if (stopped.length === 0) return;
      const primary = await setup.primaryPort();
      await Promise.all(stopped.map((n) => n.start(n.port === primary ? [] : ['--replicaof', '127.0.0.1', String(primary)])));
      await setup.waitHealthy();
    },
    stop: (setup) => setup.stop(),
  });
}
