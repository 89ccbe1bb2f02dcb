import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';
import { startScriptedSentinel } from './support/scripted-sentinel.js';
import { until } from './support/until.js';

const test = suite('redis session store on sentinel: a failover heard while reconnecting');
const { it, server, closing } = useRedis(test);

it('the failover detector cuts a reconnect short: the client connects again by itself instead of failing for good', async () => {
  const sentinel = await startScriptedSentinel(server().port);
  closing(() => sentinel.close());
  const store = new RedisSessionStore({
    sentinel: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: 'mymaster' },
    keyPrefix: 'reconnect:',
    onError: () => undefined,
  });
  closing(() => store.close());
  await store.create({}, { ttlMs: 60_000 });
  await until(() => sentinel.subscribers === 1, 'the failover detector subscribed');

  // The store's connection drops; its reconnect asks the sentinel for the primary, and waits.
  sentinel.hold();
  const admin = new Redis({ port: server().port, host: '127.0.0.1' });
  closing(() => admin.disconnect());
  await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  await until(() => sentinel.held === 1, 'the reconnect asked the sentinel');
  // A failover is announced meanwhile: the detector disconnects (and drops its subscription)...
  sentinel.announceSwitch();
  await until(() => sentinel.subscribers === 0, 'the failover detector heard the announcement');
  // ...then the sentinel answers the waiting reconnect, which the disconnect has cut short.
  sentinel.release();

  // ioredis alone stays closed for good here: every command fails with "Connection is closed.".
  let created: string | undefined;
  const limit = Date.now() + 10_000;
  while (created === undefined && Date.now() < limit) {
    created = await store.create({}, { ttlMs: 60_000 }).catch(() => undefined);
    if (created === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.type(created, 'string', 'the store never came back after the failover');
  assert.ok((await store.load(created as string, 60_000)) !== undefined);
});

test.run();
