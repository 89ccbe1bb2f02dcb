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

test('Exago: a POST whose route requires members must carry its Payload; any other call may name it null', async () => {
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
    {
      // A .NET client writes null members: a null Payload is none on every method.
      name: 'POST Sessions and PATCH Roles/{id} with a null Payload',
      batch: [
        { Url: 'Sessions', Method: 'POST', Payload: null },
        { Url: 'Roles/MyRole', Method: 'PATCH', Payload: null },
      ],
    },
  ]);
});

test('Guidewire: a POST whose route requires data must carry data or body', async () => {
  await compare(createExampleEngine(), '/rest/claim/v1/batch', [
    {
      name: 'POST /claims alone',
      batch: { requests: [{ method: 'post', path: '/claims' }] },
      fails: { index: 0, code: 'VALIDATION_FAILED' },
    },
    { name: 'POST /claims with data', batch: { requests: [{ method: 'post', path: '/claims', data: CLAIM.data }] } },
    { name: 'POST /claims with body', batch: { requests: [{ method: 'post', path: '/claims', body: CLAIM }] } },
  ]);
});

test("Guidewire: a reference cannot stand for the whole data, body.data or attributes, which the envelope's own schema wants as objects", async () => {
  const first = { method: 'post', path: '/claims', body: CLAIM };
  await compare(createExampleEngine(), '/rest/claim/v1/batch', [
    {
      name: 'data as a reference',
      batch: { requests: [first, { method: 'post', path: '/claims', data: '$ref:0/body/data' }] },
      fails: { index: -1, code: 'BATCH_MALFORMED' },
    },
    {
      name: 'body.data as a reference',
      batch: { requests: [first, { method: 'post', path: '/claims', body: { data: '$ref:0/body/data' } }] },
      fails: { index: -1, code: 'BATCH_MALFORMED' },
    },
    {
      name: 'attributes as a reference',
      batch: { requests: [first, { method: 'post', path: '/claims', data: { attributes: '$ref:0/body/data/attributes' } }] },
      fails: { index: -1, code: 'BATCH_MALFORMED' },
    },
    {
      name: 'a member of attributes as a reference',
      batch: {
        requests: [
          first,
          { method: 'post', path: '/claims', data: { attributes: { description: '$ref:0/body/data/attributes/description' } } },
        ],
      },
    },
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

test('Exago: a whole-value reference stands for a value of any type, at any depth of the payload; $$ref: is text', async () => {
  const start = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Roles/MyRole', Method: 'GET' },
  ];
  await compare(exagoEngine().engine, '/rest/batch', [
    {
      name: "the reviewer's batch: IsActive from a read",
      batch: [...start, { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: '$ref:1/body/IsActive' } }],
    },
    {
      name: 'IsActive as text',
      batch: [...start, { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: 'yes' } }],
      fails: { index: 2, code: 'VALIDATION_FAILED' },
    },
    {
      name: 'IsActive as an escaped reference, which is text',
      batch: [...start, { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: '$$ref:1/body/IsActive' } }],
      fails: { index: 2, code: 'VALIDATION_FAILED' },
    },
    {
      name: 'the whole payload from a read',
      batch: [...start, { Url: 'Roles/MyRole', Method: 'PATCH', Payload: '$ref:1/body' }],
    },
    {
      name: 'an array item and an array from a read',
      batch: [
        ...start,
        { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', Values: ['a', '$ref:1/body/Id'], IsHidden: '$ref:1/body/IsActive' } },
        { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Q', Values: '$ref:2/body/Values' } },
      ],
    },
    {
      name: 'a member the schema does not name, as a reference',
      batch: [...start, { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { Active: '$ref:1/body/IsActive' } }],
      fails: { index: 2, code: 'VALIDATION_FAILED' },
    },
  ]);
});

test('Exago: a Url with a sid parameter, however spelled, does not validate, as the server refuses the batch', async () => {
  const batch = (url: string) => [
    { Url: 'Sessions', Method: 'POST' },
    { Url: url, Method: 'GET' },
  ];
  const refused = { index: -1, code: 'BATCH_RULE_VIOLATION' };
  const cases: Case[] = [];
  for (const query of ['sid=abc', 'sid', 'sid=', 'a=1&sid=abc', '%73id=abc', 's%69d=1', '%73%69%64=1', 'x=1&&%73i%64&y']) {
    cases.push({ name: `Roles?${query}`, batch: batch(`Roles?${query}`), fails: refused });
  }
  for (const query of ['xsid=1', 'sidx=1', 'a=sid', 'a=1&b=sid%3D1', 'SID=1', '%53id=1', 's%2569d=1', '']) {
    cases.push({ name: `Roles?${query}`, batch: batch(`Roles?${query}`) });
  }
  await compare(exagoEngine().engine, '/rest/batch', cases);
});

test('Guidewire and OData: a reference stands for an enum or patterned value, not in the ordinary operation', async () => {
  const engine = createExampleEngine();
  const activity = (priority: unknown) => ({ data: { attributes: { subject: 'call', priority } } });
  await compare(engine, '/rest/claim/v1/batch', [
    {
      name: 'priority from an earlier activity',
      batch: {
        requests: [
          { method: 'post', path: '/claims', body: CLAIM },
          { method: 'post', path: '/claims/${0/body/data/id}/activities', body: activity('high') },
          { method: 'post', path: '/claims/${0/body/data/id}/activities', data: activity('$ref:1/body/data/attributes/priority').data },
        ],
      },
    },
    {
      name: 'priority not in the enum',
      batch: {
        requests: [
          { method: 'post', path: '/claims', body: CLAIM },
          { method: 'post', path: '/claims/${0/body/data/id}/activities', body: activity('highest') },
        ],
      },
      fails: { index: 1, code: 'VALIDATION_FAILED' },
    },
  ]);
  await compare(engine, '/rest/claim/v1/$batch', [
    {
      name: 'priority from an earlier activity',
      batch: {
        requests: [
          { id: 'c', method: 'POST', url: 'claims', body: CLAIM },
          { id: 'a', method: 'POST', url: 'claims/${c/body/data/id}/activities', body: activity('high') },
          { id: 'b', method: 'POST', url: 'claims/${c/body/data/id}/activities', body: activity('$ref:a/body/data/attributes/priority') },
        ],
      },
    },
    {
      name: 'priority not in the enum',
      batch: { requests: [{ id: 'a', method: 'POST', url: 'claims/x/activities', body: activity('highest') }] },
      fails: { index: 0, code: 'VALIDATION_FAILED' },
    },
  ]);
  const document = createOpenApiDocument(engine, { info: INFO });
  const ordinary = componentValidator(document, requestSchemaOf(document, '/rest/claim/v1/claims/{claimId}/activities'));
  assert.ok(ordinary(activity('high')));
  assert.not.ok(ordinary(activity('$ref:a/body/data/attributes/priority')));
});

test.run();
