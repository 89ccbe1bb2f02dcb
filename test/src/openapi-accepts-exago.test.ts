import 'reflect-metadata';
import type { EngineOptions, ExagoApiOptions } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { createOpenApiDocument, type OpenApiDocument } from '@restbatch/openapi';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

// The document generated for the Exago API says what its server accepts: Content-Types, Method
// spellings and the `config` parameter of POST Sessions. Each case is sent to the server and
// checked against the document, so the two are compared, not each against a fixed expectation.

const INFO = { title: 'exago', version: '1' };

interface Answer {
  status: number;
  body: unknown;
}

/** An Exago engine served over HTTP, with its document; close it in a `finally` block. */
async function serveExago(options: ExagoApiOptions = {}, engineOptions: Partial<EngineOptions> = {}) {
  const { engine } = exagoEngine(options, engineOptions);
  const document = createOpenApiDocument(engine, { info: INFO });
  const server = await listen(createHttpHandler(engine));
  const send = async (path: string, body: string, contentType?: string): Promise<Answer> => {
    const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
    // Bytes, not text: fetch gives a string body `text/plain` of its own.
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: new TextEncoder().encode(body) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  return { document, send, close: server.close };
}

function batchOperation(document: OpenApiDocument) {
  return document.paths['/rest/batch']!.post!;
}

function codeOf(answer: Answer): unknown {
  return (answer.body as { code?: unknown }).code;
}

test('the lenient Exago batch endpoint lists exactly the Content-Types its server reads, and says what else it refuses', async () => {
  const { document, send, close } = await serveExago({ anyContentType: true });
  try {
    const operation = batchOperation(document);
    const listed = Object.keys(operation.requestBody!.content);
    assert.equal(listed, ['application/json', 'application/x-www-form-urlencoded']);
    // The vendor's curl example: single-quoted JSON, sent with curl's default form type.
    const curl = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";
    for (const type of listed) {
      const answer = await send('/rest/batch', curl, type);
      assert.is(answer.status, 200, `${type}: ${JSON.stringify(answer.body)}`);
      assert.ok(operation.description!.includes(type), type);
    }
    // What the description says beyond the list: +json types and no Content-Type are read, all else is 415.
    assert.is((await send('/rest/batch', curl, 'application/vnd.exago+json')).status, 200);
    assert.is((await send('/rest/batch', curl)).status, 200);
    assert.match(operation.description!, /application\/\*\+json type, or none/);
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml']) {
      const answer = await send('/rest/batch', curl, type);
      assert.is(answer.status, 415, type);
      assert.is(codeOf(answer), 'UNSUPPORTED_MEDIA_TYPE');
      assert.not.ok(listed.includes(type.split(';')[0]!), type);
    }
    assert.match(operation.description!, /any other type is refused \(415 UNSUPPORTED_MEDIA_TYPE\)/);
    assert.not.match(operation.description!, /whatever its Content-Type/);
  } finally {
    await close();
  }
});

test('the strict Exago batch endpoint lists JSON alone, and its server refuses the form type', async () => {
  const { document, send, close } = await serveExago();
  try {
    const operation = batchOperation(document);
    assert.equal(Object.keys(operation.requestBody!.content), ['application/json']);
    assert.not.match(operation.description!, /x-www-form-urlencoded/);
    const body = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]);
    assert.is((await send('/rest/batch', body, 'application/json')).status, 200);
    const form = await send('/rest/batch', body, 'application/x-www-form-urlencoded');
    assert.is(form.status, 415);
    assert.is(codeOf(form), 'UNSUPPORTED_MEDIA_TYPE');
  } finally {
    await close();
  }
});

test('Exago calls validate against the document in every case of their method, as the server runs them', async () => {
  const { document, send, close } = await serveExago();
  try {
    const validate = componentValidator(document, requestSchemaOf(document, '/rest/batch'));
    const batch = [
      { Url: 'Sessions', Method: 'post' },
      { Url: 'Roles', Method: 'Post', Payload: { Id: 'A', IsActive: true } },
      { Url: 'Roles/A', Method: 'pAtCh', Payload: { IsActive: false } },
      { Url: 'Roles/A', Method: 'get' },
      // A null Payload is none on GET and DELETE (serializers that write null members).
      { Url: 'Roles/A', Method: 'GET', Payload: null },
      { Url: 'Roles/A', Method: 'Delete', Payload: null },
    ];
    const answer = await send('/rest/batch', JSON.stringify(batch), 'application/json');
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    const codes = (answer.body as Array<{ ReturnCode: string }>).map((item) => item.ReturnCode);
    assert.equal(codes, ['201', '201', '204', '200', '200', '204']);
    assert.ok(validate(batch), JSON.stringify(validate.errors));
  } finally {
    await close();
  }
});

