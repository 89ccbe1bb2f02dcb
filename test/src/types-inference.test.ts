// Compile-time checks: `tsc -b` fails if any `@ts-expect-error` below is unused, that is, if a
// mismatch between a route's schema or path and its handler's types ever compiles again.
import 'reflect-metadata';
import {
  createEngine,
  defineRoute,
  type ExagoBatchRequest,
  type ExagoBatchResponse,
  Get,
  type GuidewireBatchRequest,
  type HandlerContext,
  inject,
  type OdataBatchRequest,
  type PathParams,
  Post,
  Resource,
  type ResourceHandler,
  type SchemaBody,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** `true` only when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(_proof: Same<A, B>) => undefined;

const NOTE_SCHEMA = {
  type: 'object',
  properties: { text: { type: 'string' }, pinned: { type: 'boolean' } },
  required: ['text'],
  additionalProperties: false,
} as const;

same<PathParams<':id/notes/:noteId'>, { id: string; noteId: string }>(true);
same<PathParams<''>, {}>(true);
same<PathParams<string>, Record<string, string>>(true);
same<SchemaBody<typeof NOTE_SCHEMA>, { text: string; pinned?: boolean }>(true);
same<SchemaBody<undefined>, unknown>(true);
same<SchemaBody<object>, unknown>(true);
// @ts-expect-error: the params of a path are exactly its parameters
same<PathParams<':id'>, { id: string; other: string }>(true);

@Resource('todos')
class Todos {
  @Post(':id/notes', { schema: NOTE_SCHEMA })
  addNote(ctx: HandlerContext<{ text: string; pinned?: boolean }, { id: string }>) {
    return { todo: ctx.params.id, text: ctx.body.text.toUpperCase() };
  }

  @Get(':id/notes/:noteId')
  readNote(ctx: HandlerContext<unknown, { id: string; noteId: string }>) {
    return { todo: ctx.params.id, note: ctx.params.noteId };
  }

  @Post('plain', { schema: NOTE_SCHEMA })
  untyped(ctx: HandlerContext) {
    return ctx.body;
  }
}

// Mismatches that must not compile (the decorator rejects the method's declared context):
class Mismatched {
  // @ts-expect-error: the schema says text is a string
  @Post('', { schema: NOTE_SCHEMA })
  wrongBody(_ctx: HandlerContext<{ text: number }>) {}

  // @ts-expect-error: the path has no parameter `noteId`
  @Get(':id')
  wrongParams(_ctx: HandlerContext<unknown, { id: string; noteId: string }>) {}

  // @ts-expect-error: a required field the schema does not have
  @Post('', { schema: NOTE_SCHEMA })
  extraField(_ctx: HandlerContext<{ text: string; owner: string }>) {}
}
void Mismatched;

const notes: ResourceHandler = {
  name: 'notes',
  routes: [
    defineRoute({
      method: 'POST',
      path: ':listId/items',
      schema: NOTE_SCHEMA,
      handle(ctx) {
        same<typeof ctx.body, { text: string; pinned?: boolean }>(true);
        same<typeof ctx.params, Readonly<{ listId: string }>>(true);
        // @ts-expect-error: no such field in the schema
        void ctx.body.title;
        // @ts-expect-error: no such parameter in the path
        void ctx.params.id;
        return { list: ctx.params.listId, text: ctx.body.text, pinned: ctx.body.pinned ?? false };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '',
      handle(ctx) {
        same<typeof ctx.body, unknown>(true);
        return [];
      },
    }),
  ],
};

interface User {
  name: string;
}

@Resource('whoami')
class WhoAmI {
  @Get('')
  read(ctx: HandlerContext<unknown, {}, User>) {
    return { name: ctx.identity.name };
  }
}

// The envelope types of the dialects are exported for clients.
const exago: ExagoBatchRequest = [{ Url: 'Sessions', Method: 'POST' }];
const exagoAnswer: ExagoBatchResponse = [{ ReturnCode: '201', ResponseContent: {} }];
const odata: OdataBatchRequest = { requests: [{ id: '1', method: 'GET', url: '/todos/1' }] };
const guidewire: GuidewireBatchRequest = { requests: [{ method: 'get', path: '/claims' }] };
// @ts-expect-error: OData items need an id
const badOdata: OdataBatchRequest = { requests: [{ method: 'GET', url: '/todos/1' }] };

function engine() {
  return createEngine({
    apis: [{ base: '/api', resources: [Todos, notes, WhoAmI] }],
    authenticate: (): User => ({ name: 'ada' }),
  });
}

test('typed decorator routes run: the body is validated and the params are the path', async () => {
  const e = engine();
  const note = await inject(e, { method: 'POST', url: '/api/todos/7/notes', body: { text: 'hi' } });
  assert.is(note.status, 201);
  assert.equal(note.json(), { todo: '7', text: 'HI' });
  const invalid = await inject(e, { method: 'POST', url: '/api/todos/7/notes', body: { text: 'hi', extra: 1 } });
  assert.is(invalid.status, 400);
  assert.equal((await inject(e, { url: '/api/todos/7/notes/3' })).json(), { todo: '7', note: '3' });
});

test('defineRoute routes run with their schema', async () => {
  const e = engine();
  const item = await inject(e, { method: 'POST', url: '/api/notes/l1/items', body: { text: 'milk' } });
  assert.equal(item.json(), { list: 'l1', text: 'milk', pinned: false });
  assert.is((await inject(e, { method: 'POST', url: '/api/notes/l1/items', body: { text: 3 } })).status, 400);
});

test('a typed identity reads what authenticate returned', async () => {
  assert.equal((await inject(engine(), { url: '/api/whoami' })).json(), { name: 'ada' });
});

test('the envelope types describe what the dialects take', () => {
  assert.is(exago[0]!.Url, 'Sessions');
  assert.is(exagoAnswer[0]!.ReturnCode, '201');
  assert.is(odata.requests[0]!.id, '1');
  assert.is(guidewire.requests[0]!.method, 'get');
  assert.is(badOdata.requests.length, 1);
});

test.run();
