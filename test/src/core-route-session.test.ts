import 'reflect-metadata';
import {
  createEngine,
  Delete,
  Get,
  type HandlerContext,
  inject,
  Post,
  Resource,
  type ResourceHandler,
  SESSION_STORE_TOKEN,
  type SessionStore,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

@Resource('account')
class Account {
  @Get('public')
  open() {
    return { open: true };
  }

  @Get('me', { session: 'required' })
  me(ctx: HandlerContext) {
    return { user: ctx.session?.data.user ?? null };
  }

  /** Opens a session from an ordinary call: the generic login route of any API with sessions. */
  @Post('login', { schema: { type: 'object', properties: { user: { type: 'string' } }, required: ['user'] } })
  async login(ctx: HandlerContext<{ user: string }>) {
    const session = await ctx.createSession({ user: ctx.body.user });
    return { sid: session.id };
  }
}

@Resource('admin', { session: 'required' })
class Admin {
  @Get('')
  list() {
    return ['secret'];
  }

  @Get('health', { session: 'none' })
  health() {
    return { ok: true };
  }
}

function engine() {
  return createEngine({ apis: [{ base: '/api', resources: [Account, Admin], sessions: { param: 'sid' } }] });
}

test('a route with session required answers 401 SESSION_REQUIRED without one; its siblings do not', async () => {
  const e = engine();
  const me = await inject(e, { url: '/api/account/me' });
  assert.is(me.status, 401);
  assert.is(me.json<{ code: string }>().code, 'SESSION_REQUIRED');
  assert.match(me.json<{ detail: string }>().detail, /pass the sid parameter/);
  assert.is((await inject(e, { url: '/api/account/public' })).status, 200);
});

test("a route's session option overrides its resource's", async () => {
  const e = engine();
  assert.is((await inject(e, { url: '/api/admin' })).status, 401);
  const health = await inject(e, { url: '/api/admin/health' });
  assert.is(health.status, 200);
  assert.equal(health.json(), { ok: true });
});

test('a route with session none ignores a sid: an unknown, expired or malformed one is not opened (no 401)', async () => {
  const e = engine();
  for (const sid of ['f'.repeat(32), 'not-a-session-id']) {
    const health = await inject(e, { url: `/api/admin/health?sid=${sid}` });
    assert.is(health.status, 200, sid);
    assert.equal(health.json(), { ok: true });
    // A route that may take a session still opens it, and refuses a bad one.
    const open = await inject(e, { url: `/api/account/public?sid=${sid}` });
    assert.is(open.status, 401, sid);
    assert.is(open.json<{ code: string }>().code, 'SESSION_NOT_FOUND');
  }
});

test('engine.createSession opens a session outside any request, usable with ?sid=', async () => {
  const e = engine();
  const session = await e.createSession({ user: 'ada' });
  assert.match(session.id, /^[0-9a-f]{32}$/);
  const me = await inject(e, { url: `/api/account/me?sid=${session.id}` });
  assert.is(me.status, 200);
  assert.equal(me.json(), { user: 'ada' });
  assert.is((await inject(e, { url: `/api/admin?sid=${session.id}` })).status, 200);
});

test('a login route opens a session with ctx.createSession in an ordinary call', async () => {
  const e = engine();
  const login = await inject(e, { method: 'POST', url: '/api/account/login', body: { user: 'grace' } });
  assert.is(login.status, 201);
  const { sid } = login.json<{ sid: string }>();
  assert.equal((await inject(e, { url: `/api/account/me?sid=${sid}` })).json(), { user: 'grace' });
});

test('a session option that is not one of required/optional/none fails createEngine', () => {
  @Resource('typo')
  class Typo {
    @Get('', { session: 'requried' as 'required' })
    read() {}
  }
  assert.throws(
    () => createEngine({ apis: [{ base: '/api', resources: [Typo] }] }),
    /Route GET \/typo: session must be 'required', 'optional' or 'none', not "requried"/,
  );
  const handler: ResourceHandler = { name: 'raw', session: 'yes' as 'required', routes: [{ method: 'GET', path: '', handle: () => 1 }] };
  assert.throws(() => createEngine({ apis: [{ base: '/api', resources: [handler] }] }), /Resource raw: session must be/);
});

test('handler objects take a per-route session too', async () => {
  const handler: ResourceHandler = {
    name: 'raw',
    routes: [
      { method: 'GET', path: '', handle: () => 1 },
      { method: 'DELETE', path: '', session: 'required', handle: () => undefined },
    ],
  };
  const e = createEngine({ apis: [{ base: '/api', resources: [handler], sessions: {} }] });
  assert.is((await inject(e, { url: '/api/raw' })).status, 200);
  assert.is((await inject(e, { method: 'DELETE', url: '/api/raw' })).status, 401);
});

@Resource('logout')
class Logout {
  @Delete('', { session: 'required' })
  async end(ctx: HandlerContext) {
    await ctx.scope.resolve<SessionStore>(SESSION_STORE_TOKEN).destroy(ctx.session!.id);
  }
}

test('a required-session DELETE runs with a session from engine.createSession', async () => {
  const e = createEngine({ apis: [{ base: '/api', resources: [Logout], sessions: {} }] });
  const session = await e.createSession({});
  assert.is((await inject(e, { method: 'DELETE', url: `/api/logout?sid=${session.id}` })).status, 204);
  assert.is((await inject(e, { method: 'DELETE', url: `/api/logout?sid=${session.id}` })).status, 401, 'the session is gone');
});

test.run();
