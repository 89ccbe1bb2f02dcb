import 'reflect-metadata';
import { type ApiOptions, type HandlerContext, Post, Resource, RestBatchError } from '@restbatch/core';
import { failFastOptions, RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { type Item, items } from './support/exago-items.js';
import { type ApplyOp, applyOps } from './support/redis-apply-ops.js';
import { onEvalsha } from './support/on-evalsha.js';
import { useRedis } from './support/redis-server.js';
import { exagoTestApi } from './support/atomic-exago.js';

const test = suite('redis store: batches buffer their session writes');
const { it, server, closing } = useRedis(test);
let prefixes = 0;

// What the test resources below do when called; set by each test.
const hooks: { cut?: () => void; barrier?: (value: string) => Promise<void> } = {};

/** Cuts the store's connection in the middle of a batch (the client reconnects by itself). */
@Resource('Cut', { session: 'required' })
class CutResource {
  @Post('')
  async cut(): Promise<void> {
    hooks.cut?.();
  }
}

/** Reads the parameters, waits until every racer has read them, then adds one: a cross-node add race. */
@Resource('Race', { session: 'required' })
class RaceResource {
  @Post('')
  async race(ctx: HandlerContext<{ Id: string; Value: string }>): Promise<unknown> {
    const { Id, Value } = ctx.body;
    await ctx.session!.list('parameters');
    await hooks.barrier?.(Value);
    if (!(await ctx.session!.add('parameters', Id, { Id, Value }))) throw new RestBatchError('CONFLICT', `${Id} exists`);
    return { Id, Value };
  }
}

function testApi(atomic = false): ApiOptions {
  return exagoTestApi([CutResource, RaceResource], atomic);
}

/** A fresh engine on the Redis store, through a client the test holds (to cut its connection); closed after the test. */
/** Counts the `EXISTS` commands `client` sends from now on (the check a flush sends after reads from the copy). */
function countExists(client: Redis): { readonly count: number } {
  const counter = { count: 0 };
  const exists = (client.exists as (...args: unknown[]) => Promise<number>).bind(client);
  (client as unknown as Record<string, unknown>).exists = (...args: unknown[]) => {
    counter.count++;
    return exists(...args);
  };
  return counter;
}

function redisEngine(options: { prefix?: string; atomic?: boolean; yieldIntervalMs?: number } = {}) {
  const prefix = options.prefix ?? `u${++prefixes}:`;
  const client = new Redis(server().url, failFastOptions(1000));
  client.on('error', () => undefined);
  closing(() => client.disconnect());
  const store = new RedisSessionStore({ client, keyPrefix: prefix });
  const limits = options.yieldIntervalMs === undefined ? undefined : { yieldIntervalMs: options.yieldIntervalMs };
  const { engine, call, logged } = exagoEngine({}, { store, apis: [testApi(options.atomic)], limits });
  closing(() => engine.close());
  // A test that failed midway must not leave its hooks to the next one.
  closing(() => {
    hooks.cut = undefined;
    hooks.barrier = undefined;
  });
  return { engine, call, store, client, prefix, logged };
}

/** The benchmark's kind of batch, with failures mixed in: unknown ids, a duplicate, a list. */
function mixedBatch(): unknown[] {
  const calls: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let k = 0; k < 6; k++) {
    calls.push(
      { Url: 'Parameters', Method: 'POST', Payload: { Id: `P${k}`, DataType: 'String', Value: 'v', PromptText: 'Enter' } },
      { Url: `Parameters/P${k}`, Method: 'PATCH', Payload: { Value: `w${k}`, IsHidden: false } },
      { Url: `Parameters/P${k}`, Method: 'GET' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: `R${k}`, IsActive: k % 2 === 0 } },
      { Url: `Roles/R${k}`, Method: 'GET' },
    );
    if (k % 3 === 0) calls.push({ Url: `Parameters/P${k}`, Method: 'DELETE' }, { Url: `Roles/R${k}`, Method: 'DELETE' });
  }
  calls.push(
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'again', PromptText: 'Enter' } },
    { Url: 'Parameters/P0', Method: 'GET' },
    { Url: 'Roles/Nobody', Method: 'PATCH', Payload: { IsActive: true } },
    { Url: 'Roles/MyRole', Method: 'DELETE' },
    { Url: 'Roles/R1', Method: 'PATCH', Payload: { IsActive: true } },
    { Url: 'Parameters', Method: 'GET' },
    { Url: 'Roles', Method: 'GET' },
  );
  return calls;
}

const strip = (list: Item[]) =>
  list.map((i) => ({
    ...i,
    ResponseContent: Array.isArray(i.ResponseContent) ? i.ResponseContent : { ...i.ResponseContent, Id: 0, ApiKey: 0, AppUrl: 0 },
  }));

