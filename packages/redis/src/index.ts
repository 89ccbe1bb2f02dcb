// Public API of @restbatch/redis. What is not exported here is private.
export { RedisSessionStore } from './redis-session-store.js';
export { failFastOptions, type RedisSessionStoreOptions } from './redis-session-store-options.js';
export type { RedisClient } from './lua-script.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
