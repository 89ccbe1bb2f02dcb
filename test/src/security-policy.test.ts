import { type AuthorizeCall, type AuthRequest, MemoryRateLimiter, RestBatchError } from '@restbatch/core';
import { createDirectCaller, type DirectResponse } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { securityEngine } from './support/security-api.js';

interface Item {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

const CONTINUE = { prefer: 'odata.continue-on-error' };

function items(res: DirectResponse): Item[] {
  return (res.body as { responses: Item[] }).responses;
}

function batchOf(...urls: string[]): { requests: Array<{ id: string; method: string; url: string }> } {
  return {
    requests: urls.map((url, i) => ({
      id: String(i),
      method: url.startsWith('DELETE ') ? 'DELETE' : 'GET',
      url: url.replace(/^DELETE /, ''),
    })),
  };
}

/** Bearer tokens name the user; `admin` may read Secrets, nobody else. */
function authenticate(req: AuthRequest): unknown {
  const match = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '');
  if (match === null) throw new RestBatchError('UNAUTHORIZED', 'A bearer token is required');
  return { user: match[1] };
}

function authorize(identity: unknown, call: AuthorizeCall): void {
  if (call.resource === 'Secrets' && (identity as { user: string }).user !== 'admin') {
    throw new RestBatchError('FORBIDDEN', `${call.resource} is for admins only`);
  }
}

test('authentication runs once per outer request and its identity reaches every handler', async () => {
  let calls = 0;
  const { engine } = securityEngine({
    authenticate: (req) => {
      calls++;
      return authenticate(req);
    },
  });
  const call = createDirectCaller(engine);
  const res = await call({
    url: '/api/$batch',
    headers: { authorization: 'Bearer alice' },
    body: batchOf('/Echo/1', '/Echo/2', '/Echo/3'),
  });
  assert.is(res.status, 200);
  assert.is(calls, 1);
  for (const item of items(res)) assert.equal(item.body.identity, { user: 'alice' });
  const alone = await call({ method: 'GET', url: '/api/Echo/4', headers: { authorization: 'Bearer alice' } });
  assert.equal((alone.body as { identity: unknown }).identity, { user: 'alice' });
  assert.is(calls, 2);
});

