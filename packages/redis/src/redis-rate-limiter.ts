import type { RateDecision, RateLimiter } from '@restbatch/core';
import { LuaScript, type RedisClient } from './lua-script.js';
import { toStoreError } from './store-error.js';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** The client to use; the limiter never closes it. */
  client: RedisClient;
  /** Most units a key may spend per window (default 100). */
  limit?: number;
  /** Length of a window, in ms (default 60 000). */
  windowMs?: number;
  /** Prefix of the limiter's keys (default `restbatch:rl:`). */
  keyPrefix?: string;
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
);

/**
 * A fixed-window rate limiter shared by every node through Redis: `INCRBY` plus `PEXPIRE` in one
 * Lua script. Pass it as the engine's `rateLimit.limiter`; a Redis outage answers 503
 * `STORE_UNAVAILABLE` rather than letting calls through unchecked.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #client: RedisClient;
  readonly #prefix: string;

  constructor(options: RedisRateLimiterOptions) {
    this.#client = options.client;
    this.limit = options.limit ?? 100;
    this.windowMs = options.windowMs ?? 60_000;
    this.#prefix = options.keyPrefix ?? 'restbatch:rl:';
    if (!(this.limit > 0) || !(this.windowMs > 0)) throw new Error('RedisRateLimiter needs a positive limit and windowMs');
  }

  async take(key: string, cost: number): Promise<RateDecision> {
    let reply: unknown;
    try {
      reply = await TAKE.run(this.#client, [this.#prefix + key], [cost, Math.ceil(this.windowMs)]);
    } catch (error) {
      throw toStoreError(error);
    }
    const [count, ttl] = reply as [number, number];
    return count <= this.limit ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs: Math.max(1, ttl) };
  }
}
