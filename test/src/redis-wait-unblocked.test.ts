import { RestBatchError } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findRedisServer, startRedisServer, useRedis } from './support/redis-server.js';

const test = suite('redis session store with waitForReplicas: a WAIT cut short by a failover');
const { it, server, closing } = useRedis(test);

async function waitFor(what: string, check: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  for (const until = Date.now() + limitMs; !(await check()); ) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('the primary turns replica while a write waits for its replica: the write answers 503 STORE_UNAVAILABLE, not an internal error, and is undone', async () => {
  const primary = server();
  const replica = await startRedisServer(findRedisServer() as string);
  closing(() => replica.stop());
  const admin = new Redis({ port: primary.port, host: '127.0.0.1' });
  closing(() => admin.disconnect());
  closing(() => admin.replicaof('NO', 'ONE'));
  const onReplica = new Redis({ port: replica.port, host: '127.0.0.1' });
  closing(() => onReplica.disconnect());
  await onReplica.replicaof('127.0.0.1', String(primary.port));
  await waitFor('the replica is online', async () => /slave0:.*state=online/.test(await admin.info('replication')));

  const store = new RedisSessionStore({
    url: primary.url,
    commandTimeoutMs: 5000,
    waitForReplicas: { replicas: 1, timeoutMs: 4000 },
    keyPrefix: 'unblocked:',
    onError: () => undefined,
  });
  closing(() => store.close());
  const id = await store.create({}, { ttlMs: 60_000 });

  // The replica stops acknowledging, so the next write's WAIT blocks on the primary...
  const pid = replica.pid as number;
  process.kill(pid, 'SIGSTOP');
  closing(() => process.kill(pid, 'SIGCONT'));
  const writing = store.set(id, 'roles', 'MyRole', { Id: 'MyRole' }).then(
    () => 'stored',
    (error: unknown) => error,
  );
  await waitFor('the write waits for its replica', async () => /blocked_clients:1\b/.test(await admin.info('clients')));
  // ...until the primary turns replica (a failover): Redis answers the WAIT "UNBLOCKED ...".
  await admin.replicaof('127.0.0.1', String(replica.port));

  const outcome = await writing;
  assert.instance(outcome, RestBatchError, `expected a RestBatchError, got ${String(outcome)}`);
  assert.is((outcome as RestBatchError).code, 'STORE_UNAVAILABLE');
  // Primary again, it gets the undo: a write answered 503 does not stay behind.
  await admin.replicaof('NO', 'ONE');
  // (The primary closed the store's connection after its "UNBLOCKED" answer: reads fail until it is back.)
  const gone = () => store.get(id, 'roles', 'MyRole').then((value) => value === undefined, () => false);
  await waitFor('the write is undone', gone);
});

test.run();
