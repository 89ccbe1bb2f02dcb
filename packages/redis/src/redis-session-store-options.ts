import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { withCode } from '@restbatch/core';
import type { RedisClient } from './lua-script.js';
import { SentinelClient } from './sentinel-client.js';
import type { WaitForReplicas } from './script-runner.js';

/** A Redis Cluster to connect to: some of its nodes (the client finds the rest) and extra ioredis options. */
export interface ClusterConnection {
  /** Seed nodes: `host:port` strings or `{ host, port }`. */
  nodes: ReadonlyArray<string | { host: string; port: number }>;
  /** Extra ioredis `Cluster` options (override the fail-fast defaults). */
  options?: ClusterOptions;
}

/** A primary watched by Sentinel: the sentinels to ask and the name of the primary they watch. */
export interface SentinelConnection {
  sentinels: ReadonlyArray<{ host: string; port: number }>;
  /** The name the sentinels know the primary by (`sentinel monitor <name> ...`). */
  name: string;
}

/** How to reach Redis: exactly one of a client the app owns, a URL, a Cluster or a Sentinel setup. */
export interface RedisConnectionOptions {
  /**
   * An ioredis client (`Redis` or `Cluster`) the app owns; it is never closed for you. Give it
   * `enableOfflineQueue: false`, a `commandTimeout` and `maxRetriesPerRequest: 0`, or calls wait
   * while Redis is down instead of failing fast.
   */
  client?: RedisClient;
  /** A `redis://` or `rediss://` URL of a single Redis; a client with fail-fast options is made and closed. */
  url?: string;
  /** A Redis Cluster; a `Cluster` client with fail-fast options is made and closed. */
  cluster?: ClusterConnection;
  /** A primary with replicas watched by Sentinel; a client that follows failovers is made and closed. */
  sentinel?: SentinelConnection;
  /** Extra ioredis options for the client made from `url` or `sentinel`, or for each node of `cluster`. */
  redisOptions?: RedisOptions;
  /** Longest a command may take before it fails with `STORE_UNAVAILABLE`, in ms (default 1000). */
  commandTimeoutMs?: number;
  /**
   * How long after it is sent a write may still start on the server, in ms (default: half the
   * command timeout; must be below it). A write reaching Redis later refuses to apply, so a write
   * whose client timed out never lands behind its back.
   */
  writeDeadlineMs?: number;
  /**
   * Off by default. Sends `WAIT replicas timeoutMs` after every write: a write that fewer replicas
   * acknowledged in time is undone and answers 503, so an acknowledged write survives the failover
   * of its primary. Costs the replication round trip on every write.
   */
  waitForReplicas?: WaitForReplicas;
}

/** Options of `RedisSessionStore`: how to reach Redis, plus how keys are named and counted. */
export interface RedisSessionStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key (default `restbatch:`). */
  keyPrefix?: string;
  /**
   * Most live sessions at once; creating one more fails with `SESSION_LIMIT`. Costs one extra
   * command on create, load and destroy (a sorted set of ids), so it is off by default.
   */
  maxSessions?: number;
  /**
   * Most one session may hold, counted as the memory store counts it: the UTF-16 code units of the
   * JSON text `JSON.stringify` writes for its data's members and its entries' keys and values, 2
   * more per member (default 1 MiB; `Infinity`: no cap). A write past it is not made and fails with
   * 507 `SESSION_FULL`. Kept as a counter in the session's data key, changed by the same script as
   * the write: no extra round trip, and two nodes cannot both pass it.
   */
  maxSessionBytes?: number;
  /**
   * Most compensations (undoing a write whose outcome is unknown, finishing a destroy) kept waiting
   * for Redis at once (default 100 000, about 200 bytes each); past it a new one is given up and
   * reported to `onError`.
   */
  maxCompensations?: number;
  /**
   * Told about connection errors, once per outage (until the client is ready again; on a Cluster
   * also once per node that goes down, until a connection to it is ready again), and about each
   * given-up compensation (default: one line on stderr for each).
   */
  onError?: (error: Error) => void;
}

/** The ioredis options of a client the store makes itself: fail fast while down, reconnect forever. */
export function failFastOptions(commandTimeoutMs: number): RedisOptions {
  return {
    // While disconnected, a command fails at once (503) instead of waiting in a queue.
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails now, and is not replayed after the
    // reconnect: it was already reported as failed, so it must not happen later behind our back.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    // Reconnect forever, at most once a second, so service comes back without a restart.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
}

/** The command timeout commands will have: the app's client's own, else `commandTimeoutMs` (default 1000). */
export function commandTimeoutOf(options: RedisConnectionOptions): number {
  const fallback = options.commandTimeoutMs ?? 1000;
  return options.client === undefined ? fallback : (clientTimeout(options.client) ?? fallback);
}

/**
 * The client to use and whether it was made here (and so is closed here). Check every other
 * option before calling it: a client made here reconnects until it is closed.
 */
export function connectRedis(options: RedisConnectionOptions): { client: RedisClient; owned: boolean } {
  const given = [options.client, options.url, options.cluster, options.sentinel].filter((o) => o !== undefined).length;
  if (given !== 1) throw withCode(new Error('Redis: give exactly one of client, url, cluster or sentinel'), 'INVALID_OPTIONS');
  const timeoutMs = options.commandTimeoutMs ?? 1000;
  const failFast = { ...failFastOptions(timeoutMs), ...options.redisOptions };
  if (options.client !== undefined) return { client: options.client, owned: false };
  if (options.url !== undefined) return { client: new Redis(options.url, failFast), owned: true };
  if (options.sentinel !== undefined) {
    const { sentinels, name } = options.sentinel;
    // Unlike a plain `Redis`, it connects again when the failover detector cut a connect short.
    const client = new SentinelClient({
      ...failFast,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      // Ask the sentinels again at once when they announce a new primary.
      failoverDetector: true,
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      // A sentinel that accepts the connection but never answers must not hold the reconnect forever.
      sentinelCommandTimeout: Math.max(timeoutMs, 1000),
    });
    return { client, owned: true };
  }
  const cluster = options.cluster as ClusterConnection;
  const client = new Cluster(cluster.nodes.map(clusterNode), {
    enableOfflineQueue: false,
    redisOptions: failFast,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    // After a failover the new owner of a slot is learnt within a second, or at once from MOVED.
    slotsRefreshInterval: 1000,
    slotsRefreshTimeout: timeoutMs,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    ...cluster.options,
  });
  return { client, owned: true };
}

function clusterNode(node: string | { host: string; port: number }): ClusterNode {
  if (typeof node !== 'string') return { host: node.host, port: node.port };
  const colon = node.lastIndexOf(':');
  if (colon <= 0) throw withCode(new Error(`Redis cluster node must be host:port, got ${JSON.stringify(node)}`), 'INVALID_OPTIONS');
  return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
}

/** The command timeout an app's client was made with, if any. */
function clientTimeout(client: RedisClient): number | undefined {
  const options = (client as Cluster).isCluster === true ? (client as Cluster).options.redisOptions : (client as Redis).options;
  return options?.commandTimeout;
}
