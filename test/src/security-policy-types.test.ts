// The policy hooks are typed by what `authenticate` returns (docs/security.md, "Policy hooks"): the
// documented example compiles as written under the strict tsconfig, and runs as the doc says.
// A wrong use of the identity is a compile error (`@ts-expect-error` below fails the build when it is not).
import { type AuthRequest, createEngine, RestBatchError } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { securityApi } from './support/security-api.js';

interface User {
  id: string;
  admin: boolean;
}

/** Bearer tokens name the user; `root` is an admin. */
function verify(authorization: string | undefined): User | undefined {
  const match = /^Bearer (\w+)$/.exec(authorization ?? '');
  return match === null ? undefined : { id: match[1]!, admin: match[1] === 'root' };
}

test('the documented hooks compile with the identity typed, and refuse as documented (401 whole, 403 in its slot)', async () => {
  const keys: string[] = [];
  const engine = createEngine({
    apis: [securityApi()],
    authenticate: (req) => {
      const user = verify(req.headers.authorization);
      if (!user) throw new RestBatchError('UNAUTHORIZED', 'A valid token is required');
      return user;
    },
    authorize: (identity, call) => {
      if (call.resource === 'Secrets' && !identity.admin) throw new RestBatchError('FORBIDDEN', 'Admins only');
      // @ts-expect-error: the identity is a User, which has no `name`
      void identity.name;
    },
    rateLimit: {
      limit: 100,
      windowMs: 60_000,
      key: (identity, req: AuthRequest) => {
        const key = identity?.id ?? req.remoteAddress;
        if (key !== undefined) keys.push(key);
        return key;
      },
    },
  });
  try {
    const call = createDirectCaller(engine);
    const batch = {
      requests: [
        { id: '1', method: 'GET', url: 'Secrets' },
        { id: '2', method: 'GET', url: 'Files/a' },
      ],
    };
    const anonymous = await call({ url: '/api/$batch', body: batch });
    assert.is(anonymous.status, 401);
    const user = await call({
      url: '/api/$batch',
      body: batch,
      headers: { authorization: 'Bearer ann', prefer: 'odata.continue-on-error' },
    });
    const statuses = (user.body as { responses: Array<{ id: string; status: number }> }).responses.map((r) => [r.id, r.status]);
    assert.equal(statuses, [
      ['1', 403],
      ['2', 200],
    ]);
    const root = await call({ url: '/api/$batch', body: batch, headers: { authorization: 'Bearer root' } });
    assert.equal(
      (root.body as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
      [200, 200],
    );
    // One key per outer request, from the typed identity.
    assert.equal(keys, ['ann', 'root']);
  } finally {
    await engine.close();
  }
});

test('an async authenticate types the hooks with what its promise resolves to', () => {
  createEngine({
    apis: [securityApi()],
    authenticate: async () => ({ tenant: 't1' }),
    authorize: (identity) => identity.tenant === 't1',
    // @ts-expect-error: the identity is { tenant: string }
    identityKey: (identity) => identity.missing,
  }).close();
  assert.ok(true);
});

test.run();
