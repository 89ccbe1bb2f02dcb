import 'reflect-metadata';
import type { ExagoApiOptions } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

// Exago's batch rule, "the first call is POST Sessions, and no other is", is in the request schema:
// each batch is sent to the server and checked against the document.

const INFO = { title: 'exago', version: '1' };
const SESSION = { Url: 'Sessions', Method: 'POST' };
const ROLES = { Url: 'Roles', Method: 'GET' };
const ROLE = { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } };

/** An Exago engine over HTTP, its document's batch validator and a sender; close it in `finally`. */
async function serveExago(options: ExagoApiOptions = {}) {
  const { engine } = exagoEngine(options);
  const document = createOpenApiDocument(engine, { info: INFO });
  const validate = componentValidator(document, requestSchemaOf(document, '/rest/batch'));
  const server = await listen(createHttpHandler(engine));
  const send = async (path: string, body: unknown): Promise<{ status: number; code: unknown; body: unknown }> => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const parsed = (await res.json()) as { code?: unknown };
    return { status: res.status, code: parsed.code, body: parsed };
  };
  return { validate, send, close: server.close };
}

test('a batch that does not start with POST Sessions, or names it again, does not validate, as the server refuses it', async () => {
  const { validate, send, close } = await serveExago();
  try {
    for (const batch of [[ROLES], [ROLE, SESSION], [SESSION, SESSION], [SESSION, ROLES, SESSION]]) {
      const answer = await send('/rest/batch', batch);
      assert.is(answer.status, 400, JSON.stringify(batch));
      assert.is(answer.code, 'BATCH_RULE_VIOLATION', JSON.stringify(answer.body));
      assert.not.ok(validate(batch), JSON.stringify(batch));
    }
    for (const batch of [[SESSION], [SESSION, ROLES], [SESSION, ROLE, ROLES]]) {
      const answer = await send('/rest/batch', batch);
      assert.is(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(validate(batch), `${JSON.stringify(batch)}: ${JSON.stringify(validate.errors)}`);
    }
  } finally {
    await close();
  }
});

test('with allowExistingSession the first call may be any call, yet POST Sessions is still refused past the first', async () => {
  const { validate, send, close } = await serveExago({ allowExistingSession: true });
  try {
    const created = await send('/rest/Sessions', {});
    const sid = (created.body as { Id: string }).Id;
    const ran = await send(`/rest/batch?sid=${sid}`, [ROLE, ROLES]);
    assert.is(ran.status, 200, JSON.stringify(ran.body));
    assert.ok(validate([ROLE, ROLES]), JSON.stringify(validate.errors));
    const again = await send(`/rest/batch?sid=${sid}`, [ROLES, SESSION]);
    assert.is(again.status, 400);
    assert.is(again.code, 'BATCH_RULE_VIOLATION');
    assert.not.ok(validate([ROLES, SESSION]));
  } finally {
    await close();
  }
});

test.run();
