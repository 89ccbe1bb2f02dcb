import { callerKey, defaultIdentityKey, MemorySessionStore, RestBatchError } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { type HttpAnswer, type SendOptions, serveOverHttp } from './support/records-http.js';

type Item = { ReturnCode: string; ResponseContent: { Id?: string; code?: string } };

/** Callers told apart by a cookie: the identity the authenticate hook returns. */
const byCookie = {
  authenticate: ({ headers }: { headers: Readonly<Record<string, string | string[] | undefined>> }) => {
    const cookie = headers.cookie;
    if (typeof cookie !== 'string') throw new RestBatchError('UNAUTHORIZED', 'log in first');
    return { id: cookie.replace(/^user=/, '') };
  },
};

function items(res: HttpAnswer): Item[] {
  return res.body as Item[];
}

/** Opens a session with a one-item batch; returns its id (or fails the test). */
async function open(send: (path: string, body?: unknown, options?: SendOptions) => Promise<HttpAnswer>, options: SendOptions = {}) {
  const res = await send('/rest/batch', [{ Url: 'Sessions', Method: 'POST' }], options);
  assert.is(res.status, 200);
  assert.is(items(res)[0]!.ReturnCode, '201', JSON.stringify(res.body));
  return items(res)[0]!.ResponseContent.Id as string;
}

test('a caller at its session quota loses its least-recently-used session; the ones it used stay', async () => {
  const { engine } = exagoEngine({}, { limits: { maxSessionsPerCaller: 3 } });
  const http = await serveOverHttp(engine);
  try {
    const [s1, s2, s3] = [await open(http.send), await open(http.send), await open(http.send)];
    // Using s1 makes s2 the least recently used.
    assert.is((await http.send(`/rest/Roles?sid=${s1}`)).status, 200);
    const s4 = await open(http.send);
    const gone = await http.send(`/rest/Roles?sid=${s2}`);
    assert.is(gone.status, 401);
    for (const sid of [s1, s3, s4]) assert.is((await http.send(`/rest/Roles?sid=${sid}`)).status, 200, sid);
  } finally {
    await http.close();
  }
});

test('one caller never locks another out: its quota stays below the global cap', async () => {
  const store = new MemorySessionStore({ maxSessions: 10 });
  const { engine } = exagoEngine({}, { store, ...byCookie });
  const http = await serveOverHttp(engine);
  try {
    // Alice opens four times the global cap; each open ends her oldest session past her quota.
    for (let i = 0; i < 40; i++) await open(http.send, { headers: { cookie: 'user=alice' } });
    assert.ok(store.size < 10, `alice holds ${store.size} of 10`);
    // Bob, on the same address, still gets a session.
    const bob = await open(http.send, { headers: { cookie: 'user=bob' } });
    assert.is((await http.send(`/rest/Roles?sid=${bob}`, undefined, { headers: { cookie: 'user=bob' } })).status, 200);
  } finally {
    await http.close();
  }
});

test('the global cap still refuses with 503 SESSION_LIMIT once many callers fill it', async () => {
  const store = new MemorySessionStore({ maxSessions: 4 });
  const { engine } = exagoEngine({}, { store, ...byCookie });
  const http = await serveOverHttp(engine);
  try {
    for (const user of ['a', 'b', 'c', 'd']) await open(http.send, { headers: { cookie: `user=${user}` } });
    const refused = await http.send('/rest/batch', [{ Url: 'Sessions', Method: 'POST' }], { headers: { cookie: 'user=e' } });
    assert.is(items(refused)[0]!.ReturnCode, '503');
    assert.is(items(refused)[0]!.ResponseContent.code, 'SESSION_LIMIT');
  } finally {
    await http.close();
  }
});

test('callers are counted by identity, not by address: two cookies on one address have a quota each', async () => {
  const { engine } = exagoEngine({}, { limits: { maxSessionsPerCaller: 2 }, ...byCookie });
  const http = await serveOverHttp(engine);
  try {
    const alice = { headers: { cookie: 'user=alice' } };
    const first = await open(http.send, alice);
    for (let i = 0; i < 5; i++) await open(http.send, { headers: { cookie: 'user=bob' } });
    assert.is((await http.send(`/rest/Roles?sid=${first}`, undefined, alice)).status, 200);
  } finally {
    await http.close();
  }
});

test('without an authenticate hook, callers are counted by remote address', async () => {
  const { engine } = exagoEngine({}, { limits: { maxSessionsPerCaller: 2 } });
  const http = await serveOverHttp(engine);
  try {
    const mine = await open(http.send, { from: '127.0.0.2' });
    for (let i = 0; i < 5; i++) await open(http.send, { from: '127.0.0.3' });
    assert.is((await http.send(`/rest/Roles?sid=${mine}`, undefined, { from: '127.0.0.2' })).status, 200);
    await open(http.send, { from: '127.0.0.2' });
    await open(http.send, { from: '127.0.0.2' });
    assert.is((await http.send(`/rest/Roles?sid=${mine}`, undefined, { from: '127.0.0.2' })).status, 401);
  } finally {
    await http.close();
  }
});

