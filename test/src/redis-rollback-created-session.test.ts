import 'reflect-metadata';
import { Post, Resource, type SubResult } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import type { Item } from './support/exago-items.js';
import { useRedis } from './support/redis-server.js';

const test = suite('redis: an atomic run that created its session, rolled back while Redis is paused, destroys it once Redis answers');
const { it, server, closing } = useRedis(test);

// What the Fail resource does before it throws; set by the test.
const hooks: { before?: () => void } = {};

/** Runs the test's hook (pauses Redis), then fails: its atomic batch rolls back. */
@Resource('Fail', { session: 'required' })
class FailResource {
  @Post('')
  fail(): never {
    hooks.before?.();
    throw new Error('planned failure');
  }
}

it('the earlier successes answer 503 ROLLBACK_PENDING with Retry-After (not 500 ROLLBACK_INCOMPLETE), nothing is logged as failed, and the session is gone after', async () => {
  const prefix = 'rbcreated:';
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix, commandTimeoutMs: 500, onError: () => undefined });
  closing(() => store.close());
  const { engine, logged } = exagoEngine({}, { store, apis: [exagoTestApi([FailResource], false)] });
  closing(() => engine.close());
  closing(() => (hooks.before = undefined));
  const pid = server().pid!;
  let stopped = false;
  // The session and its parameters are written and confirmed; then Redis stops answering and the run fails.
  hooks.before = () => {
    process.kill(pid, 'SIGSTOP');
    stopped = true;
  };
  // The batch's sub-results as the engine hands them to a streaming transport, with their headers.
  const results: SubResult[] = [];
  let answer;
  try {
    answer = await engine.dispatch({
      method: 'POST',
      url: '/rest/batch?onFail=atomic',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P0', DataType: 'String', Value: 'v' } },
        { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v' } },
        { Url: 'Fail', Method: 'POST' },
      ]),
      onResult: (_item, result) => void results.push(result),
    });
  } finally {
    if (stopped) process.kill(pid, 'SIGCONT');
  }
  assert.ok(stopped, 'the batch never reached its failing step');
  assert.is(answer.status, 200);
  const got = (answer.body as Item[]).map((i) => `${i.ReturnCode}:${i.ResponseContent.code ?? ''}`);
  assert.equal(got, ['503:ROLLBACK_PENDING', '503:ROLLBACK_PENDING', '503:ROLLBACK_PENDING', '500:INTERNAL'], JSON.stringify(answer.body));
  const pending = results.filter((result) => result.error?.code === 'ROLLBACK_PENDING');
  assert.is(pending.length, 3, JSON.stringify(results.map((r) => [r.index, r.status, r.error?.code])));
  for (const result of pending) assert.is(result.headers['retry-after'], '1', JSON.stringify(result));
  assert.equal(
    logged.filter((entry) => entry.message === 'rollback step failed'),
    [],
    'a queued destroy is pending, not a failed undo step',
  );
  // Before Redis has caught up, the session may still be there; once the store has done what it owes, it is gone.
  await store.compensated();
  const raw = new Redis(server().url);
  try {
    // The write guard's operation keys (`:op:`) expire by themselves; nothing else of the run may remain.
    const left = (await raw.keys(`${prefix}*`)).filter((key) => !key.includes(':op:'));
    assert.equal(left, [], 'the session the rolled-back run created is still in Redis');
  } finally {
    raw.disconnect();
  }
});

test.run();
