import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cleanup, guarded, withinTime } from './support/guarded-test.js';
import { findRedisServer, type RedisServer, startRedisServer, useRedis } from './support/redis-server.js';
import { until } from './support/until.js';

const test = suite('the redis test harness never hangs a suite');
const { it, server, closing } = useRedis(test);

/** A server of the test's own (not the suite's), stopped after the test whatever happens. */
async function ownServer(): Promise<RedisServer> {
  const own = await startRedisServer(findRedisServer()!);
  closing(() => own.stop());
  return own;
}

it('stop() returns at once when redis-server has already died from a signal', async () => {
  const own = await ownServer();
  process.kill(own.pid!, 'SIGKILL');
  await until(() => !own.running, 'redis-server is gone');
  await withinTime(own.stop(), 2000, 'stop() of a server killed by SIGKILL');
  assert.is(own.running, false);
});

it('stop() ends a redis-server that does not answer SIGTERM, with SIGKILL', async () => {
  const own = await ownServer();
  // A stopped process cannot act on SIGTERM; only SIGKILL ends it.
  process.kill(own.pid!, 'SIGSTOP');
  await withinTime(own.stop(), 15_000, 'stop() of a server that ignores SIGTERM');
  assert.is(own.running, false);
  assert.is(own.pid, undefined);
});

it('a test may end with the suite server stopped', async () => {
  await server().stop();
  assert.is(server().running, false);
});

it('the test after it finds the suite server started again and answering', async () => {
  assert.is(server().running, true);
  const client = new Redis(server().url, { maxRetriesPerRequest: 0 });
  closing(() => client.disconnect());
  assert.is(await client.ping(), 'PONG');
});

test('a test body that throws still runs every cleanup step, last first, and its own error wins', async () => {
  const cleanup = new Cleanup();
  const steps: string[] = [];
  cleanup.add(() => steps.push('first'));
  cleanup.add(() => {
    steps.push('second');
    throw new Error('cleanup failed');
  });
  const error = await guarded(
    async () => {
      throw new Error('body failed');
    },
    cleanup,
    1000,
  ).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.is(error?.message, 'body failed');
  assert.equal(steps, ['second', 'first']);
});

test('a passing body whose cleanup fails fails the test', async () => {
  const cleanup = new Cleanup();
  cleanup.add(() => Promise.reject(new Error('store would not close')));
  const error = await guarded(async () => undefined, cleanup, 1000).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.is(error?.message, 'store would not close');
});

test('a body that never settles fails after its limit and its cleanup still runs; a hung cleanup step is abandoned too', async () => {
  const cleanup = new Cleanup();
  let closed = false;
  cleanup.add(() => {
    closed = true;
  });
  cleanup.add(() => new Promise(() => undefined));
  const error = await guarded(() => new Promise(() => undefined), cleanup, 50, 50).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(String(error?.message), /the test did not finish within 50 ms/);
  assert.is(closed, true);
});

test.run();
