import {
  type ApiOptions,
  type Dialect,
  isRestBatchError,
  MemorySessionStore,
  odataDialect,
  type ResourceHandler,
  type SessionStore,
} from '@restbatch/core';
import type { DirectCaller } from '@restbatch/direct';
import { RedisSessionStore } from '@restbatch/redis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
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

/** An answer's status and code. */
function outcome(status: number | string, body: unknown): string {
  return `${status} ${(body as { code?: string } | undefined)?.code ?? ''}`.trim();
}

/** The size the first write refused for the cap would have made the session. */
function firstRefusedSize(bodies: unknown[]): number | undefined {
  for (const body of bodies) {
    const size = (body as { details?: { size?: number } } | undefined)?.details?.size;
    if (size !== undefined) return size;
  }
  return undefined;
}

it('maxSessionBytes counts alike on both stores: CJK values (3 UTF-8 bytes, 1 unit), keys of quotes and control characters', async () => {
  // security.md: the cap counts the UTF-16 code units of the text JSON.stringify would write, keys included.
  const [memory, redis] = await onBoth(async (call) => {
    const made = (await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] })).body as Item[];
    const sid = made[0]!.ResponseContent.Id!;
    const answers: string[] = [];
    const bodies: unknown[] = [];
    const post = async (body: unknown) => {
      const res = await call({ url: `/rest/Parameters?sid=${sid}`, body });
      answers.push(outcome(res.status, res.body));
      bodies.push(res.body);
    };
    // 10 × 60 000 CJK characters: 600 000 units (1.8 MB of UTF-8), under the default 1 MiB cap.
    for (let i = 0; i < 10; i++) await post({ Id: `p${i}`, Value: '中'.repeat(60_000) });
    // Ids of quotes (2 units each in JSON) and control characters (6), values of emoji (2): until refused.
    for (let i = 0; i < 10; i++) await post({ Id: `${i}`.padEnd(256, i % 2 === 0 ? '"' : '\u0001'), Value: '😀'.repeat(30_000) });
    return { answers, size: firstRefusedSize(bodies) };
  });
  assert.equal(redis, memory);
  assert.equal(memory!.answers.slice(0, 10), new Array(10).fill('201'));
  assert.ok(memory!.answers.includes('507 SESSION_FULL') && memory!.answers.slice(10).includes('201'), JSON.stringify(memory));
});

it('the same batches give the same statuses and refused sizes on both stores, near a small cap', async () => {
  const param = (Id: string, Value: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, Value } });
  const batches = [
    // Each write larger than the one before: once one is refused, so is every later one, on both stores.
    [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: 12 }, (_, i) => param(`"${i}\n`, 'é中😀'.repeat(40 * (i + 1))))],
    [{ Url: 'Sessions', Method: 'POST' }, param('\u0002'.repeat(100), 'x'.repeat(2000)), param('a', '\u0003'.repeat(400))],
  ];
  const [memory, redis] = await onBoth(
    async (call) => {
      const answers: Array<{ statuses: string[]; size: number | undefined }> = [];
      for (const body of batches) {
        const items = (await call({ url: '/rest/batch', body })).body as Item[];
        answers.push({
          statuses: items.map((item) => outcome(item.ReturnCode, item.ResponseContent)),
          size: firstRefusedSize(items.map((item) => item.ResponseContent)),
        });
      }
      return answers;
    },
    { maxSessionBytes: 4000 },
  );
  assert.equal(redis, memory);
  assert.equal(memory![0]!.statuses, [...new Array(6).fill('201'), ...new Array(7).fill('507 SESSION_FULL')]);
  assert.equal(memory![1]!.statuses, ['201', '201', '507 SESSION_FULL']);
});

/**
 * `POST Doom` destroys the batch's session behind its back, as a concurrent `DELETE Sessions/{sid}`
 * does. It lets one turn pass first: the batch's earlier writes (sent by a buffering store on the
 * next turn) reach the store before the destroy does.
 */
