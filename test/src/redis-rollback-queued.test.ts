import 'reflect-metadata';
import { type EngineResponse, Post, Resource, type SubResult } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import type { Item } from './support/exago-items.js';
import { useRedis } from './support/redis-server.js';

const test = suite('redis: a rollback while Redis is paused answers ROLLBACK_PENDING exactly for what the store will finish');
const { it, server, closing } = useRedis(test);

// What the Fail resource does before it throws; set by each test.
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

const TWO_PARAMETERS_THEN_FAIL = [
  { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P0', DataType: 'String', Value: 'v' } },
  { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v' } },
  { Url: 'Fail', Method: 'POST' },
];

/** An engine on a Redis store under `prefix` (500 ms command timeout) with the Fail resource. */
function redisEngine(prefix: string, maxCompensations?: number) {
  const store = new RedisSessionStore({
    url: server().url,
    keyPrefix: prefix,
    commandTimeoutMs: 500,
    maxCompensations,
    onError: () => undefined,
  });
  closing(() => store.close());
  const { engine, logged } = exagoEngine({}, { store, apis: [exagoTestApi([FailResource], false)] });
  closing(() => engine.close());
  closing(() => (hooks.before = undefined));
  return { store, engine, logged };
}

/**
 * Sends `body` to `url`; once its Fail step is reached (every earlier write confirmed), Redis is
 * paused (SIGSTOP) until the answer has arrived. Returns the answer and its sub-results (with their headers).
 */
async function sendWhileRedisPauses(
  engine: ReturnType<typeof redisEngine>['engine'],
  url: string,
  body: unknown[],
): Promise<{ answer: EngineResponse; results: SubResult[]; codes: string[] }> {
  const pid = server().pid!;
  let stopped = false;
  hooks.before = () => {
    process.kill(pid, 'SIGSTOP');
    stopped = true;
  };
  const results: SubResult[] = [];
  let answer: EngineResponse;
  try {
    answer = await engine.dispatch({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      onResult: (_item, result) => void results.push(result),
    });
  } finally {
    if (stopped) process.kill(pid, 'SIGCONT');
    hooks.before = undefined;
  }
  assert.ok(stopped, 'the batch never reached its failing step');
  assert.is(answer.status, 200);
  const codes = (answer.body as Item[]).map((i) => `${i.ReturnCode}:${i.ResponseContent.code ?? ''}`);
  return { answer, results, codes };
}

it('a run that created its session: the earlier successes answer 503 ROLLBACK_PENDING with Retry-After (not 500 ROLLBACK_INCOMPLETE), nothing is logged as failed, and the session is gone after', async () => {
  const prefix = 'rbcreated:';
  const { store, engine, logged } = redisEngine(prefix);
  const { answer, results, codes } = await sendWhileRedisPauses(engine, '/rest/batch?onFail=atomic', [
    { Url: 'Sessions', Method: 'POST' },
    ...TWO_PARAMETERS_THEN_FAIL,
  ]);
  assert.equal(
    codes,
    ['503:ROLLBACK_PENDING', '503:ROLLBACK_PENDING', '503:ROLLBACK_PENDING', '500:INTERNAL'],
    JSON.stringify(answer.body),
  );
  const pending = results.filter((result) => result.error?.code === 'ROLLBACK_PENDING');
  assert.is(pending.length, 3, JSON.stringify(results.map((r) => [r.index, r.status, r.error?.code])));
  for (const result of pending) assert.is(result.headers['retry-after'], '1', JSON.stringify(result));
  assert.equal(
    logged.filter((entry) => entry.message === 'rollback step failed'),
    [],
    'a queued destroy is pending, not a failed undo step',
  );
  // Once the store has done what it owes Redis, nothing of the run is left.
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

it('undo steps the store cannot keep owing (maxCompensations reached) answer 500 ROLLBACK_INCOMPLETE, logged, never ROLLBACK_PENDING', async () => {
  const { engine, logged } = redisEngine('rbcapped:', 0);
  const opened = await engine.dispatch({
    method: 'POST',
    url: '/rest/batch',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]),
  });
  const sid = String((opened.body as Item[])[0]!.ResponseContent.Id);
  const { answer, codes } = await sendWhileRedisPauses(engine, `/rest/batch?sid=${sid}&onFail=atomic`, TWO_PARAMETERS_THEN_FAIL);
  assert.equal(codes, ['500:ROLLBACK_INCOMPLETE', '500:ROLLBACK_INCOMPLETE', '500:INTERNAL'], JSON.stringify(answer.body));
  assert.ok(
    logged.some((entry) => entry.message === 'rollback step failed'),
    JSON.stringify(logged),
  );
});

test.run();
