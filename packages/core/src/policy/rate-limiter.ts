import { withCode } from '../errors/setup-error-codes.js';

/** A rate limiter's answer to one `take`. */
export interface RateDecision {
  /** Whether the cost fitted in the key's budget (and was taken from it). */
  readonly allowed: boolean;
  /** When refused: how long until the cost would fit, in ms; 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * Counts work per key. The executor takes a cost of 1 for every sub-request and every ordinary
 * call, so a batch of 100 guesses costs exactly what 100 separate requests cost. Implementations
 * may be shared between nodes (Redis) and so may answer asynchronously.
 */
export interface RateLimiter {
  take(key: string, cost: number): RateDecision | Promise<RateDecision>;
}

/** Options of {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Most units a key may spend at once: the bucket's size (default 100). */
  limit?: number;
  /** Time in which an empty bucket refills completely, in ms (default 60 000). */
  windowMs?: number;
  /** Most keys tracked; full buckets are forgotten first, then the oldest (default 10 000). */
  maxKeys?: number;
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * An in-process token bucket per key: `limit` units, refilled at `limit / windowMs` per ms. It
 * runs no timer: a bucket is refilled lazily when it is next used, so an idle engine costs nothing.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.limit = options.limit ?? 100;
    this.windowMs = options.windowMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!(this.limit > 0) || !(this.windowMs > 0))
      throw withCode(new Error('MemoryRateLimiter needs a positive limit and windowMs'), 'INVALID_OPTIONS');
  }

  take(key: string, cost: number): RateDecision {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#prune(now);
      bucket = { tokens: this.limit, at: now };
      this.#buckets.set(key, bucket);
    } else {
      this.#refill(bucket, now);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true, retryAfterMs: 0 };
    }
    const missing = Math.min(cost, this.limit) - bucket.tokens;
    return { allowed: false, retryAfterMs: Math.ceil((missing * this.windowMs) / this.limit) };
  }

  #refill(bucket: Bucket, now: number): void {
    const elapsed = now - bucket.at;
    if (elapsed > 0) {
      bucket.tokens = Math.min(this.limit, bucket.tokens + (elapsed * this.limit) / this.windowMs);
      bucket.at = now;
    }
  }

  // Forgetting a full bucket changes nothing; forgetting a partly used one only forgives that key.
  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.tokens >= this.limit) this.#buckets.delete(key);
    }
    // Still full of busy keys: drop the oldest tenth at once, so that pruning stays rare.
    if (this.#buckets.size >= this.#maxKeys) {
      const over = Math.max(1, Math.ceil(this.#maxKeys / 10));
      let n = 0;
      for (const key of this.#buckets.keys()) {
        if (n++ >= over) break;
        this.#buckets.delete(key);
      }
    }
  }
}