it('the seed batch and a mixed batch answer exactly as on the memory store, and Redis holds what memory holds', async () => {
  const onRedis = redisEngine();
  const onMemory = exagoEngine({ allowExistingSession: true });
  for (const body of [SEED_BATCH, mixedBatch()]) {
    const [a, b] = await Promise.all([onRedis.call({ url: '/rest/batch', body }), onMemory.call({ url: '/rest/batch', body })]);
    assert.is(a.status, 200);
    assert.equal(strip(items(a)), strip(items(b)));
    const sidA = items(a)[0]!.ResponseContent.Id as string;
    const sidB = items(b)[0]!.ResponseContent.Id as string;
    for (const url of ['Roles', 'Parameters']) {
      const [ra, rb] = await Promise.all([
        onRedis.call({ method: 'GET', url: `/rest/${url}?sid=${sidA}` }),
        onMemory.call({ method: 'GET', url: `/rest/${url}?sid=${sidB}` }),
      ]);
      assert.equal(ra.body, rb.body, url);
    }
  }
  const again = await onRedis.call({ url: '/rest/batch', body: mixedBatch() });
  const sid = items(again)[0]!.ResponseContent.Id as string;
  const inSession = await onRedis.call({ url: `/rest/batch?sid=${sid}`, body: mixedBatch().slice(1) });
  const onMemoryToo = await onMemory.call({ url: '/rest/batch', body: mixedBatch() });
  const sidM = items(onMemoryToo)[0]!.ResponseContent.Id as string;
  const inMemorySession = await onMemory.call({ url: `/rest/batch?sid=${sidM}`, body: mixedBatch().slice(1) });
  assert.equal(items(inSession), items(inMemorySession));
});

it('a connection lost mid-batch turns every sub-request that used the session from then on into 503 STORE_UNAVAILABLE, never a success', async () => {
  // The batch never lets go of the event loop here, so every write is still buffered when the connection goes.
  const { call, client } = redisEngine({ yieldIntervalMs: 0 });
  hooks.cut = () => client.disconnect(true);
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', DataType: 'String', Value: 'v', PromptText: 'p' } },
      { Url: 'Cut', Method: 'POST' },
      { Url: 'Parameters/P', Method: 'GET' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } },
    ],
  });
  // The new session's own writes (its configured role) were acknowledged before the next sub-request
  // ran (a session is kept only once they are); the parameter's were still buffered when the connection went.
  const codes = items(res).map((i) => i.ReturnCode);
  assert.equal(codes, ['201', '503', '204', '503', '503']);
  for (const i of [1, 3, 4]) assert.is(items(res)[i]!.ResponseContent.code, 'STORE_UNAVAILABLE');
  // The same engine serves again once the client has reconnected: no restart.
  let again = res;
  const ok = (list: Item[]) => list.map((i) => i.ReturnCode).join() === '201,204,201';
  for (let attempt = 0; attempt < 50 && !ok(items(again)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    again = await call({ url: '/rest/batch', body: SEED_BATCH });
  }
  assert.equal(
    items(again).map((i) => i.ReturnCode),
    ['201', '204', '201'],
  );
  hooks.cut = undefined;
});

it('redis stopped mid-batch: no sub-request after the stop that used the session answers with a success', async () => {
  const { call } = redisEngine();
  hooks.barrier = () => server().stop();
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Race', Method: 'POST', Payload: { Id: 'A', Value: 'a' } },
      { Url: 'Parameters/A', Method: 'PATCH', Payload: { Value: 'b' } },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } },
    ],
  });
  hooks.barrier = undefined;
  await server().start(); // (a failure before this line: the suite's harness starts it again)
  const list = items(res);
  // The session's first writes may have reached Redis before it stopped; nothing after the stop did.
  assert.ok(['201', '503'].includes(list[0]!.ReturnCode));
  for (const item of list.slice(1)) {
    assert.is(item.ReturnCode, '503');
    assert.is(item.ResponseContent.code, 'STORE_UNAVAILABLE');
  }
});

it('a streamed result is emitted only after the writes of its sub-request are acknowledged by Redis', async () => {
  const { call, client } = redisEngine();
  const acknowledged = new Set<string>();
  // Records every write of an APPLY script once Redis answered it.
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const reply = await original(...args);
      for (const { op, collection, key } of applyOps(args) ?? []) acknowledged.add(`${op}:${collection}/${key}`);
      return reply;
    };
  }
  const expected = [['s:roles/MyRole'], ['a:parameters/P1'], ['a:roles/R1', 's:meta/activeRole'], ['d:parameters/P1']];
  const missing: string[][] = [];
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v', PromptText: 'p' } },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'R1' } },
      { Url: 'Parameters/P1', Method: 'DELETE' },
    ],
    onResult: () => {
      missing.push((expected[missing.length] ?? []).filter((write) => !acknowledged.has(write)));
    },
  });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['201', '201', '201', '204'],
  );
  assert.equal(missing, [[], [], [], []]);
});