test('a refused authentication rejects the whole batch with 401 before anything runs', async () => {
  let ran = 0;
  const { engine } = securityEngine({ authenticate, authorize: () => void ran++ });
  const res = await createDirectCaller(engine)({ url: '/api/$batch', body: batchOf('/Echo/1', '/Echo/2') });
  assert.is(res.status, 401);
  assert.is((res.body as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  assert.is(ran, 0);
  const alone = await createDirectCaller(engine)({ method: 'GET', url: '/api/Echo/1' });
  assert.is(alone.status, 401);
});

test('an authentication hook that crashes answers 500 with a correlation id and logs the real error', async () => {
  const { engine, logged } = securityEngine({
    authenticate: () => {
      throw new Error('token service at 10.0.0.7 refused');
    },
  });
  const res = await createDirectCaller(engine)({ url: '/api/$batch', body: batchOf('/Echo/1') });
  assert.is(res.status, 500);
  const error = (res.body as { error: { code: string; message: string; innererror: { correlationId: string } } }).error;
  assert.is(error.code, 'INTERNAL');
  assert.not.match(JSON.stringify(res.body), /10\.0\.0\.7/);
  assert.is(logged.length, 1);
  assert.is(logged[0]!.correlationId, error.innererror.correlationId);
  assert.match(String((logged[0]!.err as { message: string }).message), /10\.0\.0\.7/);
});

test('authorisation is asked for every sub-request with the same call as when it is made alone', async () => {
  const seen: AuthorizeCall[] = [];
  const { engine } = securityEngine({
    authenticate,
    authorize: (_identity, call) => {
      seen.push(call);
    },
  });
  const call = createDirectCaller(engine);
  await call({
    url: '/api/$batch',
    headers: { authorization: 'Bearer bob', ...CONTINUE },
    body: batchOf('/Files/a?x=1', '/Files/b', '/Echo/c'),
  });
  await call({ method: 'GET', url: '/api/Files/a?x=1', headers: { authorization: 'Bearer bob' } });
  assert.is(seen.length, 4);
  assert.equal(
    seen.map((c) => [c.method, c.path, c.resource, c.pattern, c.inBatch, c.index]),
    [
      ['GET', '/Files/a', 'Files', '/Files/:name', true, 0],
      ['GET', '/Files/b', 'Files', '/Files/:name', true, 1],
      ['GET', '/Echo/c', 'Echo', '/Echo/:id', true, 2],
      ['GET', '/Files/a', 'Files', '/Files/:name', false, -1],
    ],
  );
  assert.equal({ ...seen[0]!.params }, { ...seen[3]!.params });
  assert.equal({ ...seen[0]!.query }, { x: '1' });
});

test('a forbidden sub-request gets 403 in its own slot and the others run', async () => {
  const { engine } = securityEngine({ authenticate, authorize });
  const call = createDirectCaller(engine);
  const res = await call({
    url: '/api/$batch',
    headers: { authorization: 'Bearer bob', ...CONTINUE },
    body: batchOf('/Echo/1', '/Secrets', '/Echo/2'),
  });
  assert.equal(
    items(res).map((i) => i.status),
    [200, 403, 200],
  );
  assert.is(items(res)[1]!.body.error?.code, 'FORBIDDEN');
  const alone = await call({ method: 'GET', url: '/api/Secrets', headers: { authorization: 'Bearer bob' } });
  assert.is(alone.status, 403);
  const admin = await call({ url: '/api/$batch', headers: { authorization: 'Bearer admin' }, body: batchOf('/Secrets') });
  assert.equal(
    items(admin).map((i) => i.status),
    [200],
  );
});

test('an authorisation hook that returns false refuses the call with 403 FORBIDDEN', async () => {
  const { engine } = securityEngine({ authorize: (_identity, call) => call.resource !== 'Files' });
  const call = createDirectCaller(engine);
  const res = await call({ url: '/api/$batch', headers: CONTINUE, body: batchOf('/Files/a', '/Echo/1') });
  assert.equal(
    items(res).map((i) => [i.status, i.body.error?.code]),
    [
      [403, 'FORBIDDEN'],
      [200, undefined],
    ],
  );
});

test('a sub-request cannot replace the caller identity with its own Authorization header', async () => {
  const { engine } = securityEngine({ authenticate, authorize });
  const res = await createDirectCaller(engine)({
    url: '/api/$batch',
    headers: { authorization: 'Bearer bob', ...CONTINUE },
    body: {
      requests: [
        { id: '1', method: 'GET', url: '/Secrets', headers: { Authorization: 'Bearer admin' } },
        { id: '2', method: 'GET', url: '/Echo/1' },
      ],
    },
  });
  assert.equal(
    items(res).map((i) => [i.status, i.body.error?.code]),
    [
      [400, 'INVALID_HEADER'],
      [200, undefined],
    ],
  );
  assert.equal(items(res)[1]!.body.identity, { user: 'bob' });
});

test('the rate limiter counts sub-requests one by one and answers 429 with Retry-After in the slots over budget', async () => {
  const { engine } = securityEngine({ rateLimit: { limit: 5, windowMs: 60_000 } });
  const call = createDirectCaller(engine);
  const logins = Array.from({ length: 7 }, (_, i) => ({
    id: String(i),
    method: 'POST',
    url: '/Login',
    body: { user: 'root', password: `guess${i}` },
  }));
  const res = await call({ url: '/api/$batch', headers: CONTINUE, body: { requests: logins } });
  assert.is(res.status, 200);
  const statuses = items(res).map((i) => i.status);
  assert.equal(statuses, [201, 201, 201, 201, 201, 429, 429]);
  const limited = items(res)[5]!;
  assert.is(limited.body.error?.code, 'RATE_LIMITED');
  assert.is(limited.headers['retry-after'], '12');
  const alone = await call({ method: 'POST', url: '/api/Login', body: { password: 'x' } });
  assert.is(alone.status, 429);
  assert.is(alone.headers['retry-after'], '12');
});

test('a batch costs exactly its sub-requests: a rejected envelope costs nothing', async () => {
  const { engine } = securityEngine({ rateLimit: { limit: 3 } });
  const call = createDirectCaller(engine);
  const bad = await call({ url: '/api/$batch', body: { requests: 'nope' } });
  assert.is(bad.status, 400);
  const res = await call({ url: '/api/$batch', headers: CONTINUE, body: batchOf('/Echo/1', '/Echo/2', '/Echo/3', '/Echo/4') });
  assert.equal(
    items(res).map((i) => i.status),
    [200, 200, 200, 429],
  );
});

test('budgets are per key: another caller is unaffected and a key of undefined is exempt', async () => {
  const { engine } = securityEngine({
    authenticate,
    rateLimit: {
      limit: 2,
      key: (identity) => ((identity as { user: string }).user === 'ops' ? undefined : (identity as { user: string }).user),
    },
  });
  const call = createDirectCaller(engine);
  const batch = batchOf('/Echo/1', '/Echo/2', '/Echo/3');
  const alice = await call({ url: '/api/$batch', headers: { authorization: 'Bearer alice', ...CONTINUE }, body: batch });
  const bob = await call({ url: '/api/$batch', headers: { authorization: 'Bearer bob', ...CONTINUE }, body: batch });
  const ops = await call({ url: '/api/$batch', headers: { authorization: 'Bearer ops', ...CONTINUE }, body: batch });
  assert.equal(
    items(alice).map((i) => i.status),
    [200, 200, 429],
  );
  assert.equal(
    items(bob).map((i) => i.status),
    [200, 200, 429],
  );
  assert.equal(
    items(ops).map((i) => i.status),
    [200, 200, 200],
  );
});

test('a custom limiter is consulted once per sub-request with a cost of one', async () => {
  const takes: Array<[string, number]> = [];
  const { engine } = securityEngine({
    rateLimit: {
      limiter: {
        take: async (key, cost) => {
          takes.push([key, cost]);
          return { allowed: takes.length !== 2, retryAfterMs: 2500 };
        },
      },
    },
  });
  const res = await createDirectCaller(engine)({ url: '/api/$batch', headers: CONTINUE, body: batchOf('/Echo/1', '/Echo/2', '/Echo/3') });
  assert.equal(takes, [
    ['direct', 1],
    ['direct', 1],
    ['direct', 1],
  ]);
  assert.equal(
    items(res).map((i) => [i.status, i.headers['retry-after']]),
    [
      [200, undefined],
      [429, '3'],
      [200, undefined],
    ],
  );
});

test('the memory limiter refills lazily with the clock and never runs a timer', () => {
  let now = 1000;
  const limiter = new MemoryRateLimiter({ limit: 2, windowMs: 1000, now: () => now });
  assert.equal(limiter.take('k', 1), { allowed: true, retryAfterMs: 0 });
  assert.equal(limiter.take('k', 1), { allowed: true, retryAfterMs: 0 });
  assert.equal(limiter.take('k', 1), { allowed: false, retryAfterMs: 500 });
  now += 499;
  assert.is(limiter.take('k', 1).allowed, false);
  now += 1;
  assert.is(limiter.take('k', 1).allowed, true);
  assert.is(limiter.take('other', 2).allowed, true);
  now += 10_000;
  assert.is(limiter.take('k', 2).allowed, true);
  assert.is(limiter.take('k', 1).allowed, false);
});

test('the memory limiter forgets keys beyond its capacity instead of growing without bound', () => {
  let now = 0;
  const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 1_000_000, maxKeys: 10, now: () => now });
  for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 1);
  now += 1;
  // The most recent keys are still remembered: their budget is spent.
  assert.is(limiter.take('k999', 1).allowed, false);
  // The oldest were forgotten, which can only forgive, never refuse wrongly.
  assert.is(limiter.take('k0', 1).allowed, true);
});

