import { EXAGO_DATA_TYPES } from '@restbatch/core';
import type { DirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { errorBody, items, openSession } from './support/exago-items.js';

/** Runs one call in session `sid`, as an ordinary call or inside a batch, and answers [status, content]. */
type Runner = (method: string, url: string, payload?: unknown) => Promise<[number, unknown]>;

async function ordinary(call: DirectCaller): Promise<Runner> {
  const { sid } = await openSession(call);
  return async (method, url, payload) => {
    const sep = url.includes('?') ? '&' : '?';
    const res = await call({ method, url: `/rest/${url}${sep}sid=${sid}`, body: payload });
    return [res.status, res.status === 204 ? { StatusCode: 204, StatusDescription: null } : res.body];
  };
}

/** Each call in its own batch on a session carried over with allowExistingSession. */
async function batched(call: DirectCaller): Promise<Runner> {
  const { sid } = await openSession(call);
  return async (method, url, payload) => {
    const item: Record<string, unknown> = { Url: url, Method: method };
    if (payload !== undefined) item.Payload = payload;
    const res = await call({ url: `/rest/batch?sid=${sid}`, body: [item] });
    const only = items(res)[0]!;
    return [Number(only.ReturnCode), only.ResponseContent];
  };
}

const codeOf = (content: unknown) => (content as { code?: string }).code;

for (const [mode, make] of [
  ['ordinary calls', ordinary],
  ['batch calls', batched],
] as const) {
  const fresh = async () => make(exagoEngine({ allowExistingSession: true }).call);

  test(`Roles through ${mode}: GET lists and reads, only one role is active`, async () => {
    const run = await fresh();
    assert.equal(await run('GET', 'Roles'), [200, [{ Id: 'MyRole', IsActive: false }]]);
    assert.equal(await run('POST', 'Roles', { Id: 'Sales' }), [201, { Id: 'Sales', IsActive: true }]);
    assert.equal(await run('PATCH', 'Roles/MyRole', { IsActive: true }), [204, { StatusCode: 204, StatusDescription: null }]);
    assert.equal(await run('GET', 'Roles'), [
      200,
      [
        { Id: 'MyRole', IsActive: true },
        { Id: 'Sales', IsActive: false },
      ],
    ]);
    assert.equal(await run('GET', 'Roles/Sales'), [200, { Id: 'Sales', IsActive: false }]);
    assert.equal(await run('POST', 'Roles', { Id: 'Quiet', IsActive: false }), [201, { Id: 'Quiet', IsActive: false }]);
    assert.equal((await run('GET', 'Roles/MyRole'))[1], { Id: 'MyRole', IsActive: true });
  });

  test(`Roles through ${mode}: PATCH is partial, DELETE is 204, and 404/409/400 cases are coded`, async () => {
    const run = await fresh();
    assert.is((await run('PATCH', 'Roles/MyRole', {}))[0], 204);
    assert.equal(await run('PATCH', 'Roles/MyRole', { IsActive: true }), [204, { StatusCode: 204, StatusDescription: null }]);
    assert.is((await run('PATCH', 'Roles/MyRole', { IsActive: false }))[0], 204);
    assert.equal((await run('GET', 'Roles/MyRole'))[1], { Id: 'MyRole', IsActive: false });
    const conflict = await run('POST', 'Roles', { Id: 'MyRole' });
    assert.is(conflict[0], 409);
    assert.is(codeOf(conflict[1]), 'CONFLICT');
    const mismatch = await run('PATCH', 'Roles/MyRole', { Id: 'Other' });
    assert.is(mismatch[0], 400);
    assert.is(codeOf(mismatch[1]), 'VALIDATION_FAILED');
    for (const [method, url, payload] of [
      ['GET', 'Roles/Nope', undefined],
      ['PATCH', 'Roles/Nope', { IsActive: true }],
      ['DELETE', 'Roles/Nope', undefined],
    ] as const) {
      const [status, content] = await run(method, url, payload);
      assert.is(status, 404, `${method} ${url}`);
      assert.is(codeOf(content), 'NOT_FOUND');
    }
    assert.equal(await run('DELETE', 'Roles/MyRole'), [204, { StatusCode: 204, StatusDescription: null }]);
    assert.is((await run('GET', 'Roles/MyRole'))[0], 404);
    assert.equal(await run('GET', 'Roles'), [200, []]);
  });

  test(`Roles through ${mode}: deleting the active role leaves none active`, async () => {
    const run = await fresh();
    await run('POST', 'Roles', { Id: 'A' });
    await run('POST', 'Roles', { Id: 'B', IsActive: false });
    await run('DELETE', 'Roles/A');
    await run('POST', 'Roles', { Id: 'A', IsActive: false });
    assert.equal((await run('GET', 'Roles'))[1], [
      { Id: 'MyRole', IsActive: false },
      { Id: 'B', IsActive: false },
      { Id: 'A', IsActive: false },
    ]);
  });

  test(`Parameters through ${mode}: POST applies Exago defaults, IsHidden true`, async () => {
    const run = await fresh();
    assert.equal(await run('POST', 'Parameters', { Id: 'P' }), [
      201,
      { Id: 'P', DataType: 'String', Value: null, PromptText: null, IsHidden: true, IsMultiValue: false, Values: null },
    ]);
    const full = {
      Id: 'Q',
      DataType: 'Date',
      Value: '2024-01-01',
      PromptText: 'When?',
      IsHidden: false,
      IsMultiValue: true,
      Values: ['a', 'b'],
    };
    assert.equal(await run('POST', 'Parameters', full), [201, full]);
    assert.equal(await run('GET', 'Parameters/Q'), [200, full]);
    assert.equal((await run('GET', 'Parameters'))[1], [
      { Id: 'P', DataType: 'String', Value: null, PromptText: null, IsHidden: true, IsMultiValue: false, Values: null },
      full,
    ]);
    const conflict = await run('POST', 'Parameters', { Id: 'P' });
    assert.is(conflict[0], 409);
    assert.is(codeOf(conflict[1]), 'CONFLICT');
  });

  test(`Parameters through ${mode}: DataType is an enumeration`, async () => {
    const run = await fresh();
    for (const DataType of EXAGO_DATA_TYPES) assert.is((await run('POST', 'Parameters', { Id: `p${DataType}`, DataType }))[0], 201);
    for (const DataType of ['string', 'Bool', 42, null]) {
      const [status, content] = await run('POST', 'Parameters', { Id: 'bad', DataType });
      assert.is(status, 400, String(DataType));
      assert.is(codeOf(content), 'VALIDATION_FAILED');
      assert.equal((content as { details: { pointer: string } }).details.pointer, '/DataType');
    }
    const patch = await run('PATCH', 'Parameters/pString', { DataType: 'Text' });
    assert.is(patch[0], 400);
  });

  test(`Parameters through ${mode}: PATCH is partial and DELETE removes`, async () => {
    const run = await fresh();
    await run('POST', 'Parameters', { Id: 'P', Value: 'v', PromptText: 'Prompt', IsHidden: false });
    assert.equal(await run('PATCH', 'Parameters/P', { Value: 'w' }), [204, { StatusCode: 204, StatusDescription: null }]);
    assert.equal((await run('GET', 'Parameters/P'))[1], {
      Id: 'P',
      DataType: 'String',
      Value: 'w',
      PromptText: 'Prompt',
      IsHidden: false,
      IsMultiValue: false,
      Values: null,
    });
    const mismatch = await run('PATCH', 'Parameters/P', { Id: 'Other' });
    assert.is(mismatch[0], 400);
    const unknownField = await run('PATCH', 'Parameters/P', { Colour: 'red' });
    assert.is(unknownField[0], 400);
    assert.is((await run('PATCH', 'Parameters/Nope', { Value: 'x' }))[0], 404);
    assert.equal(await run('DELETE', 'Parameters/P'), [204, { StatusCode: 204, StatusDescription: null }]);
    const gone = await run('GET', 'Parameters/P');
    assert.is(gone[0], 404);
    assert.is(codeOf(gone[1]), 'NOT_FOUND');
    assert.is((await run('DELETE', 'Parameters/P'))[0], 404);
  });
}

test('Roles and Parameters of one session are invisible to another', async () => {
  const { call } = exagoEngine();
  const a = await openSession(call, [{ Url: 'Parameters', Method: 'POST', Payload: { Id: 'Mine' } }]);
  const b = await openSession(call);
  assert.is((await call({ method: 'GET', url: `/rest/Parameters/Mine?sid=${a.sid}` })).status, 200);
  const other = await call({ method: 'GET', url: `/rest/Parameters/Mine?sid=${b.sid}` });
  assert.is(other.status, 404);
  assert.is(errorBody(other).code, 'NOT_FOUND');
});

test.run();