test('Exago calls the server refuses do not validate: a payload on a GET, an unknown method, a non-ASCII case fold', async () => {
  const { document, send, close } = await serveExago();
  try {
    const validate = componentValidator(document, requestSchemaOf(document, '/rest/batch'));
    const session = { Url: 'Sessions', Method: 'POST' };
    const refused = [
      [session, { Url: 'Roles/A', Method: 'get', Payload: {} }],
      [session, { Url: 'Roles/A', Method: 'delete', Payload: {} }],
      [session, { Url: 'Roles/A', Method: 'put', Payload: { IsActive: true } }],
      [session, { Url: 'Roles/A', Method: 'GETS' }],
      // `'Poſt'.toUpperCase()` is `'POST'`, and `'poﬆ'.toUpperCase()` too: no client means either.
      [{ Url: 'Sessions', Method: 'Po\u017Ft' }],
      [{ Url: 'Sessions', Method: 'po\uFB06' }],
    ];
    for (const batch of refused) {
      const answer = await send('/rest/batch', JSON.stringify(batch), 'application/json');
      assert.is(answer.status, 400, JSON.stringify(batch));
      assert.is(codeOf(answer), 'BATCH_MALFORMED', JSON.stringify(batch));
      assert.not.ok(validate(batch), JSON.stringify(batch));
    }
  } finally {
    await close();
  }
});

test("the Exago batch schema's maxItems is the lower of the endpoint's and the engine's limits, on both sides of it", async () => {
  for (const [exago, engineOptions] of [
    [{ maxSubRequests: 2 }, {}],
    [{ maxSubRequests: 5 }, { limits: { maxSubRequests: 2 } }],
  ] as const) {
    const { document, send, close } = await serveExago(exago, engineOptions);
    try {
      const validate = componentValidator(document, requestSchemaOf(document, '/rest/batch'));
      const full = [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Roles', Method: 'GET' },
      ];
      assert.is((await send('/rest/batch', JSON.stringify(full), 'application/json')).status, 200);
      assert.ok(validate(full), JSON.stringify(validate.errors));
      const over = [...full, { Url: 'Roles', Method: 'GET' }];
      const answer = await send('/rest/batch', JSON.stringify(over), 'application/json');
      assert.is(answer.status, 400);
      assert.is(codeOf(answer), 'BATCH_TOO_MANY_REQUESTS');
      assert.not.ok(validate(over));
      const empty = await send('/rest/batch', '[]', 'application/json');
      assert.is(codeOf(empty), 'BATCH_EMPTY');
      assert.not.ok(validate([]));
    } finally {
      await close();
    }
  }
});

test('POST /rest/Sessions documents its config parameter, whose schema takes the names the server takes', async () => {
  const { document, send, close } = await serveExago();
  try {
    const parameters = document.paths['/rest/Sessions']!.post!.parameters ?? [];
    const config = parameters.find((p) => p.name === 'config' && p.in === 'query') as { required: boolean; schema: object };
    assert.ok(config, JSON.stringify(parameters));
    assert.is(config.required, false);
    const validate = new Ajv2020({ strict: false }).compile(config.schema);
    const created = await send('/rest/Sessions?config=Detailed', '{}', 'application/json');
    assert.is(created.status, 201, JSON.stringify(created.body));
    assert.is((created.body as { ShowErrorDetail: unknown }).ShowErrorDetail, true, 'the Detailed configuration was used');
    assert.ok(validate('Detailed'));
    // A name that cannot be a configuration's is refused by both; a well-formed unknown one only by the server.
    for (const name of ['../etc', '', 'a b']) {
      const answer = await send(`/rest/Sessions?config=${encodeURIComponent(name)}`, '{}', 'application/json');
      assert.is(answer.status, 400, name);
      assert.is(codeOf(answer), 'CONFIG_UNKNOWN', name);
      assert.not.ok(validate(name), name);
    }
  } finally {
    await close();
  }
});

test.run();
