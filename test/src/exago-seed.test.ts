import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';

test('the seed example batch creates a session, activates MyRole and adds a parameter', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: SEED_BATCH });
  assert.is(res.status, 200);
  const body = res.body as Array<{ ReturnCode: string; ResponseContent: Record<string, unknown> }>;
  assert.equal(
    body.map((r) => r.ReturnCode),
    ['201', '204', '201'],
  );
  const session = body[0]!.ResponseContent;
  assert.equal(Object.keys(session), [
    'AppUrl',
    'ApiKey',
    'Id',
    'Page',
    'ApiAction',
    'ExportType',
    'ShowTabs',
    'ShowErrorDetail',
    'ReportSettings',
  ]);
  assert.match(String(session.Id), /^[0-9a-f]{32}$/);
  assert.equal(body[1]!.ResponseContent, { StatusCode: 204, StatusDescription: null });
  assert.is(body[2]!.ResponseContent.IsHidden, true);
});

test('a session id from a batch works in ordinary calls', async () => {
  const { call } = exagoEngine();
  const res = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (res.body as Array<{ ResponseContent: { Id: string } }>)[0]!.ResponseContent.Id;
  const param = await call({ method: 'GET', url: `/rest/Parameters/MyParameter?sid=${sid}` });
  assert.is(param.status, 200);
  assert.is((param.body as { PromptText: string }).PromptText, 'Input a value');
  const roles = await call({ method: 'GET', url: `/rest/Roles?sid=${sid}` });
  assert.equal(roles.body, [{ Id: 'MyRole', IsActive: true }]);
});

test.run();