it('a streamed batch waits for Redis once per turn, not once per sub-request, and streams every result after its writes', async () => {
  // One turn for the whole batch: every result is held until one wait covers all their writes.
  const { call, client } = redisEngine({ yieldIntervalMs: 60_000 });
  let scripts = 0;
  let answered = 0;
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      scripts++;
      const reply = await original(...args);
      answered++;
      return reply;
    };
  }
  /** Streams a batch that creates a session and adds `roles` roles; the scripts it ran, and when each result was streamed. */
  async function streamed(roles: number): Promise<{ scripts: number; streamedAfter: number[] }> {
    scripts = 0;
    answered = 0;
    const body: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
    for (let k = 0; k < roles; k++) body.push({ Url: 'Roles', Method: 'POST', Payload: { Id: `R${k}` } });
    const streamedAfter: number[] = [];
    const res = await call({
      url: '/rest/batch',
      body,
      onResult: () => {
        streamedAfter.push(answered);
      },
    });
    assert.equal(
      items(res).map((i) => i.ReturnCode),
      body.map(() => '201'),
    );
    return { scripts, streamedAfter };
  }
  const one = await streamed(1);
  const forty = await streamed(40);
  // The 40 writes travel in one script, as the single one does (the old executor sent one per result).
  assert.is(forty.scripts, one.scripts);
  // Nothing was streamed before every script was answered.
  assert.equal(
    forty.streamedAfter,
    forty.streamedAfter.map(() => forty.scripts),
  );
});

it('entries keep their insertion order across batches: a re-added key moves to the end, after the keys of earlier batches', async () => {
  const { call } = redisEngine();
  const post = (Id: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, DataType: 'String', Value: 'v', PromptText: 'p' } });
  const created = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, post('P1'), post('P2'), post('P3')] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  const changed = await call({
    url: `/rest/batch?sid=${sid}`,
    body: [{ Url: 'Parameters/P1', Method: 'DELETE' }, post('P1'), post('P4')],
  });
  assert.equal(
    items(changed).map((i) => i.ReturnCode),
    ['204', '201', '201'],
  );
  const listed = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
  assert.equal(
    (listed.body as Array<{ Id: string }>).map((p) => p.Id),
    ['P2', 'P3', 'P1', 'P4'],
  );
});

it('writes gathered while a script is in flight leave together: a batch adding 1200 roles (2400 writes) costs two scripts, not one per 512 writes', async () => {
  // One turn for the whole batch: the first script's answer is read only when the batch waits at its end.
  const { call, client } = redisEngine({ yieldIntervalMs: 60_000 });
  let scripts = 0;
  for (const name of ['evalsha', 'eval'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      scripts++;
      return original(...args);
    };
  }
  /** Runs a batch that creates a session and adds `roles` roles; the scripts it ran. */
  async function scriptsOf(roles: number): Promise<number> {
    scripts = 0;
    const body: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
    for (let k = 0; k < roles; k++) body.push({ Url: 'Roles', Method: 'POST', Payload: { Id: `R${k}` } });
    const res = await call({ url: '/rest/batch', body });
    assert.equal(
      items(res).map((i) => i.ReturnCode),
      body.map(() => '201'),
    );
    return scripts;
  }
  const one = await scriptsOf(1);
  // The first 512 writes leave at once; the other 1888 gather while that script is in flight.
  assert.is(await scriptsOf(1200), one + 1);
});

it('an entry written several times in one script reaches Redis once, and one added then deleted costs no write', async () => {
  // One turn for the whole batch: its writes leave in one script however slow the machine is.
  const { call, client } = redisEngine({ yieldIntervalMs: 60_000 });
  const post = (Id: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, DataType: 'String', Value: 'v', PromptText: 'p' } });
  const patch = (Id: string, Value: string) => ({ Url: `Parameters/${Id}`, Method: 'PATCH', Payload: { Value } });
  const created = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, post('Kept')] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  /** How many times Redis ran `command` since the last reset (scripts' own calls included). */
  const calls = async (command: string) =>
    Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await client.info('commandstats'))?.[1] ?? 0);
  await client.config('RESETSTAT');
  const res = await call({
    url: `/rest/batch?sid=${sid}`,
    body: [post('Temp'), patch('Temp', 'w'), { Url: 'Parameters/Temp', Method: 'DELETE' }, patch('Kept', 'a'), patch('Kept', 'b')],
  });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['201', '204', '204', '204', '204'],
  );
  // One HSET of the collection (Kept's last value) and one of the session's counter; Temp never lands.
  assert.is(await calls('hset'), 2);
  assert.is(await calls('hdel'), 0);
  const listed = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
  assert.equal(
    (listed.body as Array<{ Id: string; Value: string }>).map((p) => [p.Id, p.Value]),
    [['Kept', 'b']],
  );
  // The order counter moved past Temp as before: an entry added next sorts after Kept.
  await call({ url: `/rest/batch?sid=${sid}`, body: [post('Next')] });
  const after = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
  assert.equal(
    (after.body as Array<{ Id: string }>).map((p) => p.Id),
    ['Kept', 'Next'],
  );
});

