import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createEngine, Get, inject, Resource } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

class TodoService {
  list() {
    return ['write docs'];
  }
}

/**
 * A resource as tsx/esbuild/vitest compile it: decorators applied, but no `design:paramtypes`.
 * Applying the decorators as plain calls gives the same (tsc emits metadata only for `@` syntax).
 */
function withoutMetadata(lifetime: 'engine' | 'batch') {
  class Todos {
    constructor(readonly service: TodoService) {}
    list() {
      return this.service.list();
    }
  }
  Get('')(Todos.prototype, 'list', Object.getOwnPropertyDescriptor(Todos.prototype, 'list')!);
  Resource('todos', { lifetime })(Todos);
  return Todos;
}

test('a resource without type information fails createEngine with the hint, not a bare TypeInfo error', () => {
  const Todos = withoutMetadata('engine');
  try {
    createEngine({ apis: [{ base: '/api', resources: [Todos] }] });
    assert.unreachable('createEngine should have thrown');
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, /Resource class Todos cannot be constructed/);
    assert.match(message, /build with tsc/);
    assert.match(message, /emitDecoratorMetadata/);
    assert.match(message, /@inject\(TOKEN\)/);
    assert.match(((error as Error).cause as Error).message, /TypeInfo not known for "Todos"/);
  }
});

test('the README\'s "Build with tsc" quotes the error createEngine throws, and tsyringe\'s as its cause', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
  const item = readme.slice(readme.indexOf('**Build with `tsc`.**'));
  const quoted = /`(Resource class TodosResource cannot be constructed:[^`]*)`/.exec(item)?.[1];
  const cause = /`(TypeInfo not known for "TodosResource")` is its `cause`/.exec(item)?.[1];
  assert.ok(quoted !== undefined && cause !== undefined, 'the README quotes the error and its cause');
  // The quote elides with "...": each quoted piece, in order.
  const pattern = new RegExp(
    `^${quoted!
      .split('...')
      .map((piece) => piece.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[\\s\\S]*')}`,
  );
  const TodosResource = withoutMetadata('engine');
  Object.defineProperty(TodosResource, 'name', { value: 'TodosResource' });
  try {
    createEngine({ apis: [{ base: '/api', resources: [TodosResource] }] });
    assert.unreachable('createEngine should have thrown');
  } catch (error) {
    assert.match((error as Error).message, pattern);
    assert.is(((error as Error).cause as Error).message, cause);
  }
});

test('a per-batch resource without type information fails its calls, and the log has the hint', async () => {
  const Todos = withoutMetadata('batch');
  const logged: unknown[] = [];
  const engine = createEngine({
    apis: [{ base: '/api', resources: [Todos] }],
    logger: { error: (f) => logged.push((f as { err: unknown }).err) },
  });
  const res = await inject(engine, { url: '/api/todos' });
  assert.is(res.status, 500);
  assert.match((logged[0] as { message: string }).message, /build with tsc/);
});

test('other construction errors pass through unchanged', () => {
  class Failing {
    constructor() {
      throw new Error('constructor failed');
    }
    list() {}
  }
  Get('')(Failing.prototype, 'list', Object.getOwnPropertyDescriptor(Failing.prototype, 'list')!);
  Resource('failing')(Failing);
  assert.throws(() => createEngine({ apis: [{ base: '/api', resources: [Failing] }] }), /^constructor failed$/);
});

test.run();
