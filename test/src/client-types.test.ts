// Compile-time tests: `tsc -b` fails on any `@ts-expect-error` line that is not an error, so each
// one below proves the client refuses that wrong call. The functions are type-checked, never run.
import { readFileSync } from 'node:fs';
import { type Client, createClient, httpTransport } from '@restbatch/client';
import type { paths } from '@restbatch/example-client';
import { startExampleServer } from '@restbatch/example-server';
import openapiTS, { astToString } from 'openapi-typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_: T) => undefined;

export async function typedCalls(c: Client<paths>) {
  await c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
  await c.POST('/rest/Parameters', { body: { Id: 'Region', IsHidden: false } });
  // IsHidden has a default the server applies: types generated with --default-non-nullable false leave it optional.
  await c.POST('/rest/Parameters', { body: { Id: 'x' } });
  // `sid` is optional: the client adds the session it holds.
  await c.GET('/rest/Parameters');

  // @ts-expect-error an unknown path
  await c.GET('/rest/Nope');
  // @ts-expect-error a path that does not answer this method (no PUT on Roles)
  await c.PUT('/rest/Roles/{id}', { params: { path: { id: 'x' } } });
  // @ts-expect-error a missing path parameter
  await c.GET('/rest/claim/v1/claims/{claimId}');
  // @ts-expect-error a path parameter of the wrong name
  await c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { id: 'cc:22' } } });
  // @ts-expect-error a body of the wrong shape (Id is required)
  await c.POST('/rest/Parameters', { body: { Value: 'EU', IsHidden: false } });
  // @ts-expect-error a body member of the wrong type
  await c.POST('/rest/claim/v1/claims', { body: { data: { attributes: { description: 7 } } } });
  // @ts-expect-error a body on an operation that takes none (openapi-typescript writes `requestBody?: never`)
  await c.DELETE('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { reason: 'x' } });
  // @ts-expect-error a required body missing (the payload schema requires Id, so the document says requestBody.required)
  await c.POST('/rest/Parameters');
  // @ts-expect-error a body on a GET
  await c.GET('/rest/Parameters', { body: { Id: 'x' } });
  // The claim API's documented query parameters are typed: numbers and booleans, sent as text.
  await c.GET('/rest/claim/v1/claims', { params: { query: { pageSize: 10, pageOffset: 0, includeTotal: true, fields: 'id,lossDate' } } });
  // @ts-expect-error pageSize is a number, not text
  await c.GET('/rest/claim/v1/claims', { params: { query: { pageSize: 'ten' } } });
  // @ts-expect-error a query parameter the operation does not take
  await c.GET('/rest/claim/v1/claims/{claimId}/notes', { params: { path: { claimId: 'cc:22' }, query: { nope: 1 } } });

  const failed = await c.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } });
  if (!failed.ok) {
    // Errors are typed with the API's error body: the claim API answers Guidewire's shape.
    const code: string = failed.error.errorCode;
    // @ts-expect-error Guidewire's error has no Exago `reason`
    failed.error.reason;
    void code;
  }
}

export async function typedBatch(c: Client<paths>) {
  await c.batch((b) => {
    const created = b.POST('/rest/claim/v1/claims', { body: { data: { attributes: { description: 'hail' } } } });
    b.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: created.ref('/body/data/id') } } });
    // @ts-expect-error a pointer must start at /status, /headers or /body
    created.ref('/data/id');
    // @ts-expect-error a wrong body in a batch is refused too
    b.POST('/rest/claim/v1/claims', { body: { nope: true } });
  });
}

interface Typed {
  '/things/{id}': {
    get: {
      parameters: { path: { id: string } };
      responses: {
        200: { content: { 'application/json': { id: string; size: number } } };
        default: { content: { 'application/json': { code: string } } };
      };
    };
  };
  '/raw': {
    get: { parameters: { query?: never }; responses: { 200: { content: { 'application/json': unknown } } } };
  };
  '/things': {
    post: {
      parameters: { query?: never };
      requestBody: { content: { 'application/json': { name: string; size: number; tags?: string[] } } };
      responses: {
        201: { content: { 'application/json': { id: string; size: number; tags?: string[]; owner?: { name: string } | null } } };
        default: { content: { 'application/json': { code: string } } };
      };
    };
  };
}

