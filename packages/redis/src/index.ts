// Public API of @restbatch/redis.
export {};