function doom(store: SessionStore): ResourceHandler {
  return {
    name: 'Doom',
    session: 'required',
    routes: [
      {
        method: 'POST',
        path: '',
        handle: async (ctx) => {
          await new Promise((resolve) => setImmediate(resolve));
          await store.destroy(ctx.session!.id);
          return { destroyed: true };
        },
      },
    ],
  };
}

it('atomic.md: an atomic run whose session was destroyed meanwhile rolls back as ROLLED_BACK on both stores (nothing to put back into a session that is gone)', async () => {
  const body = [
    { Url: 'Roles', Method: 'POST', Payload: { Id: 'X' } },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p' } },
    { Url: 'Doom', Method: 'POST' },
    { Url: 'Roles', Method: 'POST', Payload: { Id: 'Y' } },
  ];
  const answers: string[][] = [];
  for (const [, store] of stores()) {
    const { call, logged } = exagoEngine({}, { store, apis: [exagoTestApi([doom(store)], true)] });
    const made = (await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] })).body as Item[];
    const sid = made[0]!.ResponseContent.Id!;
    const res = (await call({ url: `/rest/batch?sid=${sid}`, body })).body as Item[];
    answers.push(res.map((item) => outcome(item.ReturnCode, item.ResponseContent)));
    assert.equal(logged, [], 'an undo step failed');
  }
  assert.equal(answers[1], answers[0]);
  assert.equal(answers[0], ['424 ROLLED_BACK', '424 ROLLED_BACK', '424 ROLLED_BACK', '401 SESSION_NOT_FOUND']);
});

it('SessionStore: reads, writes and deletes of entries of a forged, unknown or destroyed session reject with SESSION_NOT_FOUND on both stores; load, save and destroy answer as for an absent one', async () => {
  const answers = await Promise.all(
    stores().map(async ([, store]) => {
      const destroyed = await store.create({}, { ttlMs: TTL });
      await store.set(destroyed, 'roles', 'R', 'r');
      await store.destroy(destroyed);
      const results: string[][] = [];
      for (const id of [destroyed, '0123456789abcdef0123456789abcdef', '../forged']) {
        results.push([
          await codeOf(store.get(id, 'roles', 'R')),
          await codeOf(store.get(id, 'roles', '\ud800')),
          await codeOf(store.list(id, 'roles')),
          await codeOf(store.delete(id, 'roles', 'R')),
          await codeOf(store.set(id, 'roles', 'R', 'r')),
          await codeOf(store.load(id, TTL)),
          await codeOf(store.save(id, {})),
          await codeOf(store.destroy(id)),
        ]);
      }
      return results;
    }),
  );
  assert.equal(answers[1], answers[0]);
  const gone = ['SESSION_NOT_FOUND', 'SESSION_NOT_FOUND', 'SESSION_NOT_FOUND', 'SESSION_NOT_FOUND', 'SESSION_NOT_FOUND'];
  assert.equal(answers[0], new Array(3).fill([...gone, 'resolved undefined', 'resolved false', 'resolved false']));
});

it('concepts.md: a batch whose session was destroyed meanwhile answers 401 SESSION_NOT_FOUND on both stores for its first read of a collection, and for every call once the store found the session gone', async () => {
  const bodies = [
    [
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Doom', Method: 'POST' },
      // Not read before the destroy: on Redis, its first load finds the session gone.
      { Url: 'Parameters', Method: 'GET' },
      { Url: 'Parameters/p', Method: 'GET' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Y' } },
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Roles/MyRole', Method: 'GET' },
    ],
    [
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Doom', Method: 'POST' },
      // A write into the collection read before: on Redis, its APPLY finds the session gone.
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Y' } },
      { Url: 'Parameters', Method: 'GET' },
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Roles/MyRole', Method: 'GET' },
    ],
  ];
  for (const body of bodies) {
    const answers: string[][] = [];
    for (const [, store] of stores()) {
      const { call, logged } = exagoEngine({}, { store, apis: [exagoTestApi([doom(store)], false)] });
      const made = (await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] })).body as Item[];
      const sid = made[0]!.ResponseContent.Id!;
      await call({ url: `/rest/Parameters?sid=${sid}`, body: { Id: 'p' } });
      const res = (await call({ url: `/rest/batch?sid=${sid}`, body })).body as Item[];
      answers.push(res.map((item) => outcome(item.ReturnCode, item.ResponseContent)));
      assert.equal(logged, []);
    }
    assert.equal(answers[1], answers[0]);
    assert.equal(answers[0], ['200', '201', ...new Array(body.length - 2).fill('401 SESSION_NOT_FOUND')]);
  }
});

