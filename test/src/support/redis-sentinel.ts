import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Test } from 'uvu';
import { Cleanup, guarded } from './guarded-test.js';
import { freePorts } from './redis-cluster.js';
import { findRedisServer, isCI, type Running, spawnRunning, stopRunning, TEST_LIMIT_MS, waitForPing } from './redis-server.js';

/** The name the test sentinels know the primary by. */
export const SENTINEL_NAME = 'mymaster';

/** A redis-server of the setup: its port, and ways to fail it. */
export interface SentinelNode {
  readonly port: number;
  readonly running: boolean;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence), as a replica of `replicaOf` when given. */
  start(replicaOf?: number): Promise<void>;
}

/** One primary, one replica and three sentinels (small down-after and failover timeouts). */
export interface RedisSentinelSetup {
  readonly sentinels: Array<{ host: string; port: number }>;
  /** The two data nodes: [first primary, first replica]. */
  readonly nodes: readonly SentinelNode[];
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
  const processes: Array<{ stop(): Promise<void> }> = [];
  const node = (port: number, args: string[]): SentinelNode & { stop(): Promise<void> } => {
    let child: Running | undefined;
    const made = {
      port,
      get running() {
        return child !== undefined && child.exited() === undefined;
      },
      async start(replicaOf?: number) {
        // Data nodes only: a primary has no args, a replica names its primary.
        const as = replicaOf === undefined ? args : ['--replicaof', '127.0.0.1', String(replicaOf)];
        const started = spawnRunning(server, [
          ...as,
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--repl-diskless-sync-delay',
          '0',
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
    processes.push(made);
    return made;
  };
  const primary = node(primaryPort, []);
  const replica = node(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]);
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
    return node(port, [conf, '--sentinel']);
  });
  const setup: RedisSentinelSetup = {
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    nodes: [primary, replica],
    async primaryPort() {
      for (const sentinel of sentinels.filter((s) => s.running)) {
        const reply = await ask(sentinel.port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)).catch(() => undefined);
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
    await replica.start();
    await Promise.all(sentinels.map((s) => s.start()));
    await setup.waitHealthy();
  } catch (error) {
    await setup.stop();
    throw error;
  }
  return setup;
}

async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
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

/** Every sentinel knows the other two and agrees on a running primary, which has a replica online. */
async function healthy(setup: RedisSentinelSetup, sentinels: readonly SentinelNode[]): Promise<boolean> {
  try {
    for (const sentinel of sentinels) {
      const others = (await ask(sentinel.port, (r) => r.call('SENTINEL', 'SENTINELS', SENTINEL_NAME))) as unknown[];
      if (others.length < 2) return false;
    }
    const port = await setup.primaryPort();
    if (!setup.nodes.some((n) => n.port === port && n.running)) return false;
    const info = await ask(port, (r) => r.info('replication'));
    return info.includes('role:master') && /slave0:.*state=online/.test(info);
  } catch {
    return false;
  }
}

/** What {@link useRedisSentinel} gives a suite. */
export interface RedisSentinelSuite {
  it: (name: string, fn: () => Promise<void>) => void;
  setup: () => RedisSentinelSetup;
  closing: (close: () => unknown) => void;
}

/**
 * Registers a suite's Sentinel setup: started before its tests, every process stopped after. Without
 * `redis-server` the tests are skipped by name; under CI that fails the suite. A node a test killed
 * is started again (and the setup healthy) before the next test.
 */
export function useRedisSentinel(test: Test): RedisSentinelSuite {
  const server = findRedisServer();
  let setup: RedisSentinelSetup | undefined;
  let current: Cleanup | undefined;
  const suiteLevel = new Cleanup();
  const closing = (close: () => unknown) => (current ?? suiteLevel).add(close);
  if (server === undefined) {
    if (isCI()) {
      test('redis-server is installed (CI runs the Redis Sentinel suites, it never skips them)', () => {
        throw new Error('redis-server not found on PATH');
      });
    }
    return {
      it: (name, fn) => {
        console.log(`SKIP: ${name} (redis-server not found)`);
        test.skip(name, fn);
      },
      setup: () => {
        throw new Error('redis-server not found');
      },
      closing,
    };
  }
  test.before(async () => {
    setup = await startRedisSentinel(server);
  });
  test.after(async () => {
    await suiteLevel.run(5000);
    await setup?.stop();
  });
  const it = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      const cleanup = new Cleanup();
      current = cleanup;
      cleanup.add(async () => {
        if (setup === undefined) return;
        const stopped = setup.nodes.filter((n) => !n.running);
        if (stopped.length === 0) return;
        const primary = await setup.primaryPort();
        await Promise.all(stopped.map((n) => n.start(n.port === primary ? undefined : primary)));
        await setup.waitHealthy();
      });
      try {
        await guarded(fn, cleanup, TEST_LIMIT_MS, 30_000);
      } finally {
        current = undefined;
      }
    });
  return { it, setup: () => setup as RedisSentinelSetup, closing };
}
