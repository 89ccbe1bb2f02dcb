import type { RedisOptions } from 'ioredis';
import type { RedisClient } from './lua-script.js';

/** Options of `RedisSessionStore`: a client or a URL, plus how keys are named and counted. */
export interface RedisSessionStoreOptions {
  /**
   * An ioredis client (`Redis` or `Cluster`) the app owns; the store never closes it. Give it
   * `enableOfflineQueue: false`, a `commandTimeout` and `maxRetriesPerRequest: 0`, or calls wait
   * while Redis is down instead of failing fast.
   */
  client?: RedisClient;
  /** A `redis://` or `rediss://` URL; the store makes its own client with fail-fast options and closes it. */
  url?: string;
  /** Extra ioredis options for the client made from `url`. */
  redisOptions?: RedisOptions;
  /** Prefix of every key (default `restbatch:`). */
  keyPrefix?: string;
  /**
   * Most live sessions at once; creating one more fails with `SESSION_LIMIT`. Costs one extra
   * command on create, load and destroy (a sorted set of ids), so it is off by default.
   */
  maxSessions?: number;
  /** Longest a command may take before it fails with `STORE_UNAVAILABLE`, in ms (default 1000). */
  commandTimeoutMs?: number;
  /** Told about connection errors (default: one line on stderr when the connection is lost). */
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
