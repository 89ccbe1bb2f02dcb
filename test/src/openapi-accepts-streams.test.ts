import 'reflect-metadata';
import { createExampleEngine } from '@restbatch/example-server';
import { createHttpHandler } from '@restbatch/http';
import { createOpenApiDocument, type OpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { componentValidator } from './support/openapi-ajv.js';

// A batch sent with `Accept: application/x-ndjson` is streamed: the document lists that media type
// for each batch endpoint's 200 answer, and every line the server writes fits its line schema.

const INFO = { title: 'example', version: '1' };

const BATCHES = [
  {
    path: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Roles/MyRole', Method: 'GET' },
      { Url: 'Roles/Nope', Method: 'GET' },
    ],
  },
  {
    path: '/rest/claim/v1/batch',
    body: {
      requests: [
        { method: 'post', path: '/claims', data: { attributes: { description: 'hail' } } },
        { method: 'get', path: '/claims/nope' },
      ],
    },
  },
  {
    path: '/rest/claim/v1/$batch',
    body: {
      requests: [
        { id: '1', method: 'POST', url: '/claims', body: { data: { attributes: { description: 'hail' } } } },
        { id: '2', method: 'GET', url: '/claims/nope' },
      ],
    },
  },
];

function ndjsonSchema(document: OpenApiDocument, path: string): unknown {
  const content = document.paths[path]!.post!.responses['200']!.content as Record<string, { schema: unknown }>;
  const streamed = content['application/x-ndjson'];
  if (streamed === undefined) throw new Error(`${path}: the 200 answer lists ${Object.keys(content).join(', ')}, not application/x-ndjson`);
  return streamed.schema;
}

for (const batch of BATCHES) {
  test(`${batch.path}: the streamed answer is listed, and each of its lines fits the document's line schema`, async () => {
    const engine = createExampleEngine();
    const document = createOpenApiDocument(engine, { info: INFO });
    const server = await listen(createHttpHandler(engine));
    try {
      const validate = componentValidator(document, ndjsonSchema(document, batch.path));
      const res = await fetch(`${server.url}${batch.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
        body: JSON.stringify(batch.body),
      });
      assert.is(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      const lines = (await res.text())
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const count = Array.isArray(batch.body) ? batch.body.length : batch.body.requests.length;
      assert.is(lines.length, count + 1);
      for (const line of lines) assert.ok(validate(line), `${JSON.stringify(line)}: ${JSON.stringify(validate.errors)}`);
      assert.ok(lines.at(-1)!.summary !== undefined, 'the last line is the summary');
      // The line schema is no blanket: a line of another shape does not fit it.
      assert.not.ok(validate({ summary: { succeeded: 'all' } }));
      assert.not.ok(validate({ nope: true }));
    } finally {
      await server.close();
    }
  });
}

test('the 200 answer of a batch lists JSON first and NDJSON second, and its description of the lines names the summary', () => {
  const document = createOpenApiDocument(createExampleEngine(), { info: INFO });
  for (const { path } of BATCHES) {
    const content = document.paths[path]!.post!.responses['200']!.content as Record<string, unknown>;
    assert.equal(Object.keys(content), ['application/json', 'application/x-ndjson'], path);
    const ref = (ndjsonSchema(document, path) as { $ref: string }).$ref;
    const line = document.components.schemas[ref.split('/').at(-1)!]!;
    assert.match(String(line.description), /summary/);
  }
});

test.run();