it('a PATCH of an entry the same script wrote sends no guard; a PATCH of an entry read from Redis keeps its guard', async () => {
  // One turn for the whole batch: its writes leave in one script however slow the machine is.
  const { call, client } = redisEngine({ yieldIntervalMs: 60_000 });
  const post = (Id: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, DataType: 'String', Value: 'v', PromptText: 'p' } });
  const created = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }, post('Old')] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  // The ops of every APPLY script, as sent.
  const sent: ApplyOp[] = [];
  onEvalsha(client, (args) => sent.push(...(applyOps(args) ?? [])));
  const res = await call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      post('New'),
      { Url: 'Parameters/New', Method: 'PATCH', Payload: { Value: 'w' } },
      { Url: 'Parameters/Old', Method: 'PATCH', Payload: { Value: 'x' } },
    ],
  });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    ['201', '204', '204'],
  );
  // New's add and PATCH travel as one run (an add then a set): no guard between them.
  assert.equal(
    sent.map(({ op, key, first, writes }) => (op === 'r' ? `r ${key} (${first}, ${writes})` : `${op} ${key}`)),
    ['r New (a, 2)', 'e Old', 's Old'],
  );
  const listed = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
  assert.equal(
    (listed.body as Array<{ Id: string; Value: string }>).map((p) => [p.Id, p.Value]),
    [
      ['Old', 'x'],
      ['New', 'w'],
    ],
  );
});

it('a compare-and-set on an entry an earlier script of the batch wrote guards it with the text that script stored, key order and escapes included', async () => {
  const prefix = `u${++prefixes}:`;
  const s = new RedisSessionStore({ url: server().url, keyPrefix: prefix });
  closing(() => s.close());
  const id = await s.create({}, { ttlMs: 60_000 });
  const unit = s.unitOfWork(id, true);
  const value = { z: 1, a: ['é', '"q"', 1.5e21], n: null };
  unit.index = 0;
  await unit.add('parameters', 'P', value);
  // Sent and answered: the next script carries a guard on P.
  await unit.flush();
  unit.index = 1;
  const current = await unit.get('parameters', 'P');
  await unit.compareAndSet?.('parameters', 'P', current, { ...value, z: 2 }, 'conflict');
  await unit.flush();
  assert.is(unit.takeFailures(), undefined);
  assert.equal(await s.get(id, 'parameters', 'P'), { ...value, z: 2 });
});

it('a delete skipped because another node changed the entry skips only itself: the write after it, to the same entry, still lands', async () => {
  const prefix = `u${++prefixes}:`;
  const [s, other] = [
    new RedisSessionStore({ url: server().url, keyPrefix: prefix }),
    new RedisSessionStore({ url: server().url, keyPrefix: prefix }),
  ];
  closing(() => s.close());
  closing(() => other.close());
  const id = await s.create({}, { ttlMs: 60_000 });
  await s.set(id, 'meta', 'activeRole', 'R1');
  const unit = s.unitOfWork(id, false);
  unit.index = 0;
  assert.is(await unit.get('meta', 'activeRole'), 'R1');
  // Another node changes the entry after this batch read it.
  await other.set(id, 'meta', 'activeRole', 'R2');
  // A deleteIf (guard 'i', then the delete), then a write of the same entry: the guard skips the delete alone.
  await unit.compareAndSet?.('meta', 'activeRole', 'R1', undefined, 'skip');
  unit.index = 1;
  await unit.set('meta', 'activeRole', 'R3');
  await unit.flush();
  assert.is(unit.takeFailures(), undefined);
  assert.is(await s.get(id, 'meta', 'activeRole'), 'R3');
});

it('keys and values with quotes, backslashes, control characters, non-ASCII text and a lone surrogate survive the trip to Redis', async () => {
  const { call } = redisEngine();
  const ids = ['k"q\\b', 'é😀', 'tab\there', 'nul\u0000', '\\u00e9 text'];
  const value = 'v"\\\n\ud800 😀 \u0001';
  const body: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (const Id of ids)
    body.push({ Url: 'Parameters', Method: 'POST', Payload: { Id, DataType: 'String', Value: value, PromptText: 'p' } });
  const created = await call({ url: '/rest/batch', body });
  assert.equal(
    items(created).map((i) => i.ReturnCode),
    body.map(() => '201'),
  );
  const sid = items(created)[0]!.ResponseContent.Id as string;
  // A fresh read: the entries as Redis holds them, in their order.
  const listed = await call({ method: 'GET', url: `/rest/Parameters?sid=${sid}` });
  assert.equal(
    (listed.body as Array<{ Id: string; Value: string }>).map((p) => [p.Id, p.Value]),
    ids.map((id) => [id, value]),
  );
});

