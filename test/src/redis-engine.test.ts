import 'reflect-metadata';
import { type ApiOptions, type HandlerContext, Post, Resource, RestBatchError } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { useRedis } from './support/redis-server.js';
import { exagoTestApi } from './support/atomic-exago.js';

const test = suite('engine on the redis session store');
const { it, server, closing } = useRedis(test);
let prefixes = 0;

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> };

/** A fresh engine serving the Exago API on a Redis store with its own key prefix (closed after the test). */
function redisEngine(api?: ApiOptions) {
  const prefix = `e${++prefixes}:`;
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix });
  closing(() => store.close());
  const { engine, call } = exagoEngine({}, { store, ...(api === undefined ? {} : { apis: [api] }) });
  return { engine, call, store, prefix };
}

async function keys(pattern: string): Promise<string[]> {
  const raw = new Redis(server().url);
  try {
    return (await raw.keys(pattern)).sort();
  } finally {
    raw.disconnect();
  }
}

/** Writes to its session, then fails: what an atomic batch must undo. */
@Resource('Boom', { session: 'required' })
class BoomResource {
  @Post('')
  async create(ctx: HandlerContext): Promise<never> {
    await ctx.session!.set('roles', 'Ghost', { Id: 'Ghost' });
    await ctx.session!.set('meta', 'activeRole', 'Ghost');
    await ctx.session!.update({ Page: 'Broken' });
    throw new RestBatchError('CONFLICT', 'boom');
  }
}

function atomicApi(): ApiOptions {
  return exagoTestApi([BoomResource], true);
}

it('the seed batch answers the same on the Redis store as on the memory store', async () => {
  const onRedis = redisEngine();
  const onMemory = exagoEngine();
  const [a, b] = await Promise.all([
    onRedis.call({ url: '/rest/batch', body: SEED_BATCH }),
    onMemory.call({ url: '/rest/batch', body: SEED_BATCH }),
  ]);
  const strip = (items: Item[]) => items.map((i) => ({ ...i, ResponseContent: { ...i.ResponseContent, Id: 0, ApiKey: 0, AppUrl: 0 } }));
  assert.is(a.status, 200);
  assert.equal(strip(a.body as Item[]), strip(b.body as Item[]));
  const sid = (a.body as Item[])[0]!.ResponseContent.Id as string;
  const roles = await onRedis.call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
  assert.equal(roles.body, [{ Id: 'MyRole', IsActive: true }]);
});

it('ordinary calls with a forged, malformed or unknown sid get 401 SESSION_NOT_FOUND and create no session', async () => {
  const { call, prefix } = redisEngine();
  for (const sid of ['*', '..%2F..', 'a'.repeat(32).toUpperCase(), '0123456789abcdef0123456789abcdef']) {
    const roles = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
    assert.is(roles.status, 401, sid);
    assert.is((roles.body as { code: string }).code, 'SESSION_NOT_FOUND');
    const patch = await call({ method: 'PATCH', url: `/rest/Roles/MyRole?sid=${sid}`, body: { IsActive: true } });
    assert.is(patch.status, 401, sid);
    assert.is((patch.body as { code: string }).code, 'SESSION_NOT_FOUND');
  }
  assert.equal(await keys(`${prefix}*`), []);
});

it('an atomic batch that creates a session and then fails leaves no key behind in Redis', async () => {
  const { call, prefix } = redisEngine(atomicApi());
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Admin' } },
      { Url: 'Boom', Method: 'POST' },
    ],
  });
  assert.is(res.status, 200);
  assert.equal(
    (res.body as Item[]).map((i) => i.ReturnCode),
    ['424', '424', '409'],
  );
  assert.equal(await keys(`${prefix}*`), []);
});

it('an atomic batch in an existing session that fails restores its data, roles and parameters in Redis', async () => {
  const { call, store } = redisEngine(atomicApi());
  const created = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (created.body as Item[])[0]!.ResponseContent.Id as string;
  const snapshot = async () => ({
    data: await store.load(sid, 60_000),
    roles: (await store.list(sid, 'roles')).sort(),
    meta: await store.list(sid, 'meta'),
    parameters: await store.list(sid, 'parameters'),
  });
  const before = await snapshot();
  const res = await call({
    url: `/rest/batch?sid=${sid}`,
    body: [
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'Admin' } },
      { Url: 'Parameters/MyParameter', Method: 'PATCH', Payload: { Value: 'changed' } },
      { Url: 'Roles/MyRole', Method: 'DELETE' },
      { Url: 'Boom', Method: 'POST' },
    ],
  });
  assert.equal(
    (res.body as Item[]).map((i) => i.ReturnCode),
    ['424', '424', '424', '409'],
  );
  assert.equal(await snapshot(), before);
});

it('while Redis is down only the sub-requests that need it fail, with 503 STORE_UNAVAILABLE, and service returns with Redis', async () => {
  const { call, engine } = redisEngine();
  const created = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (created.body as Item[])[0]!.ResponseContent.Id as string;
  await server().stop();
  let batch: Awaited<ReturnType<typeof call>>;
  try {
    batch = await call({ url: '/rest/batch', body: SEED_BATCH });
    assert.is(batch.status, 200);
    const first = (batch.body as Item[])[0]!;
    assert.is(first.ReturnCode, '503');
    assert.is(first.ResponseContent.code, 'STORE_UNAVAILABLE');
    for (const item of (batch.body as Item[]).slice(1)) assert.ok(Number(item.ReturnCode) >= 400);
    const read = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
    assert.is(read.status, 503);
    assert.is((read.body as { code: string }).code, 'STORE_UNAVAILABLE');
  } finally {
    await server().start();
  }
  let again = batch;
  for (let attempt = 0; attempt < 50 && (again.body as Item[])[0]!.ReturnCode !== '201'; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    again = await call({ url: '/rest/batch', body: SEED_BATCH });
  }
  assert.equal(
    (again.body as Item[]).map((i) => i.ReturnCode),
    ['201', '204', '201'],
  );
  assert.is(engine.running, 0);
});

test.run();