test('a resource marked not batchable answers 403 NOT_BATCHABLE in a batch and works alone', async () => {
  const { engine } = securityEngine();
  const call = createDirectCaller(engine);
  const res = await call({ url: '/api/$batch', headers: CONTINUE, body: batchOf('/Admin', '/Echo/1') });
  assert.equal(
    items(res).map((i) => [i.status, i.body.error?.code]),
    [
      [403, 'NOT_BATCHABLE'],
      [200, undefined],
    ],
  );
  const alone = await call({ method: 'GET', url: '/api/Admin' });
  assert.is(alone.status, 200);
});

test('a route marked not batchable answers 403 NOT_BATCHABLE in a batch while its siblings stay batchable', async () => {
  const { engine } = securityEngine();
  const call = createDirectCaller(engine);
  const res = await call({ url: '/api/$batch', headers: CONTINUE, body: batchOf('DELETE /Files/a', '/Files/a') });
  assert.equal(
    items(res).map((i) => [i.status, i.body.error?.code]),
    [
      [403, 'NOT_BATCHABLE'],
      [200, undefined],
    ],
  );
  const alone = await call({ method: 'DELETE', url: '/api/Files/a' });
  assert.is(alone.status, 204);
});

test('a batch that contains a batch is rejected whole with 400 BATCH_NESTED', async () => {
  let ran = 0;
  const { engine } = securityEngine({ authorize: () => void ran++ });
  const call = createDirectCaller(engine);
  for (const url of ['/$batch', '$batch', '/$batch?x=1']) {
    const res = await call({ url: '/api/$batch', body: batchOf('/Echo/1', url) });
    assert.is(res.status, 400, url);
    assert.is((res.body as { error: { code: string } }).error.code, 'BATCH_NESTED');
  }
  assert.is(ran, 0);
});

test.run();
