import 'reflect-metadata';
import { Post, Resource } from '@restbatch/core';
import { failFastOptions, RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { type Item, items } from './support/exago-items.js';
import { useRedis } from './support/redis-server.js';

const test = suite('redis: an atomic rollback Redis could not confirm is finished, and said to be pending');
const { it, server, closing } = useRedis(test);

// What the Fail resource does before it throws; set by each test.
const hooks: { before?: () => Promise<void> | void } = {};

/** Runs the test's hook (waits for a pause, cuts the connection), then fails: its atomic batch rolls back. */
@Resource('Fail', { session: 'required' })
class FailResource {
  @Post('')
  async fail(): Promise<never> {
    await hooks.before?.();
    throw new Error('planned failure');
  }
}

/** Runs the test's hook and succeeds. */
@Resource('Hook', { session: 'required' })
class HookResource {
  @Post('')
  async hook(): Promise<void> {
    await hooks.before?.();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An engine whose batches are all atomic, on `store`; a session made by a batch before anything else; its parameters `K<k>`, `D<k>`. */
async function seeded(store: RedisSessionStore, count: number) {
  closing(() => store.close());
  const { engine, call } = exagoEngine({}, { store, apis: [exagoTestApi([FailResource, HookResource], true)] });
  closing(() => engine.close());
  closing(() => (hooks.before = undefined));
  const seed = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = items(seed)[0]!.ResponseContent.Id as string;
  const setup = [];
  for (let k = 0; k < count; k++) {
    setup.push({ Url: 'Parameters', Method: 'POST', Payload: { Id: `K${k}`, DataType: 'String', Value: 'kept' } });
    setup.push({ Url: 'Parameters', Method: 'POST', Payload: { Id: `D${k}`, DataType: 'String', Value: 'kept' } });
  }
  const made = await call({ url: `/rest/batch?sid=${sid}`, body: setup });
  assert.ok(
    items(made).every((i) => i.ReturnCode === '201'),
    JSON.stringify(items(made).map((i) => i.ReturnCode)),
  );
  return { call, sid };
}

/** Batch `k`: adds N<k>, changes K<k>, deletes D<k>, then fails, so all three must be undone. */
function failingBatch(k: number): unknown[] {
  return [
    { Url: 'Parameters', Method: 'POST', Payload: { Id: `N${k}`, DataType: 'String', Value: 'new' } },
    { Url: `Parameters/K${k}`, Method: 'PATCH', Payload: { Value: 'changed' } },
    { Url: `Parameters/D${k}`, Method: 'DELETE' },
    { Url: 'Fail', Method: 'POST' },
  ];
}

/** Checks Redis itself: none of the batches' writes remains. */
async function assertUndone(prefix: string, sid: string, count: number): Promise<void> {
  const raw = new Redis(server().url);
  try {
    const stored = await raw.hgetall(`${prefix}{${sid}}:c:parameters`);
    const value = (id: string) =>
      stored[id] === undefined ? undefined : (JSON.parse(stored[id].slice(stored[id].indexOf(':') + 1)) as { Value: string }).Value;
    for (let k = 0; k < count; k++) {
      assert.is(value(`N${k}`), undefined, `N${k}, added by a batch answered as rolled back, is still in Redis`);
      assert.is(value(`K${k}`), 'kept', `K${k}, changed by a batch answered as rolled back, still holds its change`);
      assert.is(value(`D${k}`), 'kept', `D${k}, deleted by a batch answered as rolled back, is still gone`);
    }
  } finally {
    raw.disconnect();
  }
}

it('rollbacks run while Redis is paused (SIGSTOP longer than the command timeout) are finished once it resumes, answered ROLLBACK_PENDING', async () => {
  const prefix = 'rbpause:';
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix, commandTimeoutMs: 1000, onError: () => undefined });
  const count = 6;
  const { call, sid } = await seeded(store, count);
  // Every batch holds in Fail (its writes confirmed) until Redis is paused; then it fails and rolls back.
  let reached = 0;
  let release!: () => void;
  const paused = new Promise<void>((resolve) => (release = resolve));
  hooks.before = () => {
    reached++;
    return paused;
  };
  const answers = Array.from({ length: count }, (_, k) => call({ url: `/rest/batch?sid=${sid}`, body: failingBatch(k) }));
  const pid = server().pid!;
  let stopped = false;
  try {
    for (let waited = 0; reached < count && waited < 5000; waited += 10) await sleep(10);
    assert.is(reached, count, 'not every batch reached its failing step');
    process.kill(pid, 'SIGSTOP');
    stopped = true;
    release();
    await sleep(2500);
  } finally {
    release();
    if (stopped) process.kill(pid, 'SIGCONT');
  }
  const codes = (await Promise.all(answers)).map((res) => items(res).map((i: Item) => i.ResponseContent.code ?? i.ReturnCode));
  for (const batch of codes) {
    // The three writes answer that their undo is pending (the store could not confirm it before answering).
    assert.equal(batch.slice(0, 3), ['ROLLBACK_PENDING', 'ROLLBACK_PENDING', 'ROLLBACK_PENDING'], JSON.stringify(batch));
  }
  await store.compensated();
  // A late copy of a command still queued in Redis would run now: give it time to do harm, if it could.
  await sleep(200);
  await assertUndone(prefix, sid, count);
});

it('an undo that could not even be sent (connection cut) is re-applied once Redis answers', async () => {
  const prefix = 'rbcut:';
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const store = new RedisSessionStore({ client, keyPrefix: prefix, onError: () => undefined });
  const { call, sid } = await seeded(store, 1);
  hooks.before = () => client.disconnect(true);
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: failingBatch(0) });
  const codes = items(res).map((i) => i.ResponseContent.code ?? i.ReturnCode);
  assert.equal(codes.slice(0, 3), ['ROLLBACK_PENDING', 'ROLLBACK_PENDING', 'ROLLBACK_PENDING'], JSON.stringify(codes));
  await store.compensated();
  await assertUndone(prefix, sid, 1);
});