test('an identity names its caller by string, id, sub or JSON; an empty object names no one', () => {
  assert.is(defaultIdentityKey('alice'), 'alice');
  assert.is(defaultIdentityKey(42), '42');
  assert.is(defaultIdentityKey({ id: 'alice', roles: [] }), 'alice');
  assert.is(defaultIdentityKey({ sub: 7 }), '7');
  assert.is(defaultIdentityKey({ user: 'bob' }), '{"user":"bob"}');
  assert.is(
    defaultIdentityKey(
      new (class {
        readonly #secret = 'x';
        get secret() {
          return this.#secret;
        }
      })(),
    ),
    undefined,
  );
  assert.is(defaultIdentityKey(''), undefined);
  assert.is(defaultIdentityKey(null), undefined);
  // Without an identity: the address, else the transport; the key never holds the raw text.
  const byAddress = callerKey({ identity: undefined, remoteAddress: '10.0.0.1', transport: 'http' }, defaultIdentityKey);
  assert.match(byAddress, /^addr:[A-Za-z0-9_-]{32}$/);
  assert.match(callerKey({ identity: undefined, transport: 'direct' }, defaultIdentityKey), /^transport:/);
  assert.match(callerKey({ identity: 'alice', remoteAddress: '10.0.0.1' }, defaultIdentityKey), /^id:/);
});

test('identityKey chooses what names a caller', async () => {
  const { engine } = exagoEngine(
    {},
    {
      limits: { maxSessionsPerCaller: 1 },
      authenticate: ({ headers }) => ({ tenant: headers['x-tenant'], user: headers['x-user'] }),
      identityKey: (identity) => (identity as { tenant: string }).tenant,
    },
  );
  const http = await serveOverHttp(engine);
  try {
    const first = await open(http.send, { headers: { 'x-tenant': 't1', 'x-user': 'a' } });
    // Another user of the same tenant is the same caller here: the tenant's one session is replaced.
    await open(http.send, { headers: { 'x-tenant': 't1', 'x-user': 'b' } });
    assert.is((await http.send(`/rest/Roles?sid=${first}`)).status, 401);
  } finally {
    await http.close();
  }
});

test('a budget that is not a whole number of at least 1 is refused when the engine is created', () => {
  for (const bad of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
    assert.throws(() => exagoEngine({}, { limits: { maxSessionsPerCaller: bad } }), /limits\.maxSessionsPerCaller must be a whole number/);
    assert.throws(() => exagoEngine({}, { limits: { maxIdempotencyBytes: bad } }), /limits\.maxIdempotencyBytes/);
  }
});

test('the direct transport has a quota of its own too', async () => {
  const store = new MemorySessionStore();
  const { engine } = exagoEngine({}, { store, limits: { maxSessionsPerCaller: 3 } });
  const call = createDirectCaller(engine);
  for (let i = 0; i < 8; i++) {
    const res = await call({ url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] });
    assert.is((res.body as Item[])[0]!.ReturnCode, '201');
  }
  assert.is(store.size, 3);
});

test('expired sessions stop counting without a sweep: the oldest end is dropped as it expires', async () => {
  let now = 1_000_000;
  const store = new MemorySessionStore({ maxSessions: 3, now: () => now });
  const ids = [];
  for (const owner of ['a', 'b', 'c']) ids.push(await store.create({}, { ttlMs: 1000, owner, maxPerOwner: 2 }));
  const refused = await store.create({}, { ttlMs: 1000, owner: 'd', maxPerOwner: 2 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.instance(refused, RestBatchError);
  assert.is((refused as RestBatchError).code, 'SESSION_LIMIT');
  now += 500;
  assert.ok((await store.load(ids[0]!, 1000)) !== undefined);
  now += 600;
  // b and c expired; a was used and lives on.
  await store.create({}, { ttlMs: 1000, owner: 'd', maxPerOwner: 2 });
  await store.create({}, { ttlMs: 1000, owner: 'e', maxPerOwner: 2 });
  assert.is(store.size, 3);
  assert.is(store.sessionsOf('a'), 1);
  assert.is(store.sessionsOf('b'), 0);
});

test('callers by remote address keep their own quota after more addresses than the engine keeps keys of', async () => {
  const store = new MemorySessionStore();
  const { engine } = exagoEngine({}, { store, limits: { maxSessionsPerCaller: 2 } });
  const openFrom = async (remoteAddress: string) => {
    const res = await engine.dispatch({
      method: 'POST',
      url: '/rest/batch',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]),
      remoteAddress,
    });
    const item = (res.body as Item[])[0]!;
    assert.is(item.ReturnCode, '201', JSON.stringify(res.body));
    return item.ResponseContent.Id as string;
  };
  const first = await openFrom('10.9.0.1');
  await openFrom('10.9.0.1');
  // 1100 other callers: more than the 1024 anonymous caller keys an engine keeps.
  for (let i = 0; i < 1100; i++) await openFrom(`10.8.${i >> 8}.${i & 255}`);
  assert.is(store.sessionsOf(callerKey({ identity: undefined, remoteAddress: '10.9.0.1' }, defaultIdentityKey)), 2);
  await openFrom('10.9.0.1');
  // The third session of the same address took the place of its least recently used one.
  assert.is(store.sessionsOf(callerKey({ identity: undefined, remoteAddress: '10.9.0.1' }, defaultIdentityKey)), 2);
  assert.is(await store.load(first, 60_000), undefined);
  assert.is(store.size, 2 + 1100);
});

test.run();