export async function typedResponses(c: Client<Typed>) {
  const r = await c.GET('/things/{id}', { params: { path: { id: '1' } } });
  if (r.ok) expectType<Equal<typeof r.data, { id: string; size: number }>>(true);
  else expectType<Equal<typeof r.error, { code: string }>>(true);
  await c.batch((b) => {
    const t = b.GET('/things/{id}', { params: { path: { id: '1' } } });
    t.ref('/body/size');
    // @ts-expect-error references are typed against the earlier call's response
    t.ref('/body/weight');
  });
}

export async function typedOptions(c: Client<Typed>) {
  // @ts-expect-error a required path parameter object cannot be left out
  await c.GET('/things/{id}');
  // @ts-expect-error a path parameter of the wrong type
  await c.GET('/things/{id}', { params: { path: { id: 7 } } });
  // @ts-expect-error only `batch: false` opts out; there is no `batch: true`
  await c.GET('/things/{id}', { params: { path: { id: '1' } }, batch: true });
  // @ts-expect-error a signal must be an AbortSignal
  await c.GET('/things/{id}', { params: { path: { id: '1' } }, signal: 'stop' });
  const result = await c.batch(
    (b) => {
      const t = b.GET('/things/{id}', { params: { path: { id: '1' } } });
      // A whole-value reference is typed against the earlier response too.
      t.value('/body/size');
      // @ts-expect-error a whole-value reference to a member the response does not have
      t.value('/body/colour');
      // ...typed as the value it points to: a reference to a string does not fit a number member.
      expectType<Equal<ReturnType<typeof t.value<'/body/size'>>, number>>(true);
      const made = b.POST('/things', { body: { name: t.value('/body/id'), size: t.value('/body/size') } });
      // @ts-expect-error a reference to a string (id) in a number member
      b.POST('/things', { body: { name: 'x', size: t.value('/body/id') } });
      // @ts-expect-error a reference to a number in a string member
      b.POST('/things', { body: { name: made.value('/body/size'), size: 1 } });
      // The status is a number, a header text, the whole body its type; an optional member is the
      // value when the reference resolves (a missing one fails the call), null stays.
      b.POST('/things', { body: { name: made.value('/headers/etag'), size: made.value('/status') } });
      b.POST('/things', { body: { name: 'x', size: 1, tags: made.value('/body/tags') } });
      expectType<Equal<ReturnType<typeof made.value<'/body/tags/0'>>, string>>(true);
      expectType<Equal<ReturnType<typeof made.value<'/body/owner'>>, { name: string } | null>>(true);
      expectType<
        Equal<ReturnType<typeof made.value<'/body'>>, { id: string; size: number; tags?: string[]; owner?: { name: string } | null }>
      >(true);
      // Where the types do not say (an untyped body), the reference fits any member: nothing can be checked.
      const raw = b.GET('/raw');
      b.POST('/things', { body: { name: raw.value('/body/anything'), size: raw.value('/body/0/x') } });
      // @ts-expect-error an array where text goes
      b.POST('/things', { body: { name: made.value('/body/tags'), size: 1 } });
      return { t };
    },
    { onFail: 'stop', idempotencyKey: 'k' },
  );
  const first = await result.calls.t.result;
  if (first.ok) expectType<Equal<typeof first.data, { id: string; size: number }>>(true);
  // @ts-expect-error an unknown failure policy
  await c.batch((b) => void b.GET('/things/{id}', { params: { path: { id: '1' } } }), { onFail: 'rollback' });
}

test('createClient is typed by the generated paths (the compile-time checks above built)', () => {
  const c = createClient<paths>({ transport: httpTransport({ baseUrl: 'http://127.0.0.1:1' }) });
  assert.type(c.GET, 'function');
});

test('the committed example-api.ts is what openapi-typescript generates from the served document, defaults optional', async () => {
  const server = await startExampleServer({ port: 0 });
  try {
    const document = await (await fetch(`${server.url}/rest/openapi.json`)).json();
    // As packages/client/README.md generates it: a member with a default stays optional (the server applies it).
    const fresh = astToString(await openapiTS(document as never, { defaultNonNullable: false }));
    const committed = readFileSync(new URL('../../examples/client/src/example-api.ts', import.meta.url), 'utf8');
    assert.is(committed.slice(committed.indexOf('export interface paths')), fresh);
  } finally {
    await server.close();
  }
});

test.run();
