import { createEngine, exagoApi, type HandlerContext, odataDialect, type ResourceHandler } from '@restbatch/core';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './exago-engine.js';
import type { ParityCase } from './parity-transports.js';

const exagoEngine = () => createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS })], logger: { error: () => undefined } });

/** What a `Text` call got: its body, query, path parameter and the headers the cases look at. */
function got(ctx: HandlerContext): unknown {
  return {
    id: ctx.params.id ?? null,
    body: ctx.body ?? null,
    query: { ...ctx.query },
    trace: ctx.headers['x-trace'] ?? null,
    ifMatch: ctx.headers['if-match'] ?? null,
    references: ctx.headers['restbatch-references'] ?? null,
  };
}

const TEXT_RESOURCE: ResourceHandler = {
  name: 'Text',
  routes: [
    { method: 'POST', path: '', handle: got },
    { method: 'GET', path: ':id', handle: got },
  ],
};

const odataEngine = () =>
  createEngine({
    apis: [{ base: '/api', resources: [TEXT_RESOURCE], batch: [{ path: '$batch', dialect: odataDialect() }] }],
    logger: { error: () => undefined },
  });

/** Text a user wrote that the engine's syntax would read as references (docs/references.md). */
const TEXT = {
  inside: 'Costs ${0/status} dollars',
  whole: '$ref:0/status',
  escaped: 'a $${b} and $$ref:c',
  unclosed: 'a ${ b',
};

/** Exago: a session, a parameter whose Value is `value`, and a read of it. */
function parameterBatch(value: string) {
  return [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Lit', DataType: 'String', Value: value, PromptText: 'p' } },
    { Url: 'Parameters/Lit', Method: 'GET' },
  ];
}

/** The Value the batch's last call read back. */
function readValue(body: unknown): unknown {
  const items = body as Array<{ ResponseContent?: { Value?: unknown } }>;
  return items[2]?.ResponseContent?.Value;
}

type OdataAnswer = { responses: Array<{ id: string; status: number; body?: Record<string, unknown> }> };

/** `RestBatch-References: none`: every string of the batch is taken as written (docs/references.md). */
export const referencesParityCases: ParityCase[] = [
  ...Object.entries(TEXT).map(
    ([kind, value]): ParityCase => ({
      name: `RestBatch-References: none keeps text that looks like a reference (${kind}) as written`,
      engine: exagoEngine,
      url: '/rest/batch',
      headers: { 'restbatch-references': 'none' },
      body: parameterBatch(value),
      status: 200,
      check: (body) => assert.is(readValue(body), value),
    }),
  ),
  {
    name: 'without the header, the same text is a reference (the contrast): ${0/status} becomes 201',
    engine: exagoEngine,
    url: '/rest/batch',
    body: parameterBatch(TEXT.inside),
    status: 200,
    check: (body) => assert.is(readValue(body), 'Costs 201 dollars'),
  },
  {
    name: 'without the header, an unclosed ${ refuses the batch whole (the contrast)',
    engine: exagoEngine,
    url: '/rest/batch',
    body: parameterBatch(TEXT.unclosed),
    status: 400,
    check: (body) => assert.is((body as { code?: string }).code, 'REFERENCE_INVALID'),
  },
  {
    name: 'the header is case-insensitive in its value and trimmed',
    engine: exagoEngine,
    url: '/rest/batch',
    headers: { 'restbatch-references': ' None ' },
    body: parameterBatch(TEXT.inside),
    status: 200,
    check: (body) => assert.is(readValue(body), TEXT.inside),
  },
  ...['all', '', 'none, none', 'off'].map(
    (value): ParityCase => ({
      name: `RestBatch-References: ${JSON.stringify(value)} refuses the batch with INVALID_HEADER`,
      engine: exagoEngine,
      url: '/rest/batch',
      headers: { 'restbatch-references': value },
      body: parameterBatch(TEXT.inside),
      status: 400,
      check: (body) => {
        // Exago's error body: its reason, and restbatch's code.
        const error = body as { code?: string; reason?: string };
        assert.is(error.code, 'INVALID_HEADER');
        assert.match(error.reason ?? '', /restbatch-references takes one value, none/);
      },
    }),
  ),
  {
    name: 'OData: with the header, bodies, query values, headers and a $<id> prefix reach the handler as written, and the header is not passed on',
    engine: odataEngine,
    url: '/api/$batch',
    headers: { 'restbatch-references': 'none', prefer: 'odata.continue-on-error' },
    body: {
      requests: [
        { id: '1', method: 'POST', url: '/Text', body: { inside: TEXT.inside, whole: '$ref:1/status' } },
        {
          id: '2',
          method: 'POST',
          url: '/Text?q=${1/status}',
          // §19.3's ETag reference is OData's own: under the header it is text as written too.
          headers: { 'x-trace': '${1/status}', 'if-match': '$1' },
          body: { escaped: TEXT.escaped, unclosed: TEXT.unclosed },
        },
        { id: '3', method: 'GET', url: '$1/x' },
      ],
    },
    status: 200,
    check: (body) => {
      const [first, second, third] = (body as OdataAnswer).responses;
      assert.equal(first!.body!.body, { inside: TEXT.inside, whole: '$ref:1/status' });
      assert.equal(second!.body, {
        id: null,
        body: { escaped: TEXT.escaped, unclosed: TEXT.unclosed },
        query: { q: '${1/status}' },
        trace: '${1/status}',
        ifMatch: '$1',
        // The batch's header is not passed on to its sub-requests.
        references: null,
      });
      // `$1/x` is a path like any other: no route at /$1/x.
      assert.is(third!.status, 404);
    },
  },
  {
    name: 'OData: without the header, the same $<id> prefix and reference resolve (the contrast)',
    engine: odataEngine,
    url: '/api/$batch',
    headers: { prefer: 'odata.continue-on-error' },
    body: {
      requests: [
        { id: '1', method: 'POST', url: '/Text', body: { n: 1 } },
        { id: '2', method: 'POST', url: '/Text', headers: { 'x-trace': '${1/status}' }, body: { inside: TEXT.inside.replace('0', '1') } },
      ],
    },
    status: 200,
    check: (body) => {
      const second = (body as OdataAnswer).responses[1]!;
      assert.equal(second.body!.body, { inside: 'Costs 201 dollars' });
      assert.is(second.body!.trace, '201');
    },
  },
  {
    name: 'OData: with the header, a path parameter that looks like a reference is the parameter as written',
    engine: odataEngine,
    url: '/api/$batch',
    headers: { 'restbatch-references': 'none' },
    body: { requests: [{ id: '1', method: 'GET', url: '/Text/$ref:x' }] },
    status: 200,
    check: (body) => assert.is((body as OdataAnswer).responses[0]!.body!.id, '$ref:x'),
  },
];
