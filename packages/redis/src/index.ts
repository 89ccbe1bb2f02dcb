// Public API of @restbatch/redis. What is not exported here is private.
export { RedisSessionStore } from './redis-session-store.js';
export {
  type ClusterConnection,
  failFastOptions,
  type RedisConnectionOptions,
  type RedisSessionStoreOptions,
  type SentinelConnection,
} from './redis-session-store-options.js';
export type { WaitForReplicas } from './script-runner.js';
export type { RedisClient } from './lua-script.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
