import { RestBatchError } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { type ChainableCommander, Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useRedis } from './support/redis-server.js';

const test = suite('redis session store with waitForReplicas: a WAIT the server cut short');
const { it, server, closing } = useRedis(test);

/** What Redis answers a WAIT blocked on a primary that turns replica (a failover) mid-wait. */
const UNBLOCKED = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';

/** A client whose WAIT counts one replica, or once `cutShort` gets the server's UNBLOCKED error reply. */
class CutShortWait extends Redis {
  cutShort = false;

  override pipeline(commands?: unknown[][]): ChainableCommander {
    const pipeline = super.pipeline(commands);
    // There is no replica here: WAIT answers that one acknowledged, or, cut short, the error reply.
    const answer = () => (this.cutShort ? `return redis.error_reply(${JSON.stringify(UNBLOCKED)})` : 'return 1');
    (pipeline as unknown as { wait: () => unknown }).wait = () => pipeline.eval(answer(), 0);
    return pipeline;
  }
}

it('a WAIT answered UNBLOCKED (its primary turned replica): the write answers 503 STORE_UNAVAILABLE, not an internal error, and is undone', async () => {
  const client = new CutShortWait({ port: server().port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  closing(() => client.disconnect());
  const store = new RedisSessionStore({ client, waitForReplicas: { replicas: 1, timeoutMs: 100 }, keyPrefix: 'unblocked:' });
  closing(() => store.close());
  const id = await store.create({}, { ttlMs: 60_000 });

  client.cutShort = true;
  const outcome = await store.set(id, 'roles', 'MyRole', { Id: 'MyRole' }).then(
    () => 'stored',
    (error: unknown) => error,
  );
  client.cutShort = false;
  assert.instance(outcome, RestBatchError, `expected a RestBatchError, got ${String(outcome)}`);
  assert.is((outcome as RestBatchError).code, 'STORE_UNAVAILABLE');
  // The script ran, but no replica is known to have it: it is undone like any under-replicated write.
  for (const until = Date.now() + 10_000; (await store.get(id, 'roles', 'MyRole')) !== undefined; ) {
    if (Date.now() > until) throw new Error('the write answered 503 was not undone');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

test.run();