it('a streamed batch whose connection is lost streams 503 for the affected sub-requests, never 2xx', async () => {
  const { call, client } = redisEngine();
  hooks.cut = () => client.disconnect(true);
  const streamed: string[] = [];
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Cut', Method: 'POST' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } },
      { Url: 'Roles/R', Method: 'GET' },
    ],
    onResult: (item) => {
      streamed.push((item as Item).ReturnCode);
    },
  });
  // Sub-requests of one turn are settled together: the session's first buffered write may share the failed script.
  assert.ok(['201', '503'].includes(streamed[0] as string));
  assert.equal(streamed.slice(1), ['204', '503', '503']);
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    streamed,
  );
  hooks.cut = undefined;
});

it('four batches on two nodes racing to add the same key: exactly one 201, the others 409 CONFLICT, and the winner is stored', async () => {
  const prefix = `u${++prefixes}:`;
  const a = redisEngine({ prefix });
  const b = redisEngine({ prefix });
  const created = await a.call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  let arrived = 0;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => {
    release = resolve;
  });
  hooks.barrier = () => {
    if (++arrived === 4) release();
    return allRead;
  };
  const racers = [a, b, a, b].map((node, n) =>
    node.call({
      url: `/rest/batch?sid=${sid}`,
      body: [
        { Url: 'Race', Method: 'POST', Payload: { Id: 'X', Value: `v${n}` } },
        { Url: 'Parameters/X', Method: 'PATCH', Payload: { PromptText: `by ${n}` } },
      ],
    }),
  );
  const answers = (await Promise.all(racers)).map((res) => items(res));
  hooks.barrier = undefined;
  const winners = answers.filter((list) => list[0]!.ReturnCode === '201');
  assert.is(winners.length, 1);
  for (const list of answers) {
    if (list === winners[0]) {
      assert.is(list[1]!.ReturnCode, '204');
      continue;
    }
    assert.equal(
      list.map((i) => i.ReturnCode),
      ['409', '409'],
    );
    assert.is(list[0]!.ResponseContent.code, 'CONFLICT');
  }
  const n = answers.indexOf(winners[0]!);
  const read = await b.call({ method: 'GET', url: `/rest/Parameters/X?sid=${sid}` });
  assert.is((read.body as { Value: string }).Value, `v${n}`);
  assert.is((read.body as { PromptText: string }).PromptText, `by ${n}`);
});

it('an atomic batch whose add is refused at the store rolls back its earlier writes and leaves no partial state', async () => {
  const prefix = `u${++prefixes}:`;
  const plain = redisEngine({ prefix });
  const atomic = redisEngine({ prefix, atomic: true });
  const created = await plain.call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = items(created)[0]!.ResponseContent.Id as string;
  const snapshot = async () => ({
    roles: (await plain.store.list(sid, 'roles')).sort(),
    meta: await plain.store.list(sid, 'meta'),
    parameters: await plain.store.list(sid, 'parameters'),
  });
  const before = await snapshot();
  // The atomic batch reads the parameters, then waits while the plain batch adds X: its own add of
  // X passes its view of the session but is refused by Redis.
  let signalRead: () => void = () => undefined;
  const read = new Promise<void>((resolve) => {
    signalRead = resolve;
  });
  let signalWon: () => void = () => undefined;
  const won = new Promise<void>((resolve) => {
    signalWon = resolve;
  });
  hooks.barrier = (value) => {
    if (value !== 'atomic') return Promise.resolve();
    signalRead();
    return won;
  };
  const loser = atomic.call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Admin' } },
      { Url: 'Parameters/MyParameter', Method: 'PATCH', Payload: { Value: 'changed' } },
      { Url: 'Roles/MyRole', Method: 'DELETE' },
      { Url: 'Race', Method: 'POST', Payload: { Id: 'X', Value: 'atomic' } },
    ],
  });
  await read;
  const winner = await plain.call({
    url: `/rest/batch?sid=${sid}`,
    body: [{ Url: 'Race', Method: 'POST', Payload: { Id: 'X', Value: 'plain' } }],
  });
  signalWon();
  const lost = await loser;
  hooks.barrier = undefined;
  assert.equal(
    items(winner).map((i) => i.ReturnCode),
    ['201'],
  );
  assert.equal(
    items(lost).map((i) => i.ReturnCode),
    ['424', '424', '424', '409'],
  );
  assert.is(items(lost)[3]!.ResponseContent.code, 'CONFLICT');
  const after = await snapshot();
  assert.equal(after, { ...before, parameters: [...before.parameters, ['X', { Id: 'X', Value: 'plain' }]] });
});

