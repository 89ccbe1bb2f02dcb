// The OData $batch operation of the generated OpenAPI document says what the server does
// (OData JSON 4.01 §19.4) and its request schema accepts what the server accepts (§19.1).
import 'reflect-metadata';
import { createExampleEngine } from '@restbatch/example-server';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

const PATH = '/rest/claim/v1/$batch';
const document = createOpenApiDocument(createExampleEngine(), { info: { title: 'example', version: '1' } });
const validate = componentValidator(document, requestSchemaOf(document, PATH));
const batch = (...requests: object[]) => ({ requests });
const note = { data: { attributes: { body: 'a note' } } };

test('§19.4 "If the preference continue-on-error is not specified ... all requests are processed": the operation and its Prefer parameter say so', () => {
  const operation = document.paths[PATH]!.post! as unknown as {
    description: string;
    parameters: Array<{ name: string; description: string }>;
  };
  assert.not.match(operation.description, /without Prefer: continue-on-error the batch stops/);
  assert.match(operation.description, /every request is processed according to its dependencies unless Prefer: continue-on-error=false/);
  const prefer = operation.parameters.find((p) => p.name === 'Prefer')!;
  assert.not.match(prefer.description, /without it the batch stops/);
  assert.match(
    prefer.description,
    /continue-on-error=false stops the batch at the first failure; without it .* every request is processed/,
  );
});

test('§19.1 "MUST contain one of the literals delete, get, patch, post, or put": get and GET validate; another word does not', () => {
  for (const method of ['get', 'GET'])
    assert.ok(validate(batch({ id: '1', method, url: 'claims/cc:22' })), JSON.stringify(validate.errors));
  assert.not.ok(validate(batch({ id: '1', method: 'got', url: 'claims/cc:22' })));
});

test('§19.1 "The URL MAY be an absolute path": a URL under the API base validates, one under another path does not', () => {
  assert.ok(validate(batch({ id: '1', method: 'get', url: '/rest/claim/v1/claims/cc:22' })), JSON.stringify(validate.errors));
  assert.ok(
    validate(batch({ id: '1', method: 'post', url: '/rest/claim/v1/claims/cc:22/notes', body: note })),
    JSON.stringify(validate.errors),
  );
  assert.ok(
    validate(batch({ id: '1', method: 'get', url: 'http://claims.example/rest/claim/v1/claims/cc:22' })),
    JSON.stringify(validate.errors),
  );
  assert.not.ok(validate(batch({ id: '1', method: 'get', url: '/rest/other/v1/claims/cc:22' })));
});

test('§19.2 "$1/Orders": a URL that starts with a preceding request id validates; $metadata is no request id', () => {
  assert.ok(
    validate(
      batch(
        { id: '1', method: 'post', url: 'claims', body: { data: { attributes: { description: 'hail', claimNumber: 'X-1' } } } },
        { id: '2', dependsOn: ['1'], method: 'post', url: '$1/notes', body: note },
      ),
    ),
    JSON.stringify(validate.errors),
  );
  assert.not.ok(validate(batch({ id: '1', method: 'get', url: '$metadata' })));
});

test('§19.1 the batch "MAY contain annotations": @Core.Description validates; another member does not', () => {
  assert.ok(
    validate({ '@Core.Description': 'check a claim', ...batch({ id: '1', method: 'get', url: 'claims/cc:22' }) }),
    JSON.stringify(validate.errors),
  );
  assert.not.ok(validate({ extra: 1, ...batch({ id: '1', method: 'get', url: 'claims/cc:22' }) }));
});

test("the docs' OData example batch validates", () => {
  const example = {
    '@Core.Description': 'Check a claim, then update it only if it has not changed',
    requests: [
      { id: '1', method: 'get', url: '/rest/claim/v1/claims/cc:22' },
      {
        id: '2',
        dependsOn: ['1'],
        method: 'patch',
        url: '/rest/claim/v1/claims/cc:22',
        atomicityGroup: 'g',
        headers: { 'if-match': '$1' },
        body: { data: { attributes: { lossCause: 'hail' } } },
      },
      { id: '3', method: 'post', url: 'claims/cc:22/notes', atomicityGroup: 'g', body: { data: { attributes: { body: 'x' } } } },
      {
        id: '4',
        dependsOn: ['g'],
        if: 'not $g/$succeeded',
        method: 'post',
        url: 'http://claims.example/rest/claim/v1/claims/cc:22/notes',
        body: { data: { attributes: { body: 'update failed' } } },
      },
    ],
  };
  assert.ok(validate(example), JSON.stringify(validate.errors));
});

test.run();
