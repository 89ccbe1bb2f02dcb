import { type RateDecision, type RateLimiter, withCode } from '@restbatch/core';
import { LuaScript, type RedisClient } from './lua-script.js';
import { commandTimeoutOf, connectRedis, type RedisConnectionOptions } from './redis-session-store-options.js';
import { reportOutages } from './report-outages.js';
import { ScriptRunner, writeBudget } from './script-runner.js';
import { toStoreError } from './store-error.js';

/**
 * Options of {@link RedisRateLimiter}: how to reach Redis (a client the app owns and the limiter
 * never closes, or a URL, Cluster or Sentinel setup it connects to and closes), and the budget.
 */
export interface RedisRateLimiterOptions extends RedisConnectionOptions {
  /** Most units a key may spend per window (default 100). */
  limit?: number;
  /** Length of a window, in ms (default 60 000). */
  windowMs?: number;
  /** Prefix of the limiter's keys (default `restbatch:rl:`). */
  keyPrefix?: string;
  /**
   * Told once per outage about the client's connection errors (default: one line on stderr per
   * outage; on a Cluster also once per node that goes down). Listened for on a client the limiter
   * makes, and on the app's own client only when given.
   */
  onError?: (error: Error) => void;
}

// One round trip, atomic: count the cost, start the window on the first unit, report what is left of it.
const TAKE = new LuaScript(
  `local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {n, ttl}`,
  1,
  { writes: true },
);

/**
 * A fixed-window rate limiter shared by every node through Redis: `INCRBY` plus `PEXPIRE` in one
 * Lua script. Pass it as the engine's `rateLimit.limiter`; a Redis outage answers 503
 * `STORE_UNAVAILABLE` rather than letting calls through unchecked.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #scripts: ScriptRunner;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisRateLimiterOptions) {
    this.limit = options.limit ?? 100;
    this.windowMs = options.windowMs ?? 60_000;
    this.#prefix = options.keyPrefix ?? 'restbatch:rl:';
    if (!(this.limit > 0) || !(this.windowMs > 0))
      throw withCode(new Error('RedisRateLimiter needs a positive limit and windowMs'), 'INVALID_OPTIONS');
    this.#timeoutMs = commandTimeoutOf(options);
    const budget = writeBudget(this.#timeoutMs, options.writeDeadlineMs);
    const { client, owned } = connectRedis(options);
    this.#owned = owned;
    // A unit counted late would only be counted twice; refused all the same, like every write.
    this.#scripts = new ScriptRunner(client, budget, undefined, () => undefined);
    reportOutages(client, 'Redis rate limiter', owned, options.onError);
  }

  async take(key: string, cost: number): Promise<RateDecision> {
    let reply: unknown;
    try {
      await this.#scripts.connected(this.#timeoutMs);
      reply = await this.#scripts.write(TAKE, [this.#prefix + key], [cost, Math.ceil(this.windowMs)]);
    } catch (error) {
      throw toStoreError(error);
    }
    const [count, ttl] = reply as [number, number];
    return count <= this.limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.max(1, ttl) };
  }

  /** The client the limiter uses. */
  get client(): RedisClient {
    return this.#scripts.client;
  }

  /** Closes the client when the limiter made it (from a URL, Cluster or Sentinel setup). */
  async close(): Promise<void> {
    if (!this.#owned) return;
    const client = this.#scripts.client;
    if (client.status === 'ready') await client.quit().catch(() => undefined);
    client.disconnect();
  }
}
