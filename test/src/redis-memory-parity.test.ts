import { isRestBatchError, MemorySessionStore, type SessionStore } from '@restbatch/core';
import type { DirectCaller } from '@restbatch/direct';
import { RedisSessionStore } from '@restbatch/redis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { useRedis } from './support/redis-server.js';

// The same calls on the memory store and on the Redis store give the same answers: an app moved
// from one process to several nodes keeps its behaviour.
const test = suite('redis store and memory store answer alike');
const { it, server, closing } = useRedis(test);
const TTL = 60_000;
let prefixes = 0;

type Item = { ReturnCode: string; ResponseContent: { Id?: string; code?: string; reason?: string; details?: unknown } };

function stores(options: { maxSessionBytes?: number } = {}): Array<[string, SessionStore]> {
  const redis = new RedisSessionStore({ url: server().url, keyPrefix: `p${++prefixes}:`, onError: () => undefined, ...options });
  closing(() => redis.close());
  return [
    ['memory', new MemorySessionStore(options)],
    ['redis', redis],
  ];
}

/** Each store's answers to `run`, which gets an engine on that store. */
async function onBoth<T>(
  run: (call: DirectCaller, store: SessionStore) => Promise<T>,
  options?: { maxSessionBytes?: number },
): Promise<T[]> {
  const answers: T[] = [];
  for (const [, store] of stores(options)) {
    const { call } = exagoEngine({}, { store, limits: { maxSessionsPerCaller: 10_000 } as never });
    answers.push(await run(call, store));
  }
  return answers;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    return `resolved ${JSON.stringify(await promise)}`;
  } catch (error) {
    return isRestBatchError(error) ? error.code : String(error);
  }
}

it('ids that are not well-formed Unicode (lone surrogates) are refused with 400 on both stores, never merged into one entry', async () => {
  // JSON carries lone surrogates ("\ud800"); as UTF-8 (Redis) both would become U+FFFD.
  const body = JSON.parse(
    '[{"Url":"Sessions","Method":"POST"},{"Url":"Parameters","Method":"POST","Payload":{"Id":"\\ud800"}},' +
      '{"Url":"Parameters","Method":"POST","Payload":{"Id":"\\udfff"}},{"Url":"Parameters","Method":"POST","Payload":{"Id":"plain"}},' +
      '{"Url":"Parameters","Method":"GET"}]',
  ) as unknown[];
  const [memory, redis] = await onBoth(async (call) => {
    const answer = (await call({ url: '/rest/batch', body })).body as Item[];
    return answer.slice(1).map((item) => [item.ReturnCode, item.ResponseContent.code ?? '', item.ResponseContent.reason ?? '']);
  });
  assert.equal(redis, memory);
  assert.equal(
    memory!.map(([status, code]) => `${status} ${code}`),
    ['400 VALIDATION_FAILED', '400 VALIDATION_FAILED', '201 ', '200 '],
  );
  assert.match(memory![0]![2]!, 'not well-formed Unicode');
});

it('the stores refuse such keys on every write and find nothing under them, even where U+FFFD is stored', async () => {
  const answers = await Promise.all(
    stores().map(async ([, store]) => {
      const id = await store.create({}, { ttlMs: TTL });
      await store.set(id, 'parameters', '\ufffd', 'replacement character');
      return [
        await codeOf(store.set(id, 'parameters', '\ud800', 'v')),
        await codeOf((store.setIfAbsent as NonNullable<SessionStore['setIfAbsent']>).call(store, id, 'parameters', 'a\udc00', 'v')),
        await codeOf(
          (store.compareAndSet as NonNullable<SessionStore['compareAndSet']>).call(store, id, 'parameters', '\ud800', undefined, 'v'),
        ),
        await codeOf(store.set(id, '\udfff', 'key', 'v')),
        await codeOf(store.get(id, 'parameters', '\ud800')),
        await codeOf(store.delete(id, 'parameters', '\ud800')),
        await codeOf(store.list(id, 'parameters')),
      ];
    }),
  );
  assert.equal(answers[1], answers[0]);
  assert.equal(answers[0], [
    'VALIDATION_FAILED',
    'VALIDATION_FAILED',
    'VALIDATION_FAILED',
    'VALIDATION_FAILED',
    'resolved undefined',
    'resolved false',
    'resolved [["\ufffd","replacement character"]]',
  ]);
});

test.run();