it('an undo re-applied later keeps a write another node made meanwhile (it is conditional)', async () => {
  const prefix = 'rbother:';
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const store = new RedisSessionStore({ client, keyPrefix: prefix, onError: () => undefined });
  const { call, sid } = await seeded(store, 1);
  // The connection goes down for good: the undo steps cannot be sent, and wait on this node.
  hooks.before = () => client.disconnect(false);
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: failingBatch(0) });
  assert.equal(
    items(res)
      .slice(0, 3)
      .map((i) => i.ResponseContent.code),
    ['ROLLBACK_PENDING', 'ROLLBACK_PENDING', 'ROLLBACK_PENDING'],
  );
  // Meanwhile another node changes K0 again.
  const other = new RedisSessionStore({ url: server().url, keyPrefix: prefix, onError: () => undefined });
  try {
    const current = (await other.get(sid, 'parameters', 'K0')) as { Value: string };
    assert.is(current.Value, 'changed', 'the batch change is still in Redis before the undo lands');
    await other.set(sid, 'parameters', 'K0', { ...current, Value: 'other' });
  } finally {
    await other.close();
  }
  await client.connect();
  await store.compensated();
  const raw = new Redis(server().url);
  try {
    const stored = await raw.hgetall(`${prefix}{${sid}}:c:parameters`);
    const value = (id: string) =>
      stored[id] === undefined ? undefined : (JSON.parse(stored[id].slice(stored[id].indexOf(':') + 1)) as { Value: string }).Value;
    assert.is(value('K0'), 'other', "the other node's later write was kept");
    assert.is(value('N0'), undefined);
    assert.is(value('D0'), 'kept');
  } finally {
    raw.disconnect();
  }
});

it('a rollback Redis confirms at once still answers ROLLED_BACK, and a later batch sees the undone values', async () => {
  const prefix = 'rbok:';
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix, onError: () => undefined });
  const { call, sid } = await seeded(store, 1);
  const res = await call({ url: `/rest/batch?sid=${sid}`, body: failingBatch(0) });
  assert.equal(
    items(res).map((i) => i.ResponseContent.code ?? i.ReturnCode),
    ['ROLLED_BACK', 'ROLLED_BACK', 'ROLLED_BACK', 'INTERNAL'],
  );
  await assertUndone(prefix, sid, 1);
  const read = await call({ method: 'GET', url: `/rest/Parameters/K0?sid=${sid}` });
  assert.is((read.body as { Value: string }).Value, 'kept');
});

it('an undo whose reply was lost waits for the compensation of the write it follows, then lands', async () => {
  const prefix = 'rblost:';
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const store = new RedisSessionStore({ client, keyPrefix: prefix, onError: () => undefined });
  const { call, sid } = await seeded(store, 1);
  // While `losing`, every session script runs on the server but its reply is lost on the way back.
  let losing = false;
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const reply = await original(...args);
      if (losing && String(args[2]).startsWith(`${prefix}{`) && !String(args[2]).includes(':op:')) throw new Error('Command timed out');
      return reply;
    };
  }
  hooks.before = () => {
    losing = true;
  };
  // The second PATCH runs in Redis (K0 = "again") but answers 503: the store undoes it ("again" -> "changed")
  // once Redis answers, and only then may the rollback's undo of the first ("changed" -> "kept") land.
  const res = await call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Parameters/K0', Method: 'PATCH', Payload: { Value: 'changed' } },
      { Url: 'Hook', Method: 'POST' },
      { Url: 'Parameters/K0', Method: 'PATCH', Payload: { Value: 'again' } },
    ],
  });
  assert.equal(
    items(res).map((i) => i.ResponseContent.code ?? i.ReturnCode),
    ['ROLLBACK_PENDING', 'ROLLBACK_PENDING', 'STORE_UNAVAILABLE'],
  );
  losing = false;
  await store.compensated();
  const raw = new Redis(server().url);
  try {
    const stored = await raw.hget(`${prefix}{${sid}}:c:parameters`, 'K0');
    assert.is((JSON.parse(stored!.slice(stored!.indexOf(':') + 1)) as { Value: string }).Value, 'kept');
  } finally {
    raw.disconnect();
  }
});

test.run();
