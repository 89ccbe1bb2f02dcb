import { createDirectCaller } from '@restbatch/direct';
import { RedisRateLimiter } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';
import { securityEngine } from './support/security-api.js';
import { slots } from './support/security-transports.js';

const test = suite('rate limiter shared through redis');
const { it, server } = useRedis(test);
let prefixes = 0;

it('two engines sharing a Redis limiter spend one budget, one unit per sub-request', async () => {
  const client = new Redis(server().url);
  try {
    const limiter = new RedisRateLimiter({ client, limit: 5, windowMs: 60_000, keyPrefix: `rl${++prefixes}:` });
    const a = createDirectCaller(securityEngine({ rateLimit: { limiter } }).engine);
    const b = createDirectCaller(securityEngine({ rateLimit: { limiter } }).engine);
    const batch = { requests: [1, 2, 3].map((n) => ({ id: String(n), method: 'GET', url: `/Echo/${n}` })) };
    const headers = { prefer: 'odata.continue-on-error' };
    const first = await a({ url: '/api/$batch', headers, body: batch });
    const second = await b({ url: '/api/$batch', headers, body: batch });
    assert.equal(slots(first.body), [
      [200, undefined],
      [200, undefined],
      [200, undefined],
    ]);
    assert.equal(slots(second.body), [
      [200, undefined],
      [200, undefined],
      [429, 'RATE_LIMITED'],
    ]);
    const retry = Number((second.body as { responses: Array<{ headers: Record<string, string> }> }).responses[2]!.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
  } finally {
    client.disconnect();
  }
});

it('a window ends: the key expires in Redis and the budget is whole again', async () => {
  const client = new Redis(server().url);
  try {
    const prefix = `rl${++prefixes}:`;
    const limiter = new RedisRateLimiter({ client, limit: 1, windowMs: 60_000, keyPrefix: prefix });
    assert.is((await limiter.take('k', 1)).allowed, true);
    assert.is((await limiter.take('k', 1)).allowed, false);
    // Ending the window by hand keeps the test free of waiting.
    await client.del(`${prefix}k`);
    assert.is((await limiter.take('k', 1)).allowed, true);
    assert.ok((await client.pttl(`${prefix}k`)) > 0);
  } finally {
    client.disconnect();
  }
});

it('a Redis that cannot be reached answers 503 STORE_UNAVAILABLE, never an unchecked call', async () => {
  const client = new Redis({
    port: 1,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  try {
    const limiter = new RedisRateLimiter({ client, limit: 5 });
    const call = createDirectCaller(securityEngine({ rateLimit: { limiter } }).engine);
    const res = await call({ method: 'GET', url: '/api/Echo/1' });
    assert.is(res.status, 503);
    assert.is((res.body as { error: { code: string } }).error.code, 'STORE_UNAVAILABLE');
  } finally {
    client.disconnect();
  }
});

test.run();
