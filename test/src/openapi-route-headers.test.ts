import 'reflect-metadata';
import { createEngine, type ResourceHandler, type RouteHeaderDoc } from '@restbatch/core';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const INFO = { title: 'headers', version: '1' };

function widgets(headers: Record<string, RouteHeaderDoc>): ResourceHandler {
  return { name: 'Widgets', routes: [{ method: 'PATCH', path: ':id', headers, handle: () => ({ ok: true }) }] };
}

function engineWith(headers: Record<string, RouteHeaderDoc>) {
  return createEngine({ apis: [{ base: '/api', resources: [widgets(headers)] }] });
}

test('a route’s documented headers become header parameters, as declared', () => {
  const engine = engineWith({
    'X-Version': { description: 'The version read', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
    'X-Trace': {},
  });
  try {
    const document = createOpenApiDocument(engine, { info: INFO });
    const parameters = document.paths['/api/Widgets/{id}']!.patch!.parameters!.filter((p) => p.in === 'header');
    assert.equal(parameters, [
      { name: 'X-Version', in: 'header', required: true, description: 'The version read', schema: { type: 'string', pattern: '^[0-9]+$' } },
      { name: 'X-Trace', in: 'header', required: false, schema: { type: 'string' } },
    ]);
  } finally {
    void engine.close();
  }
});

test('a header that is no token, one OpenAPI ignores, a repeat in another case, or a bad schema fails when the engine is created', () => {
  const cases: Array<[Record<string, RouteHeaderDoc>, RegExp]> = [
    [{ 'X Version': {} }, /not a header name/],
    [{ 'Content-Type': {} }, /cannot be documented/],
    [{ authorization: {} }, /cannot be documented/],
    [{ 'X-A': {}, 'x-a': {} }, /named twice/],
    [{ 'X-A': { schema: { type: 'nope' } } }, /Invalid JSON schema for the header X-A/],
  ];
  for (const [headers, message] of cases) {
    assert.throws(() => engineWith(headers), message, JSON.stringify(headers));
  }
});

test.run();
