import 'reflect-metadata';
import { createExampleEngine } from '@restbatch/example-server';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './support/exago-engine.js';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

const INFO = { title: 'example', version: '1' };

function batchValidator(path: string, options: Parameters<typeof createExampleEngine>[0] = {}) {
  const document = createOpenApiDocument(createExampleEngine(options), { info: INFO });
  return componentValidator(document, requestSchemaOf(document, path));
}

test("the Exago seed's batch validates against /rest/batch's request schema", () => {
  const validate = batchValidator('/rest/batch');
  assert.ok(validate(SEED_BATCH), JSON.stringify(validate.errors));
});

test('an Exago batch that breaks a route payload schema, the envelope or the route list does not validate', () => {
  const validate = batchValidator('/rest/batch');
  const session = { Url: 'Sessions', Method: 'POST' };
  const bad = [
    [session, { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: 'yes' } }],
    [session, { Url: 'Roles/MyRole', Method: 'DELETE', Payload: {} }],
    [session, { Url: 'Widgets', Method: 'GET' }],
    [session, { Url: 'Sessions/abc', Method: 'GET' }],
    [session, { Url: 'Roles', Method: 'GET', Extra: 1 }],
    [session, { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', DataType: 'Colour' } }],
    [],
  ];
  for (const batch of bad) assert.not.ok(validate(batch), JSON.stringify(batch));
  assert.ok(validate([session, { Url: 'Roles/MyRole?x=1', Method: 'GET' }]), JSON.stringify(validate.errors));
  // A reference may fill a parameter, slashes and all.
  assert.ok(validate([session, { Url: 'Roles/${0/body/Id}', Method: 'DELETE' }]), JSON.stringify(validate.errors));
});

test("the batch schema's maxItems is the endpoint's limit", () => {
  const validate = batchValidator('/rest/claim/v1/batch', { claims: { guidewire: { maxSubRequests: 2 } } });
  const item = { method: 'get', path: '/claims' };
  assert.ok(validate({ requests: [item, item] }), JSON.stringify(validate.errors));
  assert.not.ok(validate({ requests: [item, item, item] }));
  const document = createOpenApiDocument(createExampleEngine(), { info: INFO });
  const odata =
    document.components.schemas[(requestSchemaOf(document, '/rest/claim/v1/$batch') as { $ref: string }).$ref.split('/').pop()!];
  assert.is((odata as { properties: { requests: { maxItems: number } } }).properties.requests.maxItems, 20);
});

test("the Guidewire seed's path and a claim payload validate against the Guidewire batch schema", () => {
  const validate = batchValidator('/rest/claim/v1/batch');
  const ok = {
    requests: [
      { method: 'get', path: '/claims/cc:22/activities/cc:55', query: 'fields=*all' },
      { method: 'post', path: '/claims', data: { attributes: { description: 'hail' } } },
      { method: 'patch', path: 'claims/cc:22', body: { data: { attributes: { lossCause: 'hail' } } }, onFail: 'abort' },
    ],
  };
  assert.ok(validate(ok), JSON.stringify(validate.errors));
  assert.not.ok(validate({ requests: [{ method: 'post', path: '/claims', data: { attributes: { description: 7 } } }] }));
  assert.not.ok(validate({ requests: [{ method: 'delete', path: '/claims/cc:22' }] }), 'the claim API has no DELETE');
  assert.not.ok(
    validate({ requests: [{ method: 'patch', path: '/claims/cc:22', data: { attributes: {} }, body: { data: { attributes: {} } } }] }),
  );
});

test('an OData batch validates against the $batch schema, per-route bodies included', () => {
  const validate = batchValidator('/rest/claim/v1/$batch');
  const ok = {
    requests: [
      { id: 'a', method: 'POST', url: '/claims', body: { data: { attributes: { description: 'hail', claimNumber: 'X-1' } } } },
      { id: 'b', method: 'GET', url: '/claims/cc:22/activities/cc:55', dependsOn: ['a'] },
    ],
  };
  assert.ok(validate(ok), JSON.stringify(validate.errors));
  assert.not.ok(validate({ requests: [{ id: 'a', method: 'POST', url: '/claims', body: { data: {} } }] }));
  assert.not.ok(validate({ requests: [{ method: 'GET', url: '/claims' }] }), 'id is required');
});

test('an OData request with an `if` condition (OData 4.01 §19.1) validates against the $batch schema', () => {
  const validate = batchValidator('/rest/claim/v1/$batch');
  const batch = {
    requests: [
      { id: '1', method: 'GET', url: 'claims/cc:22' },
      { id: '2', method: 'GET', url: 'claims/cc:22/notes', dependsOn: ['1'], if: '$1/$succeeded' },
    ],
  };
  assert.ok(validate(batch), JSON.stringify(validate.errors));
});

test.run();
