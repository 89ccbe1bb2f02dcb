import type { Test } from 'uvu';
import { Cleanup, guarded } from './guarded-test.js';
import { missingPrerequisite } from './missing-prerequisite.js';
import { TEST_LIMIT_MS } from './redis-server.js';

/** What {@link useRedisTopology} gives a suite. */
export interface RedisTopologySuite<T> {
  /** Registers a test; what it passes to `closing` is closed after it, and the topology is healed. */
  it: (name: string, fn: () => Promise<void>) => void;
  /** The suite's running topology (throws when a binary is missing). */
  setup: () => T;
  /** Registers `close` to run after the current test, pass or fail. */
  closing: (close: () => unknown) => void;
}

/** How a suite starts, heals and stops its topology (a Cluster, a Sentinel setup). */
export interface TopologyParts<T> {
  /** What it is, for messages ("Redis Cluster"). */
  label: string;
  /** The name of a binary that is not installed, if any. */
  missing: string | undefined;
  start: () => Promise<T>;
  /** Starts again what a test killed, and waits until the topology is healthy. */
  heal: (setup: T) => Promise<void>;
  stop: (setup: T) => Promise<void>;
}

/**
 * Registers a suite's Redis topology: started before its tests, every process stopped after; after
 * each test, nodes it killed are started again. Without a binary the suite is one failing test
 * ({@link missingPrerequisite}), as with a single Redis.
 */
export function useRedisTopology<T>(test: Test, parts: TopologyParts<T>): RedisTopologySuite<T> {
  let setup: T | undefined;
  let current: Cleanup | undefined;
  const suiteLevel = new Cleanup();
  const closing = (close: () => unknown) => (current ?? suiteLevel).add(close);
  const { missing } = parts;
  if (missing !== undefined) {
    missingPrerequisite(test, missing, parts.label, 'apt-get install -y redis-server (it brings redis-cli)');
    return {
      it: () => undefined,
      setup: () => {
        throw new Error(`${missing} not found`);
      },
      closing,
    };
  }
  test.before(async () => {
    setup = await parts.start();
  });
  test.after(async () => {
    await suiteLevel.run(5000);
    if (setup !== undefined) await parts.stop(setup);
  });
  const it = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      const cleanup = new Cleanup();
      current = cleanup;
      cleanup.add(() => (setup === undefined ? undefined : parts.heal(setup)));
      try {
        await guarded(fn, cleanup, TEST_LIMIT_MS, 30_000);
      } finally {
        current = undefined;
      }
    });
  return { it, setup: () => setup as T, closing };
}
