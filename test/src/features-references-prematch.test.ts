import 'reflect-metadata';
import { Get, type HandlerContext, Post, Put, Resource } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batch, canonicalDialect, featuresEngine, type Item } from './support/features-engine.js';

// A path whose references each fill one whole segment has its route found before the batch runs,
// when no other route could capture a value there. These tests compare every such path with the
// same path written out, which the router matches at run time.

/** What a handler saw of its params: their values, their order and the kind of object they are. */
function seen(route: string, ctx: HandlerContext) {
  const proto = Object.getPrototypeOf(ctx.params) as object | null;
  const kind = proto === null ? 'null' : Object.getPrototypeOf(proto) === null ? 'null-prototype chain' : 'object';
  return { route, params: { ...ctx.params }, keys: Object.keys(ctx.params), kind };
}

/** Only parametric routes at each depth: a reference's segment can reach one route only. */
@Resource('Items')
class ItemsResource {
  @Post()
  make(ctx: HandlerContext<{ value: string }>) {
    return { Id: ctx.body.value };
  }

  @Get(':id')
  read(ctx: HandlerContext) {
    return seen('item', ctx);
  }

  @Get(':id/parts/:part')
  part(ctx: HandlerContext) {
    return seen('part', ctx);
  }
}

/** A static route beside the parametric one: the value decides, so the router must. */
@Resource('Mixed')
class MixedResource {
  @Get(':id')
  read(ctx: HandlerContext) {
    return seen('mixed', ctx);
  }

  @Get('special')
  special(ctx: HandlerContext) {
    return seen('special', ctx);
  }

  @Get(':id/notes')
  notes(ctx: HandlerContext) {
    return seen('notes', ctx);
  }

  @Get('special/notes')
  specialNotes(ctx: HandlerContext) {
    return seen('special-notes', ctx);
  }

  /** The only route of its depth, and a static one: no value but `special` reaches anything there. */
  @Get('special/deep')
  specialDeep(ctx: HandlerContext) {
    return seen('special-deep', ctx);
  }

  @Put(':id')
  replace(ctx: HandlerContext) {
    return seen('replace', ctx);
  }
}

function engine() {
  return featuresEngine({
    apis: [{ base: '/api', resources: [ItemsResource, MixedResource], batch: [{ path: 'batch', dialect: canonicalDialect }] }],
  });
}

/** The parts of a result the client sees, without its index. */
function outcome(item: Item) {
  return { status: item.status, body: item.body, code: item.error?.code };
}

const VALUES = [
  'plain-id',
  'special',
  'a/b',
  '50%',
  '%2F',
  'a b',
  'é☃',
  '..x',
  '../admin',
  "!*'()",
  'a?b#c;d',
  '\u0001',
  'x'.repeat(100),
  'x'.repeat(101),
];

/** Path templates with one reference (`$`), each sent with the value written out too. */
const TEMPLATES: Array<[method: string, template: string]> = [
  ['GET', '/Items/$'],
  ['GET', '/Items/fixed/parts/$'],
  ['GET', '/Items/$/parts/$'],
  ['GET', '/Items/pre-$'],
  ['GET', '/Mixed/$'],
  ['GET', '/Mixed/$/notes'],
  ['GET', '/Mixed/$/deep'],
  ['PUT', '/Items/$'],
  ['PUT', '/Mixed/$'],
];

test('a reference that fills a path segment reaches the same route with the same params as the value written out', async () => {
  const { call } = engine();
  for (const value of VALUES) {
    const requests: Array<Record<string, unknown>> = [{ method: 'POST', url: '/Items', body: { value } }];
    for (const [method, template] of TEMPLATES) {
      requests.push({ method, url: template.replaceAll('$', '${0/body/Id}') });
      requests.push({ method, url: template.replaceAll('$', encodeURIComponent(value)) });
    }
    const res = await batch(call, { requests });
    assert.is(res.status, 200, value);
    const results = res.body.results;
    assert.is(results[0]!.status, 201);
    for (let t = 0; t < TEMPLATES.length; t++) {
      const byReference = outcome(results[1 + 2 * t]!);
      const written = outcome(results[2 + 2 * t]!);
      assert.equal(byReference, written, `${TEMPLATES[t]!.join(' ')} with ${JSON.stringify(value)}`);
    }
  }
});

test('a plain value reaches the parametric route, with the router’s kind of params object', async () => {
  const { call } = engine();
  const res = await batch(call, {
    requests: [
      { method: 'POST', url: '/Items', body: { value: 'p1' } },
      { method: 'GET', url: '/Items/${0/body/Id}' },
      { method: 'GET', url: '/Items/fixed/parts/${0/body/Id}' },
    ],
  });
  const [, item, part] = res.body.results;
  assert.equal(item!.body, { route: 'item', params: { id: 'p1' }, keys: ['id'], kind: 'null-prototype chain' });
  assert.equal(part!.body, { route: 'part', params: { id: 'fixed', part: 'p1' }, keys: ['id', 'part'], kind: 'null-prototype chain' });
});

test('a value that names a static route beside the parametric one reaches the static route', async () => {
  const { call } = engine();
  const res = await batch(call, {
    requests: [
      { method: 'POST', url: '/Items', body: { value: 'special' } },
      { method: 'GET', url: '/Mixed/${0/body/Id}' },
      { method: 'GET', url: '/Mixed/${0/body/Id}/notes' },
      { method: 'GET', url: '/Mixed/${0/body/Id}/deep' },
      { method: 'POST', url: '/Items', body: { value: 'other' } },
      { method: 'GET', url: '/Mixed/${4/body/Id}' },
      { method: 'GET', url: '/Mixed/${4/body/Id}/notes' },
      { method: 'GET', url: '/Mixed/${4/body/Id}/deep' },
    ],
  });
  const routes = res.body.results.slice(1).map((item) => (item.body as { route?: string } | undefined)?.route ?? item.status);
  assert.equal(routes, ['special', 'special-notes', 'special-deep', 201, 'mixed', 'notes', 404]);
});

test('a value too long for the router, a dot segment or a control character fails as it does when written out', async () => {
  const { call } = engine();
  const res = await batch(call, {
    requests: [
      { method: 'POST', url: '/Items', body: { value: 'x'.repeat(101) } },
      { method: 'GET', url: '/Items/${0/body/Id}' },
      { method: 'POST', url: '/Items', body: { value: '..' } },
      { method: 'GET', url: '/Items/${2/body/Id}' },
      { method: 'POST', url: '/Items', body: { value: '\u0001' } },
      { method: 'GET', url: '/Items/${4/body/Id}' },
    ],
  });
  const [, long, , dots, , control] = res.body.results;
  assert.is(long!.status, 404);
  assert.is(long!.error!.code, 'ROUTE_NOT_FOUND');
  assert.is(dots!.status, 400);
  assert.is(dots!.error!.code, 'REFERENCE_INVALID');
  assert.is(control!.status, 400);
  assert.is(control!.error!.code, 'INVALID_PATH');
});

test.run();
