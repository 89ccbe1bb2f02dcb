import 'reflect-metadata';
import type { ObserveHooks } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { observeEngine } from './support/observe-engine.js';

const HOOKS = ['onBatchStart', 'onBatchEnd', 'onSubRequestStart', 'onSubRequestEnd'] as const;
/** Two reads that succeed, and one of a widget that is not there (a failure whose answer has no random id). */
const BATCH = {
  requests: [
    { id: 'a', method: 'GET', url: '/widgets/1' },
    { id: 'b', method: 'GET', url: '/widgets/2' },
    { id: 'c', method: 'GET', url: '/gadgets/3' },
  ],
};

/** Posts `body` (a string as it is) to the shop's batch endpoint of an engine with `hooks`, over node:http. */
async function served(hooks: ObserveHooks, body: string) {
  const warned: Array<Record<string, unknown>> = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  const engine = observeEngine({
    telemetry: false,
    logger: { error: () => undefined, warn: (fields, msg) => warned.push({ msg, ...fields }) },
    ...hooks,
  });
  const server = await listen(createHttpHandler(engine));
  try {
    const res = await fetch(`${server.url}/shop/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'continue-on-error' },
      body,
    });
    const answer = { status: res.status, body: (await res.json()) as unknown };
    // Rejections are told after the microtasks of the turn that made them: give them a few turns.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    return { answer, warned, rejections };
  } finally {
    process.off('unhandledRejection', onRejection);
    await server.close();
  }
}

const failing = (hook: string) => async () => {
  throw new Error(`${hook} store unreachable`);
};

test('an async onBatchEnd that rejects on a refused batch is logged, and the process lives on', async () => {
  const hooks: ObserveHooks = {
    onBatchEnd: async (e) => {
      if (e.status >= 400) throw new Error('audit store unreachable');
    },
  };
  const plain = await served({}, 'nope');
  const { answer, warned, rejections } = await served(hooks, 'nope');
  assert.is(answer.status, 400);
  assert.equal(answer, plain.answer);
  assert.equal(rejections, []);
  assert.is(warned.length, 1);
  assert.is(warned[0]!.msg, 'an observe hook threw');
  assert.is((warned[0]!.err as { message: string }).message, 'audit store unreachable');
  assert.type(warned[0]!.requestId, 'string');
});

for (const hook of HOOKS) {
  test(`an async ${hook} that rejects changes no answer, is logged at warn, and leaves no unhandled rejection`, async () => {
    const body = JSON.stringify(BATCH);
    const plain = await served({}, body);
    const { answer, warned, rejections } = await served({ [hook]: failing(hook) }, body);
    assert.is(answer.status, 200);
    assert.equal(answer, plain.answer);
    assert.equal(rejections, []);
    // The batch hooks run once, the sub-request hooks once per item of the known batch.
    const times = hook === 'onBatchStart' || hook === 'onBatchEnd' ? 1 : BATCH.requests.length;
    assert.is(warned.length, times);
    for (const line of warned) {
      assert.is(line.msg, 'an observe hook threw');
      assert.is((line.err as { message: string }).message, `${hook} store unreachable`);
    }
  });
}

test('an async hook that resolves is not awaited and logs nothing', async () => {
  let ended = false;
  const { answer, warned } = await served(
    {
      onBatchEnd: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ended = true;
      },
    },
    JSON.stringify(BATCH),
  );
  assert.is(answer.status, 200);
  assert.equal(warned, []);
  // The answer came before the hook's own promise settled.
  assert.is(ended, false);
});

test.run();
