import 'reflect-metadata';
import { createEngine, exagoApi, Get, Post, Resource, type ResourceHandler } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

type Input = ResourceHandler | (new (...args: never[]) => object);

/** Asserts that an engine serving `resources` next to the Exago API fails to build with a message matching `message`. */
function fails(resources: Input[], message: RegExp): void {
  const api = exagoApi();
  assert.throws(() => createEngine({ apis: [{ ...api, resources: [...api.resources, ...resources] }] }), message);
}

test('a duplicate route fails createEngine naming the route', () => {
  @Resource('Twice')
  class Twice {
    @Get(':id')
    one() {}
    @Get(':id')
    two() {}
  }
  fails([Twice], /Duplicate route GET \/Twice\/:id/);
});

test('a duplicate route fails createEngine with the stable code ROUTE_CONFLICT', () => {
  @Resource('Again')
  class Again {
    @Post()
    one() {}
    @Post()
    two() {}
  }
  const api = exagoApi();
  try {
    createEngine({ apis: [{ ...api, resources: [...api.resources, Again] }] });
    assert.unreachable('createEngine should throw');
  } catch (error) {
    assert.is((error as { code?: unknown }).code, 'ROUTE_CONFLICT');
  }
});

test('routes that differ only in a parameter name fail createEngine', () => {
  @Resource('Clash')
  class Clash {
    @Get(':id')
    one() {}
    @Get(':key')
    two() {}
  }
  fails([Clash], /Clash\/:key/);
});

test('a bad path segment fails createEngine naming the segment', () => {
  for (const path of ['a b', 'x?y', ':1id', '..', 'a/../b', '.', ':', 'a//b/c%2f']) {
    @Resource('Paths')
    class Paths {
      @Get(path)
      read() {}
    }
    fails([Paths], /Resource Paths: bad path/);
  }
});

test('an invalid JSON schema fails createEngine naming the route', () => {
  @Resource('Schemas')
  class Schemas {
    @Post('', { schema: { type: 'strng' } })
    create() {}
  }
  fails([Schemas], /Invalid JSON schema for POST \/Schemas/);
  @Resource('Strict')
  class Strict {
    @Post('', { schema: { type: 'object', propertees: {} } })
    create() {}
  }
  fails([Strict], /Invalid JSON schema for POST \/Strict.*propertees/);
});

test('a class without @Resource fails createEngine', () => {
  class Plain {
    @Get()
    read() {}
  }
  fails([Plain], /Class Plain is not decorated with @Resource/);
});

test('a @Resource class without routes fails createEngine', () => {
  @Resource('Empty')
  class Empty {}
  fails([Empty], /Resource Empty \(Empty\) has no routes/);
});

test('a duplicate resource name fails createEngine', () => {
  @Resource('Dup')
  class DupA {
    @Get()
    read() {}
  }
  @Resource('Dup')
  class DupB {
    @Get(':id')
    read() {}
  }
  fails([DupA, DupB], /Resource Dup is registered twice/);
  @Resource('Roles')
  class MyRoles {
    @Get('mine')
    read() {}
  }
  fails([MyRoles], /Resource Roles is registered twice/);
});

test('an invalid resource name fails createEngine', () => {
  fails([{ name: 'bad name', routes: [{ method: 'GET', path: '', handle: () => 1 }] }], /Invalid resource name "bad name"/);
  fails([{ name: '../x', routes: [{ method: 'GET', path: '', handle: () => 1 }] }], /Invalid resource name/);
});

test('a handler object with an unknown method or no handler fails createEngine', () => {
  fails([{ name: 'Odd', routes: [{ method: 'TRACE' as never, path: '', handle: () => 1 }] }], /Resource Odd: unsupported method TRACE/);
  fails([{ name: 'Odd', routes: [{ method: 'GET', path: '', handle: undefined as never }] }], /Resource Odd: route GET {2}has no handler/);
});

test('mounting two APIs on one base fails createEngine', () => {
  assert.throws(() => createEngine({ apis: [exagoApi(), exagoApi()] }), /API base \/rest is mounted twice/);
});

test('an Exago default configuration that is not registered fails', () => {
  assert.throws(() => exagoApi({ configs: { Sales: {} } }), /default configuration "default" is not among the configs/);
});

test.run();
