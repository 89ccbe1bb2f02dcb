import 'reflect-metadata';
import { createEngine, exagoApi, Get, guidewireDialect, type HandlerContext, Patch, Resource } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

@Resource('Notes', { session: 'none' })
class NotesResource {
  @Get(':id', { summary: 'Reads a note', tags: ['notes'], deprecated: true, description: 'Text.', response: { type: 'object' } })
  read(ctx: HandlerContext) {
    return { id: ctx.params.id };
  }

  @Patch(':id/tags/:tag', { schema: { type: 'object' }, status: 200, batchable: false })
  tag() {
    return {};
  }
}

test('engine.routes() lists every API with its routes, schemas, docs and batch endpoints with their limits', () => {
  const exago = exagoApi({ maxSubRequests: 50 });
  const engine = createEngine({
    limits: { maxSubRequests: 30 },
    apis: [
      { base: '/rest/notes/v1', resources: [NotesResource], batch: [{ path: 'batch', dialect: guidewireDialect() }] },
      { ...exago, batch: [{ ...exago.batch![0]!, allowExistingSession: true }] },
    ],
  });
  const apis = engine.routes();
  assert.equal(
    apis.map((a) => a.base),
    ['/rest', '/rest/notes/v1'],
  );
  const [rest, notes] = apis;
  assert.is(rest!.sessionParam, 'sid');
  assert.is(rest!.errors.name, 'exago');
  assert.equal(rest!.routes.map((r) => `${r.method} ${r.path} ${r.session} ${r.batchable}`).slice(0, 5), [
    'POST /rest/Sessions optional true',
    'GET /rest/Sessions/:sid optional false',
    'PATCH /rest/Sessions/:sid optional false',
    'DELETE /rest/Sessions/:sid optional false',
    'GET /rest/Roles required true',
  ]);
  const batch = rest!.batch[0]!;
  assert.equal(
    { path: batch.path, dialect: batch.dialect.name, max: batch.maxSubRequests, existing: batch.allowExistingSession },
    { path: '/rest/batch', dialect: 'exago', max: 30, existing: true },
  );
  assert.is(batch.singleQuotedJson, true);
  assert.ok(batch.dialect.openapi, 'built-in dialects describe their envelope');
  assert.is(notes!.sessionParam, undefined);
  assert.is(notes!.batch[0]!.maxSubRequests, 30);
  const [read, tag] = notes!.routes;
  assert.equal(read, {
    summary: 'Reads a note',
    description: 'Text.',
    tags: ['notes'],
    deprecated: true,
    response: { type: 'object' },
    resource: 'Notes',
    method: 'GET',
    path: '/rest/notes/v1/Notes/:id',
    pattern: '/Notes/:id',
    params: ['id'],
    schema: undefined,
    status: undefined,
    batchable: true,
    session: 'none',
  });
  assert.equal(
    { params: tag!.params, schema: tag!.schema, status: tag!.status, batchable: tag!.batchable },
    { params: ['id', 'tag'], schema: { type: 'object' }, status: 200, batchable: false },
  );
});

test('an invalid response schema fails createEngine, naming the route', () => {
  @Resource('Bad')
  class BadResource {
    @Get('', { response: { type: 'no-such-type' } })
    read() {
      return {};
    }
  }
  assert.throws(() => createEngine({ apis: [{ ...exagoApi(), resources: [BadResource] }] }), /response of GET \/Bad/);
});

test('a handler object can describe its routes as decorated classes do', () => {
  const engine = createEngine({
    apis: [
      {
        ...exagoApi(),
        resources: [{ name: 'Plain', routes: [{ method: 'GET', path: '', summary: 'Plain list', tags: ['plain'], handle: () => [] }] }],
      },
    ],
  });
  const route = engine.routes()[0]!.routes[0]!;
  assert.equal({ summary: route.summary, tags: route.tags }, { summary: 'Plain list', tags: ['plain'] });
});

test.run();
