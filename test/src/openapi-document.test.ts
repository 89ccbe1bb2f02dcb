import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Dialect, exagoApi, exagoDialect, Get, type HandlerContext, Post, Resource } from '@restbatch/core';
import { startExampleServer } from '@restbatch/example-server';
import { createOpenApiDocument, type OpenApiDocument } from '@restbatch/openapi';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

const INFO = { title: 'test', version: '1' };

async function assertValid(document: unknown): Promise<void> {
  const result = await new Validator().validate(document as Record<string, unknown>);
  assert.equal(result.errors ?? [], [], JSON.stringify(result.errors));
  assert.ok(result.valid);
}

async function exampleDocument(): Promise<OpenApiDocument> {
  const server = await startExampleServer({ port: 0 });
  try {
    const res = await request(`${server.url}/rest/openapi.json`);
    assert.is(res.statusCode, 200);
    return (await res.body.json()) as OpenApiDocument;
  } finally {
    await server.close();
  }
}

test('GET /rest/openapi.json on the example server is a valid OpenAPI 3.1 document with every route and batch endpoint', async () => {
  const document = await exampleDocument();
  await assertValid(document);
  assert.is(document.openapi, '3.1.0');
  const listed = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
  const expected = [];
  for (const api of (await import('@restbatch/example-server')).createExampleEngine().routes()) {
    for (const r of api.routes) expected.push(`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    for (const b of api.batch) expected.push(`POST ${b.path}`);
  }
  assert.equal(listed.sort(), expected.sort());
  for (const path of [
    '/rest/batch',
    '/rest/claim/v1/batch',
    '/rest/claim/v1/$batch',
    '/rest/Roles/{id}',
    '/rest/claim/v1/claims/{claimId}/notes',
  ]) {
    assert.ok(document.paths[path], path);
  }
});

test('openapi-typescript generates types from the example document, and they compile', async () => {
  const document = await exampleDocument();
  const source = astToString(await openapiTS(document as never));
  assert.match(source, /"\/rest\/claim\/v1\/\$batch"/);
  assert.match(source, /"exago\.request"/);
  const dir = mkdtempSync(join(tmpdir(), 'restbatch-openapi-'));
  try {
    const file = join(dir, 'api.d.ts');
    writeFileSync(file, source);
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: false, types: [] });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.equal(diagnostics, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const WIDGET_SCHEMA = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', maxLength: 20 }, size: { type: 'integer' } },
};
const WIDGET = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } };

@Resource('Widgets', { session: 'required' })
class WidgetsResource {
  @Post(':shop/items', { schema: WIDGET_SCHEMA, summary: 'Adds a widget', tags: ['shop'], response: WIDGET, description: 'Long text.' })
  add(ctx: HandlerContext<{ name: string }>) {
    return { id: '1', name: ctx.body.name };
  }

  @Get(':shop/items/:id', { deprecated: true, response: WIDGET })
  read(ctx: HandlerContext) {
    return { id: ctx.params.id, name: 'w' };
  }

  @Get(':shop/items/special')
  special() {
    return { id: 'special', name: 'special' };
  }
}

function widgetEngine() {
  const exago = exagoApi();
  return createEngine({ apis: [{ ...exago, resources: [...exago.resources, WidgetsResource] }] });
}

test('a route added with a schema appears with that schema, its path parameters, responses and docs', async () => {
  const document = createOpenApiDocument(widgetEngine(), { info: INFO });
  await assertValid(document);
  const add = document.paths['/rest/Widgets/{shop}/items']!.post!;
  assert.is(add.summary, 'Adds a widget');
  assert.is(add.description, 'Long text.');
  assert.equal(add.tags, ['shop']);
  const body = add.requestBody!.content['application/json']!.schema as { $ref: string };
  // The schema requires `name`, so `{}` (what a missing body is validated as) fails: the body is required.
  assert.is(add.requestBody!.required, true);
  assert.equal(document.components.schemas[body.$ref.split('/').pop()!], WIDGET_SCHEMA);
  assert.equal(add.parameters, [
    { name: 'shop', in: 'path', required: true, schema: { type: 'string', minLength: 1 } },
    { name: 'sid', in: 'query', required: true, description: 'The session the call runs in', schema: { type: 'string' } },
  ]);
  assert.equal(Object.keys(add.responses), ['201', 'default']);
  const created = (add.responses['201'] as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema;
  assert.equal(document.components.schemas[created.$ref.split('/').pop()!], WIDGET);
  const error = (add.responses.default as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema;
  assert.equal((document.components.schemas[error.$ref.split('/').pop()!] as { required: string[] }).required, [
    'reason',
    'stacktrace',
    'code',
  ]);
  const read = document.paths['/rest/Widgets/{shop}/items/{id}']!.get!;
  assert.is(read.deprecated, true);
  assert.equal(Object.keys(read.responses), ['200', 'default']);
  // Without a declared response or status, an answer may be a value or nothing.
  assert.equal(Object.keys(document.paths['/rest/Roles/{id}']!.delete!.responses), ['200', '204', 'default']);
  assert.equal(Object.keys(document.paths['/rest/Roles']!.post!.responses), ['201', '204', 'default']);
});

test('one schema used by several routes and batch items is one component', () => {
  const document = createOpenApiDocument(widgetEngine(), { info: INFO });
  const refOf = (path: string, method: string) => (requestSchemaOf(document, path, method) as { $ref: string }).$ref;
  // Sessions POST and PATCH Sessions/{sid} declare the same schema.
  assert.is(refOf('/rest/Sessions', 'post'), refOf('/rest/Sessions/{sid}', 'patch'));
  const patchRef = refOf('/rest/Roles/{id}', 'patch');
  const schemas = document.components.schemas as Record<string, { properties: { Payload: { $ref?: string; anyOf?: [{ $ref: string }] } } }>;
  // A batch item's payload is the route's with references admitted: one component for the routes that share it
  // (where the route does not require one, `anyOf` it and null: a null Payload is none).
  const payloadOf = (name: string) => {
    const payload = schemas[name]!.properties.Payload;
    return payload.$ref ?? payload.anyOf?.[0].$ref;
  };
  assert.is(payloadOf('exago.Roles.id.PATCH.item'), '#/components/schemas/Roles.id.PATCH.batchPayload');
  assert.is.not(payloadOf('exago.Roles.id.PATCH.item'), patchRef);
  assert.is(payloadOf('exago.Roles.POST.item'), '#/components/schemas/Roles.POST.batchPayload');
  const texts = Object.values(document.components.schemas).map((s) => JSON.stringify(s));
  assert.is(new Set(texts).size, texts.length, 'no schema is in components twice');
});

test('a parameter that a static sibling could capture excludes it, so each batch item matches exactly one variant', () => {
  const document = createOpenApiDocument(widgetEngine(), { info: INFO });
  const validate = componentValidator(document, requestSchemaOf(document, '/rest/batch'));
  const session = { Url: 'Sessions', Method: 'POST' };
  assert.ok(validate([session, { Url: 'Widgets/s1/items/special', Method: 'GET' }]), JSON.stringify(validate.errors));
  assert.ok(validate([session, { Url: 'Widgets/s1/items/w7', Method: 'GET' }]), JSON.stringify(validate.errors));
  assert.ok(validate([session, { Url: 'Widgets/s1/items', Method: 'POST', Payload: { name: 'a' } }]), JSON.stringify(validate.errors));
  assert.not.ok(validate([session, { Url: 'Widgets/s1/items', Method: 'POST', Payload: { name: 1 } }]));
});

test('security schemes declared by the app are in the document and required by every operation', async () => {
  const document = createOpenApiDocument(widgetEngine(), {
    info: INFO,
    servers: [{ url: 'https://api.example.com' }],
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  });
  await assertValid(document);
  assert.equal(document.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } });
  assert.equal(document.security, [{ bearer: [] }]);
  assert.equal(document.servers, [{ url: 'https://api.example.com' }]);
});

test('a dialect without an OpenAPI description gets a generic, valid batch operation', async () => {
  const { openapi: _, ...plain } = exagoDialect;
  const bare: Dialect = { ...plain, name: 'bare' };
  const document = createOpenApiDocument(createEngine({ apis: [{ ...exagoApi(), batch: [{ path: 'batch', dialect: bare }] }] }), {
    info: INFO,
  });
  await assertValid(document);
  const operation = document.paths['/rest/batch']!.post!;
  assert.equal(operation.requestBody!.content['application/json']!.schema, {});
  assert.ok((operation.responses['200'] as { headers: Record<string, unknown> }).headers['restbatch-summary']);
});

test('the document is a copy: changing it changes nothing in the next one', () => {
  const engine = widgetEngine();
  const first = createOpenApiDocument(engine, { info: INFO });
  (first.components.schemas['Widgets.shop.items.POST.payload'] as { required: string[] }).required.push('size');
  const second = createOpenApiDocument(engine, { info: INFO });
  assert.equal((second.components.schemas['Widgets.shop.items.POST.payload'] as { required: string[] }).required, ['name']);
  assert.equal(WIDGET_SCHEMA.required, ['name']);
});

test.run();
