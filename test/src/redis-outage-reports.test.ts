import { isRestBatchError } from '@restbatch/core';
import { RedisRateLimiter, RedisSessionStore } from '@restbatch/redis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findRedisServer, freePort, startRedisServer } from './support/redis-server.js';
import { until } from './support/until.js';
import { capturingStderr } from './support/capturing-stderr.js';

const DOWN = 'Redis rate limiter unavailable';

async function refusedCode(limiter: RedisRateLimiter): Promise<string | undefined> {
  try {
    await limiter.take('caller', 1);
    return undefined;
  } catch (error) {
    return isRestBatchError(error) ? error.code : String(error);
  }
}

test('with Redis down, take() answers STORE_UNAVAILABLE and onError is told once for the whole outage', async () => {
  const reports: Error[] = [];
  const limiter = new RedisRateLimiter({ url: `redis://127.0.0.1:${await freePort()}`, onError: (error) => reports.push(error) });
  let errors = 0;
  limiter.client.on('error', () => errors++);
  try {
    assert.is(await refusedCode(limiter), 'STORE_UNAVAILABLE');
    // Several reconnection attempts fail (one every 100 ms, 200 ms, ... at most a second apart).
    await until(() => errors >= 4, 'four failed connection attempts');
    assert.is(await refusedCode(limiter), 'STORE_UNAVAILABLE');
    assert.is(reports.length, 1);
    assert.instance(reports[0], Error);
  } finally {
    await limiter.close();
  }
});

test('without onError, an outage is one line on stderr, and ioredis prints no unhandled error event', async () => {
  const limiter = new RedisRateLimiter({ url: `redis://127.0.0.1:${await freePort()}` });
  const written = await capturingStderr(async () => {
    try {
      assert.is(await refusedCode(limiter), 'STORE_UNAVAILABLE');
      // No listener of our own (one would silence ioredis): wait through several reconnection attempts.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await limiter.close();
    }
  });
  assert.not.match(written, 'Unhandled error event');
  assert.is(written.split(DOWN).length - 1, 1, written);
});

test('each outage is reported once: a second one after Redis came back is reported again', async () => {
  const binary = findRedisServer();
  assert.ok(binary, 'redis-server is installed');
  const server = await startRedisServer(binary as string);
  const reports: Error[] = [];
  const limiter = new RedisRateLimiter({ url: server.url, onError: (error) => reports.push(error) });
  let errors = 0;
  limiter.client.on('error', () => errors++);
  try {
    await until(() => limiter.client.status === 'ready', 'the limiter is connected');
    assert.equal(await limiter.take('caller', 1), { allowed: true, retryAfterMs: 0 });
    await server.stop();
    await until(() => errors >= 3, 'three failed connection attempts');
    assert.is(reports.length, 1);
    await server.start();
    await until(() => limiter.client.status === 'ready', 'the limiter is connected again');
    assert.equal(await limiter.take('caller', 1), { allowed: true, retryAfterMs: 0 });
    const before = errors;
    await server.stop();
    await until(() => errors >= before + 3, 'three more failed connection attempts');
    assert.is(reports.length, 2);
  } finally {
    await limiter.close();
    await server.stop();
  }
});

test('the session store tells onError once per outage too (the same reporting as the limiter)', async () => {
  const reports: Error[] = [];
  const store = new RedisSessionStore({ url: `redis://127.0.0.1:${await freePort()}`, onError: (error) => reports.push(error) });
  let errors = 0;
  store.client.on('error', () => errors++);
  try {
    await until(() => errors >= 4, 'four failed connection attempts');
    assert.is(reports.length, 1);
  } finally {
    await store.close();
  }
});

test.run();