/** Two stores (two nodes) on one fresh prefix, closed after the test. */
function twoNodes(extra: { maxSessionBytes?: number } = {}): [RedisSessionStore, RedisSessionStore] {
  const prefix = `u${++prefixes}:`;
  const made = [0, 1].map(() => new RedisSessionStore({ url: server().url, keyPrefix: prefix, ...extra }));
  for (const store of made) closing(() => store.close());
  return made as [RedisSessionStore, RedisSessionStore];
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}

it('applied(index): a sub-request counts once Redis confirmed one of its writes; a partial answer counts the writes before the one it stopped at, never a guard, a refused write, one after it, or an undo step', async () => {
  const [s, other] = twoNodes({ maxSessionBytes: 5000 });
  const id = await s.create({}, { ttlMs: 60_000 });
  await s.set(id, 'c', 'big', 'x'.repeat(2000));
  // A script stopped by the session cap (status 2) at the third write.
  const capped = s.unitOfWork(id, false);
  capped.index = 0;
  await capped.set('c', 'z', 1);
  capped.index = 1;
  await capped.add('c', 'b', 'x'.repeat(2000));
  capped.index = 2;
  await capped.add('c', 'd', 'x'.repeat(2000));
  capped.index = 3;
  await capped.set('c', 'e', 1);
  await capped.flush();
  assert.equal([...(capped.takeFailures()?.keys() ?? [])], [2, 3]);
  assert.equal(
    [0, 1, 2, 3].map((i) => capped.applied?.(i)),
    [true, true, false, false],
  );
  // A compare-and-set whose guard passes and whose write is refused for the cap: the guard alone changed nothing.
  const guarded = s.unitOfWork(id, false);
  guarded.index = 0;
  await guarded.compareAndSet?.('c', 'big', 'x'.repeat(2000), 'y'.repeat(4000), 'conflict');
  await guarded.flush();
  assert.is(codeOf(guarded.takeFailures()?.get(0)), 'SESSION_FULL');
  assert.is(guarded.applied?.(0), false);
  // A script stopped by an add another node made first (status 0), then an undo step of its own.
  const raced = s.unitOfWork(id, false);
  raced.index = 0;
  assert.is(await raced.get('c', 'k'), undefined);
  await other.set(id, 'c', 'k', 'theirs');
  await raced.set('c', 'z', 2);
  raced.index = 1;
  await raced.add('c', 'k', 'ours');
  await raced.flush();
  assert.is(codeOf(raced.takeFailures()?.get(1)), 'CONFLICT');
  raced.index = 2;
  await raced.compareAndSet?.('c', 'z', 2, 1, 'skip', { undo: true });
  await raced.flush();
  assert.is(raced.takeFailures(), undefined);
  assert.equal(
    [0, 1, 2].map((i) => raced.applied?.(i)),
    [true, false, false],
  );
  assert.is(await s.get(id, 'c', 'z'), 1, 'the undo step landed');
});

it('a session destroyed by another node mid-batch: the first read of a collection, and every read and write after an APPLY found it gone, answer SESSION_NOT_FOUND; nothing of it counts as applied', async () => {
  const [s, other] = twoNodes();
  const id = await s.create({}, { ttlMs: 60_000 });
  await s.set(id, 'roles', 'R', 'r');
  await s.set(id, 'parameters', 'P', 'p');
  const read = async (reading: Promise<unknown>) => reading.then(() => 'read', codeOf);
  // The first read of a collection after the destroy.
  const loaded = s.unitOfWork(id, false);
  loaded.index = 0;
  assert.is(await loaded.get('roles', 'R'), 'r');
  await other.destroy(id);
  assert.is(await read(loaded.list('parameters')), 'SESSION_NOT_FOUND');
  // From then on the copy is dead: a collection loaded before answers so too.
  assert.is(await read(loaded.get('roles', 'R')), 'SESSION_NOT_FOUND');
  assert.is(await read(loaded.set('roles', 'R', 'again')), 'SESSION_NOT_FOUND');
  // A read of a collection loaded before answers from the copy (no round trip), and is reported
  // failed once Redis says the session is gone: here by the APPLY of a write after it.
  const again = await s.create({}, { ttlMs: 60_000 });
  const alive = s.unitOfWork(again, false);
  alive.index = 0;
  assert.equal(await alive.list('roles'), []);
  assert.equal(await alive.list('parameters'), []);
  await other.destroy(again);
  assert.equal(await alive.list('roles'), [], 'a read from the copy, before any sign that the session is gone');
  alive.index = 1;
  await alive.set('roles', 'R', 'r');
  await alive.flush();
  const failures = alive.takeFailures();
  assert.equal([...(failures?.keys() ?? [])], [0, 1]);
  assert.is(codeOf(failures?.get(0)), 'SESSION_NOT_FOUND');
  assert.is(codeOf(failures?.get(1)), 'SESSION_NOT_FOUND');
  alive.index = 2;
  assert.is(await read(alive.list('parameters')), 'SESSION_NOT_FOUND');
  assert.is(await read(alive.get('roles', 'R')), 'SESSION_NOT_FOUND');
  assert.is(await read(alive.add('roles', 'Q', 'q')), 'SESSION_NOT_FOUND');
  assert.is(alive.applied?.(1), false);
  // An undo step into the gone session is done, and sends nothing.
  const undo = await alive.compareAndSet?.('roles', 'R', 'r', undefined, 'skip', { undo: true });
  assert.is(undo?.failed, true);
});