/**
 * `POST Pause` tells the test it got there, then waits until the test lets it go: it holds a batch
 * between two sub-requests while another request runs.
 */
function pause(gate: { reached: () => void; released: Promise<void> }): ResourceHandler {
  return {
    name: 'Pause',
    session: 'required',
    routes: [
      {
        method: 'POST',
        path: '',
        handle: async () => {
          gate.reached();
          await gate.released;
          return { paused: true };
        },
      },
    ],
  };
}

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A batch in `sid` on `a`: it reads Roles and Parameters, then pauses while `b` (another request
 * to the same engine, or another node) sends `DELETE Sessions/{sid}`, then runs `tail`. Its answers.
 */
async function destroyedWhilePaused(
  a: ReturnType<typeof exagoEngine>,
  b: ReturnType<typeof exagoEngine>,
  gate: { reached: Promise<void>; release: () => void },
  tail: unknown[],
  streamed: boolean,
): Promise<string[]> {
  const made = (await a.call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] })).body as Item[];
  const sid = made[0]!.ResponseContent.Id!;
  assert.is((await a.call({ url: `/rest/Parameters?sid=${sid}`, body: { Id: 'p' } })).status, 201);
  const running = a.call({
    url: `/rest/batch?sid=${sid}`,
    body: [{ Url: 'Roles', Method: 'GET' }, { Url: 'Parameters', Method: 'GET' }, { Url: 'Pause', Method: 'POST' }, ...tail],
    onResult: streamed ? () => undefined : undefined,
  });
  await gate.reached;
  assert.is((await b.call({ method: 'DELETE', url: `/rest/Sessions/${sid}` })).status, 204);
  gate.release();
  const res = (await running).body as Item[];
  assert.equal([...a.logged, ...b.logged], []);
  return res.map((item) => outcome(item.ReturnCode, item.ResponseContent));
}

it('concepts.md: a batch holding a copy of a collection answers 401 SESSION_NOT_FOUND, on both stores, for every read after a DELETE Sessions/{sid} another request (on Redis, another node) made meanwhile', async () => {
  // Each sub-request after the pause reads what the batch read before it (the Redis store answers
  // those from its copy): an entry, a list, an entry that is not there, a delete of one that is not.
  const tails: unknown[][] = [
    [{ Url: 'Roles', Method: 'GET' }],
    [{ Url: 'Roles/MyRole', Method: 'GET' }],
    [{ Url: 'Roles/Nobody', Method: 'GET' }],
    [{ Url: 'Parameters/p', Method: 'GET' }],
    [{ Url: 'Parameters/p', Method: 'DELETE' }],
    [{ Url: 'Roles/Nobody', Method: 'DELETE' }],
    [{ Url: 'Roles', Method: 'POST', Payload: { Id: 'MyRole' } }],
    [
      { Url: 'Parameters', Method: 'GET' },
      { Url: 'Roles', Method: 'GET' },
      { Url: 'Roles/MyRole', Method: 'GET' },
    ],
    // A reference to a read from the copy: the read is found failed before the referencing one runs.
    [
      { Url: 'Roles/MyRole', Method: 'GET' },
      { Url: 'Roles/${3/body/Id}', Method: 'GET' },
    ],
  ];
  const prefix = `p${++prefixes}:`;
  for (const mode of ['plain', 'streamed', 'atomic'] as const) {
    for (const tail of tails) {
      const answers: string[][] = [];
      for (const kind of ['memory', 'redis']) {
        const reached = deferred();
        const released = deferred();
        const api = exagoTestApi([pause({ reached: reached.resolve, released: released.promise })], mode === 'atomic');
        const storeOf = () => {
          const redis = new RedisSessionStore({ url: server().url, keyPrefix: prefix, onError: () => undefined });
          closing(() => redis.close());
          return redis;
        };
        // Memory: one engine, the DELETE another request to it. Redis: two engines ("nodes") on one Redis.
        const a = exagoEngine({}, { store: kind === 'memory' ? new MemorySessionStore() : storeOf(), apis: [api] });
        const b = kind === 'memory' ? a : exagoEngine({}, { store: storeOf(), apis: [api] });
        const gate = { reached: reached.promise, release: released.resolve };
        answers.push(await destroyedWhilePaused(a, b, gate, tail, mode === 'streamed'));
      }
      const what = `${mode} ${JSON.stringify(tail)}`;
      assert.equal(answers[1], answers[0], what);
      const referenced = JSON.stringify(tail).includes('${');
      const expected =
        mode === 'atomic'
          ? [...new Array(3).fill('424 ROLLED_BACK'), '401 SESSION_NOT_FOUND', ...new Array(tail.length - 1).fill('424 SKIPPED')]
          : referenced
            ? ['200', '200', '201', '401 SESSION_NOT_FOUND', '424 DEPENDENCY_FAILED']
            : ['200', '200', '201', ...new Array(tail.length).fill('401 SESSION_NOT_FOUND')];
      assert.equal(answers[0], expected, what);
    }
  }
});

