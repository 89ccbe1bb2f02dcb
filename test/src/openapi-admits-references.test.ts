import 'reflect-metadata';
import { createEngine, exagoDialect, guidewireDialect, odataDialect, type ResourceHandler } from '@restbatch/core';
import { createOpenApiDocument } from '@restbatch/openapi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveJson } from './support/http-json.js';
import { componentValidator, requestSchemaOf } from './support/openapi-ajv.js';

// Route schemas that a batch item's payload, where values may be whole-value references, used to
// break or refuse: `$defs`/`definitions` pointers, `oneOf`, `not`, `if/then/else`, an object
// `const`, a recursive `#`. Each batch goes to the server and through the document's validator in
// the three dialects: both run it, or both refuse it.

const INFO = { title: 'references', version: '1' };
type Body = Record<string, unknown>;

const TAG = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
const KEYED = { type: 'object', required: ['k'], properties: { k: { type: 'string' } } };
/** A Guidewire `data` member: `{attributes}`. */
const DATA = { type: 'object', required: ['attributes'], properties: { attributes: TAG } };

/** `POST /api/<name>` with `schema`, answering the body it got. */
function echo(name: string, schema: Body): ResourceHandler {
  return { name, routes: [{ method: 'POST', path: '', schema, handle: (ctx) => ctx.body as Body }] };
}

const RESOURCES = [
  echo('Tags', { type: 'object', required: ['tag'], properties: { tag: { $ref: '#/$defs/Tag' } }, $defs: { Tag: TAG } }),
  // zod-to-json-schema's form; `data` is what a Guidewire `data` item copies into its own schema.
  echo('Notes', { type: 'object', required: ['data'], properties: { data: { $ref: '#/definitions/Note' } }, definitions: { Note: DATA } }),
  echo('Labels', { type: 'object', required: ['data'], properties: { data: { $ref: '#/$defs/Label' } }, $defs: { Label: DATA } }),
  echo('Notices', {
    type: 'object',
    required: ['kind'],
    oneOf: [
      { properties: { kind: { const: 'email' }, address: { type: 'string' } } },
      { properties: { kind: { const: 'sms' }, phone: { type: 'string' } } },
    ],
  }),
  // `code` must not be a string.
  echo('Codes', {
    type: 'object',
    properties: { code: {} },
    allOf: [{ not: { required: ['code'], properties: { code: { type: 'string' } } } }],
  }),
  echo('Shapes', {
    type: 'object',
    required: ['kind'],
    properties: { kind: { enum: ['circle', 'square'] } },
    if: { properties: { kind: { const: 'circle' } } },
    // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, never awaited
    then: { required: ['radius'], properties: { radius: { type: 'number' } } },
    else: { required: ['side'], properties: { side: { type: 'number' } } },
  }),
  echo('Modes', { const: { mode: 'fast', level: 1 } }),
  // Route schemas are draft-07 (the server's Ajv): no prefixItems or dependentSchemas.
  echo('Pairs', {
    type: 'object',
    properties: { note: { type: 'string' } },
    patternProperties: { '^x-': { type: 'number' } },
    additionalProperties: { type: 'array', items: { type: 'string' } },
  }),
  echo('Trees', {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
  }),
  // A pointer under `not` or in `if` lands on a copy admitted one way only: the document accepts there.
  echo('NotDefs', { type: 'object', properties: { a: { not: { $ref: '#/$defs/Keyed' } } }, $defs: { Keyed: KEYED } }),
  echo('IfDefs', {
    type: 'object',
    if: { $ref: '#/$defs/Circle' },
    // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, never awaited
    then: { type: 'object', required: ['r'], properties: { r: {} } },
    else: { type: 'object', required: ['s'], properties: { s: {} } },
    $defs: { Circle: { type: 'object', required: ['kind'], properties: { kind: { const: 'c' } } } },
  }),
  // zod-to-json-schema's named shape: the root a pointer into its own definitions.
  echo('Named', { $ref: '#/definitions/Named', definitions: { Named: TAG } }),
  echo('Forest', {
    $ref: '#/definitions/Tree',
    definitions: {
      Tree: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, kids: { type: 'array', items: { $ref: '#/definitions/Tree' } } },
      },
    },
  }),
  echo('Rooted', {
    $ref: '#/$defs/T',
    $defs: {
      T: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, kids: { type: 'array', items: { $ref: '#' } } } },
    },
  }),
  // A draft-07 tuple: `prefixItems` in the document (2020-12), a pointer into it moved along.
  echo('Tuples', {
    type: 'object',
    properties: {
      pair: { type: 'array', minItems: 2, items: [{ type: 'string' }, { type: 'number' }], additionalItems: false },
      first: { $ref: '#/properties/pair/items/0' },
    },
  }),
];

function engine() {
  return createEngine({
    apis: [
      {
        base: '/api',
        resources: RESOURCES,
        batch: [
          { path: 'batch', dialect: exagoDialect },
          { path: 'gw', dialect: guidewireDialect() },
          { path: '$batch', dialect: odataDialect() },
        ],
      },
    ],
  });
}

