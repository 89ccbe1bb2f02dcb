import 'reflect-metadata';
import type { Engine } from '@restbatch/core';
import { createExampleEngine } from '@restbatch/example-server';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { serveJson } from './support/http-json.js';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

// Batch items as the document describes them, in each dialect: a batch the document accepts is
// run by the server without a refusal or a failed item, and one it refuses is refused, or fails
// in the item the case names, with the code it names. Each batch is sent and checked.

const INFO = { title: 'items', version: '1' };

interface Case {
  name: string;
  batch: unknown;
  /** undefined: every item succeeds; else the failed item's index and code, or the batch's code (index -1). */
  fails?: { index: number; code: string };
}

/** Each item's status and error code, from the answer of each dialect. */
function itemsOf(body: unknown): Array<{ status: number; code: unknown }> {
  if (Array.isArray(body)) {
    return body.map((r: { ReturnCode: string; ResponseContent: { code?: unknown } | null }) => ({
      status: Number(r.ReturnCode),
      code: r.ResponseContent?.code,
    }));
  }
  const b = body as { responses: Array<{ status: number; body?: { errorCode?: unknown; error?: { code?: unknown } } }> };
  return b.responses.map((r) => ({ status: r.status, code: r.body?.errorCode ?? r.body?.error?.code }));
}

/** The code of a refused batch, in each dialect's error body. */
function batchCode(body: unknown): unknown {
  const b = body as { code?: unknown; errorCode?: unknown; error?: { code?: unknown } };
  return b.code ?? b.errorCode ?? b.error?.code;
}

/** Sends each case to `engine` and checks the document's verdict against the server's. */
async function compare(engine: Engine, path: string, cases: readonly Case[]): Promise<void> {
  const document = createOpenApiDocument(engine, { info: INFO });
  const validate = componentValidator(document, requestSchemaOf(document, path));
  const server = await serveJson(engine);
  try {
    for (const c of cases) {
      const answer = await server.post(path, c.batch);
      const shown = `${c.name}: ${answer.status} ${JSON.stringify(answer.body)}`;
      if (c.fails === undefined) {
        assert.is(answer.status, 200, shown);
        for (const item of itemsOf(answer.body)) assert.ok(item.status < 400, shown);
        assert.ok(validate(c.batch), `${c.name}: ${JSON.stringify(validate.errors)}`);
      } else if (c.fails.index < 0) {
        assert.is(answer.status, 400, shown);
        assert.is(batchCode(answer.body), c.fails.code, shown);
        assert.not.ok(validate(c.batch), `${c.name} validates`);
      } else {
        assert.is(answer.status, 200, shown);
        const item = itemsOf(answer.body)[c.fails.index]!;
        assert.is(item.code, c.fails.code, shown);
        assert.not.ok(validate(c.batch), `${c.name} validates`);
      }
    }
  } finally {
    await server.close();
  }
}

const CLAIM = { data: { attributes: { description: 'hail' } } };

test('Exago: a POST whose route requires members must carry its Payload; a GET may name it null', async () => {
  await compare(exagoEngine().engine, '/rest/batch', [
    {
      name: 'POST Roles without a Payload',
      batch: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Roles', Method: 'POST' },
      ],
      fails: { index: 1, code: 'VALIDATION_FAILED' },
    },
    {
      name: 'POST Roles with a Payload',
      batch: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Roles', Method: 'POST', Payload: { Id: 'A' } },
        { Url: 'Roles/A', Method: 'GET', Payload: null },
      ],
    },
    {
      name: 'POST Roles with a null Payload',
      batch: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Roles', Method: 'POST', Payload: null },
      ],
      fails: { index: 1, code: 'VALIDATION_FAILED' },
    },
  ]);
});

test('Guidewire: a POST whose route requires data must carry data or body', async () => {
  await compare(createExampleEngine(), '/rest/claim/v1/batch', [
    { name: 'POST /claims alone', batch: { requests: [{ method: 'post', path: '/claims' }] }, fails: { index: 0, code: 'VALIDATION_FAILED' } },
    { name: 'POST /claims with data', batch: { requests: [{ method: 'post', path: '/claims', data: CLAIM.data }] } },
    { name: 'POST /claims with body', batch: { requests: [{ method: 'post', path: '/claims', body: CLAIM }] } },
  ]);
});

test('OData: a POST whose route requires members must carry a body', async () => {
  await compare(createExampleEngine(), '/rest/claim/v1/$batch', [
    {
      name: 'POST claims without a body',
      batch: { requests: [{ id: '1', method: 'POST', url: 'claims' }] },
      fails: { index: 0, code: 'VALIDATION_FAILED' },
    },
    { name: 'POST claims with a body', batch: { requests: [{ id: '1', method: 'POST', url: 'claims', body: CLAIM }] } },
  ]);
});

test.run();