it('OData JSON §19.1 dependsOn: a request that depends on a read from the copy of a session destroyed meanwhile is not run (424) on both stores, as that read answers 401', async () => {
  const odata = odataDialect();
  // The Exago API's resources behind an OData batch endpoint that runs in the session its `sid` names.
  const inSession: Dialect = {
    ...odata,
    name: 'odata-in-session',
    decode: (body, context) => ({ ...odata.decode(body, context), session: 'existing' }),
  };
  const prefix = `p${++prefixes}:`;
  const answers: string[][] = [];
  for (const kind of ['memory', 'redis']) {
    const reached = deferred();
    const released = deferred();
    const exago = exagoTestApi([pause({ reached: reached.resolve, released: released.promise })], false);
    const api: ApiOptions = { ...exago, prechecks: [], batch: exago.batch!.map((endpoint) => ({ ...endpoint, dialect: inSession })) };
    const storeOf = () => {
      const redis = new RedisSessionStore({ url: server().url, keyPrefix: prefix, onError: () => undefined });
      closing(() => redis.close());
      return redis;
    };
    const a = exagoEngine({}, { store: kind === 'memory' ? new MemorySessionStore() : storeOf(), apis: [api] });
    const b = kind === 'memory' ? a : exagoEngine({}, { store: storeOf(), apis: [api] });
    const made = await a.call({ method: 'POST', url: '/rest/Sessions', body: {} });
    const sid = (made.body as { Id: string }).Id;
    const running = a.call({
      url: `/rest/batch?sid=${sid}`,
      body: {
        requests: [
          { id: 'roles', method: 'GET', url: 'Roles' },
          { id: 'pause', method: 'POST', url: 'Pause', body: {} },
          { id: 'role', method: 'GET', url: 'Roles/MyRole' },
          { id: 'after', method: 'GET', url: 'Parameters', dependsOn: ['role'] },
        ],
      },
    });
    await reached.promise;
    assert.is((await b.call({ method: 'DELETE', url: `/rest/Sessions/${sid}` })).status, 204);
    released.resolve();
    const { responses } = (await running).body as { responses: Array<{ status: number; body?: { error?: { code?: string } } }> };
    answers.push(responses.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim()));
    assert.equal([...a.logged, ...b.logged], []);
  }
  assert.equal(answers[1], answers[0]);
  assert.equal(answers[0], ['200', '201', '401 SESSION_NOT_FOUND', '424 DEPENDENCY_FAILED']);
});

test.run();