it('reads answered from the copy cost no round trip each: a flush after them sends one EXISTS (none when a script went out after them), and reports them SESSION_NOT_FOUND when another node destroyed the session', async () => {
  const prefix = `u${++prefixes}:`;
  const client = new Redis(server().url, failFastOptions(1000));
  client.on('error', () => undefined);
  closing(() => client.disconnect());
  const sent = { evalsha: 0, exists: 0 };
  for (const name of ['evalsha', 'exists'] as const) {
    const original = (client[name] as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      sent[name]++;
      return original(...args);
    };
  }
  const s = new RedisSessionStore({ client, keyPrefix: prefix });
  const other = new RedisSessionStore({ url: server().url, keyPrefix: prefix });
  closing(() => other.close());
  const id = await s.create({}, { ttlMs: 60_000 });
  await s.set(id, 'roles', 'R', 'r');
  const unit = s.unitOfWork(id, false);
  const counted = () => ({ ...sent });
  sent.evalsha = 0;
  unit.index = 0;
  assert.is(await unit.get('roles', 'R'), 'r');
  assert.equal(counted(), { evalsha: 1, exists: 0 }, 'the first read loads the collection');
  unit.index = 1;
  for (let i = 0; i < 100; i++) assert.is(await unit.get('roles', 'R'), 'r');
  assert.equal(await unit.list('roles'), [['R', 'r']]);
  assert.equal(counted(), { evalsha: 1, exists: 0 }, 'reads from the copy: no round trip');
  await unit.flush();
  assert.equal(counted(), { evalsha: 1, exists: 1 }, 'one EXISTS for all of them');
  assert.is(unit.takeFailures(), undefined);
  await unit.flush();
  assert.equal(counted(), { evalsha: 1, exists: 1 }, 'nothing read since: nothing sent');
  unit.index = 2;
  assert.is(await unit.get('roles', 'R'), 'r');
  await unit.set('roles', 'S', 's');
  await unit.flush();
  assert.equal(counted(), { evalsha: 2, exists: 1 }, 'the APPLY found the session after the read: no EXISTS');
  assert.is(unit.takeFailures(), undefined);
  // Another node destroys the session. A read before the destroy, with no round trip between, is
  // reported too: nothing tells the two apart without a round trip per read.
  unit.index = 3;
  assert.is(await unit.get('roles', 'S'), 's');
  assert.is(await other.destroy(id), true);
  unit.index = 4;
  assert.is(await unit.get('roles', 'S'), 's', 'answered from the copy');
  assert.is(await unit.get('roles', 'Nobody'), undefined, 'answered from the copy');
  await unit.flush();
  assert.equal(counted(), { evalsha: 2, exists: 2 });
  const failures = unit.takeFailures();
  assert.equal([...(failures?.keys() ?? [])], [3, 4]);
  for (const error of failures?.values() ?? []) assert.is(codeOf(error), 'SESSION_NOT_FOUND');
  // From then on every read and write answers so at once, and nothing more is sent.
  unit.index = 5;
  assert.is(await unit.get('roles', 'S').then(() => 'read', codeOf), 'SESSION_NOT_FOUND');
  assert.is(await unit.add('roles', 'T', 't').then(() => 'written', codeOf), 'SESSION_NOT_FOUND');
  await unit.flush();
  assert.equal(counted(), { evalsha: 2, exists: 2 });
  assert.is(unit.takeFailures(), undefined);
});