/** One endpoint: its path, an item in its shape, and each item's status in its answer. */
interface Endpoint {
  path: string;
  /** Whether the endpoint can carry an item to `url` (a Guidewire body is `{data}`). */
  carries: (url: string) => boolean;
  batch: (items: Array<[string, Body]>) => unknown;
  statuses: (body: unknown) => number[];
}

const ENDPOINTS: Endpoint[] = [
  {
    path: '/api/batch',
    carries: () => true,
    batch: (items) => items.map(([url, body]) => ({ Url: url, Method: 'POST', Payload: body })),
    statuses: (body) => (body as Array<{ ReturnCode: string }>).map((r) => Number(r.ReturnCode)),
  },
  {
    path: '/api/gw',
    carries: (url) => url === 'Notes' || url === 'Labels',
    batch: (items) => ({ requests: items.map(([url, body]) => ({ method: 'post', path: `/${url}`, body })) }),
    statuses: (body) => (body as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
  },
  {
    path: '/api/$batch',
    carries: () => true,
    batch: (items) => ({ requests: items.map(([url, body], i) => ({ id: String(i), method: 'POST', url, body })) }),
    statuses: (body) => (body as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
  },
];

/** A value, then a reference to one of its attributes (a Guidewire envelope wants `data` and `attributes` objects). */
function dataRun(url: string): Array<[string, Body]> {
  const data = (attributes: unknown) => ({ data: { attributes } });
  return [
    [url, data({ name: 'a' })],
    [url, data({ name: '$ref:0/body/data/attributes/name' })],
  ];
}

/** Batches every item of which runs (first, a value; then references to it). */
const RUNS: Array<[string, Array<[string, Body]>]> = [
  [
    '$defs',
    [
      ['Tags', { tag: { name: 'a' } }],
      ['Tags', { tag: '$ref:0/body/tag' }],
      ['Tags', { tag: { name: '$ref:0/body/tag/name' } }],
    ],
  ],
  ['definitions', dataRun('Notes')],
  ['$defs under data', dataRun('Labels')],
  [
    'oneOf',
    [
      ['Notices', { kind: 'email', address: 'a@b' }],
      ['Notices', { kind: '$ref:0/body/kind', address: 'c@d' }],
    ],
  ],
  [
    'not',
    [
      ['Tags', { tag: { name: 'a' }, n: 7 }],
      ['Codes', { code: '$ref:0/body/n' }],
    ],
  ],
  [
    'not reaching $defs',
    [
      ['Tags', { tag: { name: 'a' }, n: 5 }],
      ['NotDefs', { a: { k: '$ref:0/body/n' } }],
    ],
  ],
  [
    'if reaching $defs',
    [
      ['Tags', { tag: { name: 'a' }, kind: 'x' }],
      ['IfDefs', { kind: '$ref:0/body/kind', s: 1 }],
    ],
  ],
  [
    'root $ref into definitions',
    [
      ['Named', { name: 'a' }],
      ['Named', { name: '$ref:0/body/name' }],
      ['Forest', { name: '$ref:0/body/name', kids: [{ name: 'b', kids: ['$ref:0/body'] }] }],
      ['Rooted', { name: '$ref:0/body/name', kids: [{ name: 'b' }, '$ref:1/body'] }],
    ],
  ],
  [
    'tuple items',
    [
      ['Trees', { name: 'a', n: 7 }],
      ['Tuples', { pair: ['$ref:0/body/name', '$ref:0/body/n'], first: '$ref:0/body/name' }],
      ['Tuples', { pair: ['b', 1], first: 'c' }],
    ],
  ],
  [
    'if/then/else',
    [
      ['Shapes', { kind: 'circle', radius: 1 }],
      ['Shapes', { kind: '$ref:0/body/kind', radius: 2 }],
    ],
  ],
  [
    'const object',
    [
      ['Modes', { mode: 'fast', level: 1 }],
      ['Modes', { mode: '$ref:0/body/mode', level: '$ref:0/body/level' }],
    ],
  ],
  [
    'patternProperties, additionalProperties',
    [
      ['Trees', { name: 'a', n: 7, children: [] }],
      ['Pairs', { note: '$ref:0/body/name', 'x-a': '$ref:0/body/n', tags: ['$ref:0/body/name'], all: '$ref:0/body/children' }],
    ],
  ],
  [
    'recursive #',
    [
      ['Trees', { name: 'a' }],
      ['Trees', { name: 'b', children: [{ name: '$ref:0/body/name', children: [] }, '$ref:0/body'] }],
    ],
  ],
];

/** Items the route's schema refuses: the document must refuse them as the server fails them. */
const REFUSED: Array<[string, Body]> = [
  ['Tags', { tag: { name: 5 } }],
  ['Notes', { data: {} }],
  ['Labels', { data: { attributes: { name: 5 } } }],
  ['Codes', { code: 'text' }],
  ['Shapes', { kind: 'circle', side: 1 }],
  ['Modes', { mode: 'slow', level: 1 }],
  ['Trees', { name: 'a', children: [{ name: 1 }] }],
  ['Pairs', { 'x-a': 'text' }],
  ['Pairs', { tags: [1] }],
  ['IfDefs', { kind: 'c' }],
  ['Named', { name: 1 }],
  ['Forest', { name: 'a', kids: [{ name: 2 }] }],
  ['Rooted', { name: 'a', kids: [{}] }],
  ['Tuples', { pair: ['a', 1, 2] }],
  ['Tuples', { pair: [1, 1] }],
  ['Tuples', { first: 1 }],
];

for (const endpoint of ENDPOINTS) {
  test(`${endpoint.path}: the request schema compiles, and admits references wherever the server resolves them`, async () => {
    const running = engine();
    const document = createOpenApiDocument(running, { info: INFO });
    const validate = componentValidator(document, requestSchemaOf(document, endpoint.path));
    const server = await serveJson(running);
    try {
      const refused: string[] = [];
      for (const [name, items] of RUNS.filter(([, items]) => items.every(([url]) => endpoint.carries(url)))) {
        const batch = endpoint.batch(items);
        const answer = await server.post(endpoint.path, batch);
        const shown = `${name}: ${answer.status} ${JSON.stringify(answer.body)}`;
        assert.is(answer.status, 200, shown);
        assert.ok(
          endpoint.statuses(answer.body).every((s) => s < 400),
          shown,
        );
        if (!validate(batch)) refused.push(name);
      }
      // Every case named at once, so one refused case does not hide the others.
      assert.equal(refused, []);
      for (const item of REFUSED.filter(([url]) => endpoint.carries(url))) {
        const batch = endpoint.batch([item]);
        const answer = await server.post(endpoint.path, batch);
        const shown = `${JSON.stringify(item)}: ${answer.status} ${JSON.stringify(answer.body)}`;
        assert.ok(answer.status >= 400 || endpoint.statuses(answer.body)[0]! >= 400, shown);
        assert.not.ok(validate(batch), `${JSON.stringify(item)} validates`);
      }
    } finally {
      await server.close();
      await running.close();
    }
  });
}

test('Guidewire: a data item copies a data schema whose pointer resolves in the document', async () => {
  const running = engine();
  const document = createOpenApiDocument(running, { info: INFO });
  const validate = componentValidator(document, requestSchemaOf(document, '/api/gw'));
  const server = await serveJson(running);
  try {
    const batch = {
      requests: [
        { method: 'post', path: '/Notes', data: { attributes: { name: 'a' } } },
        { method: 'post', path: '/Notes', data: { attributes: { name: '$ref:0/body/data/attributes/name' } } },
      ],
    };
    const answer = await server.post('/api/gw', batch);
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(validate(batch), JSON.stringify(validate.errors));
    const wrong = { requests: [{ method: 'post', path: '/Notes', data: { attributes: { name: 5 } } }] };
    assert.not.ok(validate(wrong));
  } finally {
    await server.close();
    await running.close();
  }
});

/** Each `$ref` of the document's components whose target lies below the object holding it, below a component's root (`[holder, target]`). */
function refsThroughHolder(value: unknown, at: string): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return [];
  const found: Array<[string, string]> = [];
  for (const [key, v] of Object.entries(value)) {
    // A component's own root may point into its definitions (the route's schema as declared; swagger-parser takes it).
    const root = /^#\/components\/schemas\/[^/]+$/.test(at);
    if (key === '$ref' && typeof v === 'string' && !root && v.startsWith(`${at}/`)) found.push([at, v]);
    else found.push(...refsThroughHolder(v, `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`));
  }
  return found;
}

test('a root $ref into its own definitions: no pointer passes through the node holding it', () => {
  const document = createOpenApiDocument(engine(), { info: INFO });
  // `{$ref: '…/anyOf/0/definitions/X', definitions}` sent swagger-parser's validate() into endless recursion.
  assert.equal(refsThroughHolder(document.components, '#/components'), []);
  const named = document.components.schemas!['Named.POST.batchPayload'] as Record<string, unknown>;
  assert.equal(Object.keys(named), ['definitions', 'anyOf']);
  assert.equal((named.anyOf as unknown[])[0], { $ref: '#/components/schemas/Named.POST.batchPayload/definitions/Named' });
});

test('a draft-07 tuple: the ordinary operation compiles in 2020-12 and checks as the server does', async () => {
  const running = engine();
  const document = createOpenApiDocument(running, { info: INFO });
  const validate = componentValidator(document, requestSchemaOf(document, '/api/Tuples'));
  const server = await serveJson(running);
  try {
    for (const body of [{ pair: ['a', 1], first: 'b' }, { pair: ['a', 1, 2] }, { pair: [1, 1] }, { first: 1 }]) {
      const answer = await server.post('/api/Tuples', body);
      assert.is(validate(body), answer.status < 400, `${JSON.stringify(body)}: ${answer.status}`);
    }
  } finally {
    await server.close();
    await running.close();
  }
});

test.run();