it('flush(reach), before a sub-request that reads earlier results, confirms only the reads of sub-requests up to reach: an EXISTS only when one of those is unconfirmed', async () => {
  const prefix = `u${++prefixes}:`;
  const client = new Redis(server().url, failFastOptions(1000));
  client.on('error', () => undefined);
  closing(() => client.disconnect());
  const exists = countExists(client);
  const s = new RedisSessionStore({ client, keyPrefix: prefix });
  const id = await s.create({}, { ttlMs: 60_000 });
  const unit = s.unitOfWork(id, false);
  unit.index = 0;
  assert.equal(await unit.list('roles'), []);
  unit.index = 1;
  assert.equal(await unit.list('roles'), []);
  await unit.flush(0);
  assert.is(exists.count, 0, 'the read of sub-request 1 is not read by what follows');
  await unit.flush(1);
  assert.is(exists.count, 1);
  unit.index = 2;
  assert.equal(await unit.list('roles'), []);
  await unit.flush(1);
  assert.is(exists.count, 1);
  await unit.flush();
  assert.is(exists.count, 2);
  assert.is(unit.takeFailures(), undefined);
});

it('a batch whose sub-requests reference earlier results sends no EXISTS for reads its references do not name: the bench mix with references, one at its end', async () => {
  const { call, client } = redisEngine();
  const exists = countExists(client);
  const body: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let k = 0; k < 40; k++) {
    const post = body.length;
    body.push(
      { Url: 'Parameters', Method: 'POST', Payload: { Id: `P${k}`, DataType: 'String', Value: 'v', PromptText: 'p' } },
      { Url: `Parameters/\${${post}/body/Id}`, Method: 'PATCH', Payload: { Value: 'w' } },
      { Url: `Parameters/\${${post}/body/Id}`, Method: 'GET' },
      { Url: `Parameters/\${${post}/body/Id}`, Method: 'DELETE' },
    );
  }
  body.push({ Url: 'Parameters/${1/body/Id}', Method: 'GET' });
  const res = await call({ url: '/rest/batch', body });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    [...body.slice(0, -1).map((_, i) => (i === 0 ? '201' : ['201', '204', '200', '204'][(i - 1) % 4])), '404'],
  );
  assert.is(exists.count, 1);
});

it('under the stop policy, the wait after each sub-request covers its writes only: a read-only stop batch sends one EXISTS, at its end, not one per read', async () => {
  const { call, client } = redisEngine();
  const exists = countExists(client);
  const body: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let k = 0; k < 40; k++) body.push({ Url: 'Roles/MyRole', Method: 'GET' });
  const res = await call({ url: '/rest/batch?onFail=stop', body });
  assert.equal(
    items(res).map((i) => i.ReturnCode),
    body.map((_, i) => (i === 0 ? '201' : '200')),
  );
  assert.is(exists.count, 1);
});

it('a batch that created its session reads its collections without loading them, and such reads wait for Redis too: a destroy meanwhile answers 401', async () => {
  const [s, other] = twoNodes();
  const id = await s.create({}, { ttlMs: 60_000 });
  const unit = s.unitOfWork(id, true);
  unit.index = 0;
  assert.equal(await unit.list('parameters'), []);
  await unit.flush();
  assert.is(unit.takeFailures(), undefined);
  unit.index = 1;
  await other.destroy(id);
  assert.is(await unit.get('parameters', 'P'), undefined, 'answered from the copy');
  await unit.flush();
  assert.is(codeOf(unit.takeFailures()?.get(1)), 'SESSION_NOT_FOUND');
});

it('a check Redis does not answer leaves the reads as they were answered (the copy is what Redis held a moment before), even once Redis later says the session is gone', async () => {
  const { store, client, prefix } = redisEngine();
  const id = await store.create({}, { ttlMs: 60_000 });
  await store.set(id, 'roles', 'R', 'r');
  const unit = store.unitOfWork(id, false);
  unit.index = 0;
  assert.is(await unit.get('roles', 'R'), 'r');
  unit.index = 1;
  assert.is(await unit.get('roles', 'R'), 'r');
  const checks: string[] = [];
  const exists = (client.exists as (...args: unknown[]) => Promise<number>).bind(client);
  (client as unknown as Record<string, unknown>).exists = (...args: unknown[]) =>
    exists(...args).then(
      (reply) => {
        checks.push(`answered ${reply}`);
        return reply;
      },
      (error: unknown) => {
        checks.push('failed');
        throw error;
      },
    );
  // Cut: the client reconnects by itself, and fails commands at once meanwhile (no offline queue).
  const reconnected = new Promise((resolve) => client.once('ready', resolve));
  client.disconnect(true);
  await unit.flush();
  assert.equal(checks, ['failed']);
  assert.is(unit.takeFailures(), undefined);
  // Redis answers again, and the session is gone: only what came after is reported so.
  await reconnected;
  const other = new RedisSessionStore({ url: server().url, keyPrefix: prefix });
  closing(() => other.close());
  assert.is(await other.destroy(id), true);
  unit.index = 2;
  await unit.set('roles', 'S', 's');
  await unit.flush();
  const failures = unit.takeFailures();
  assert.equal([...(failures?.keys() ?? [])], [2]);
  assert.is(codeOf(failures?.get(2)), 'SESSION_NOT_FOUND');
});

test.run();
