import 'reflect-metadata';
import { createEngine, exagoApi, Get, type HandlerContext, Post, Resource, snapshot } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { inspect } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

class Money {
  constructor(readonly cents: number) {}
  toJSON() {
    return `${this.cents / 100} EUR`;
  }
}

class Point {
  hidden = undefined;
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Answers with values that JSON writes in its own way. */
function oddValue(): Record<string, unknown> {
  const withGetter = Object.defineProperty({}, 'computed', { get: () => 42, enumerable: true });
  return {
    date: new Date(Date.UTC(2024, 0, 2)),
    numbers: [Number.NaN, Number.POSITIVE_INFINITY, -0, 1.5],
    holes: [1, undefined, () => 1, Symbol('s'), 3],
    skipped: undefined,
    fn: () => 1,
    money: new Money(1250),
    point: new Point(1, 2),
    map: new Map([['a', 1]]),
    proto: JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
    withGetter,
    nested: { deeper: [{ a: null, b: [true, false, 'text'] }] },
    bare: Object.assign(Object.create(null), { z: 1, 2: 'two', a: 'a' }),
  };
}

@Resource('Odd')
class OddResource {
  @Get()
  read() {
    return oddValue();
  }

  @Get('array')
  list() {
    return [oddValue(), 'x', 7];
  }

  @Post('echo')
  echo(ctx: HandlerContext<{ a: object }>) {
    const own = (value: object) => Object.getOwnPropertyNames(value).filter((key) => key !== 'length');
    return { keys: own(ctx.body), nested: own(ctx.body.a) };
  }
}

function caller() {
  const api = exagoApi();
  return createDirectCaller(createEngine({ apis: [{ ...api, resources: [...api.resources, OddResource] }] }));
}

test('an answer with dates, NaN, holes, class instances and a __proto__ key reads exactly as a JSON round trip', async () => {
  const res = await caller()({ method: 'GET', url: '/rest/Odd' });
  assert.is(res.status, 200);
  assert.equal(res.body, JSON.parse(JSON.stringify(oddValue())));
  const proto = (res.body as { proto: object }).proto;
  assert.is(Object.getPrototypeOf(proto), Object.prototype);
  assert.ok(Object.hasOwn(proto, '__proto__'));
  assert.is(({} as { polluted?: boolean }).polluted, undefined);
});

test('an array answer keeps its order and its key order exactly as a JSON round trip', async () => {
  const res = await caller()({ method: 'GET', url: '/rest/Odd/array' });
  const expected = JSON.stringify([oddValue(), 'x', 7]);
  assert.is(JSON.stringify(res.body), expected);
});

test('negative zero in an answer becomes zero, as on the wire', async () => {
  const res = await caller()({ method: 'GET', url: '/rest/Odd' });
  const zero = (res.body as { numbers: number[] }).numbers[2] as number;
  assert.ok(Object.is(zero, 0));
});

test('an enumerable key added to Object.prototype is copied neither into a body nor into an answer', async () => {
  const call = caller();
  const body = { a: { b: [1, { c: 'd' }] } };
  Object.defineProperty(Object.prototype, 'inherited', { value: 'x', enumerable: true, configurable: true });
  try {
    const res = await call({ method: 'GET', url: '/rest/Odd' });
    assert.is(res.status, 200);
    // Own keys only, as JSON carries them: neither the answer nor its nested objects have an `inherited` of their own.
    const odd = res.body as Record<string, unknown>;
    assert.is(Object.hasOwn(odd, 'inherited'), false);
    assert.is(Object.hasOwn(odd.nested as object, 'inherited'), false);
    assert.is(JSON.stringify(odd), JSON.stringify(oddValue()));
    // The handler sees the body's own keys only, as the JSON text would give them.
    const echo = await call({ method: 'POST', url: '/rest/Odd/echo', body });
    assert.is(echo.status, 201);
    assert.equal(echo.body, { keys: ['a'], nested: ['b'] });
    const shot = snapshot(body);
    assert.is(Object.hasOwn(shot.value as object, 'inherited'), false);
    assert.is(shot.size, JSON.stringify(body).length);
  } finally {
    delete (Object.prototype as { inherited?: unknown }).inherited;
  }
});

test('the objects of a body copy and of a snapshot are what JSON.parse makes: plain objects, nothing to tell them apart', async () => {
  const seen: unknown[] = [];
  @Resource('Shape')
  class ShapeResource {
    @Post()
    take(ctx: HandlerContext<{ one: object }>) {
      seen.push(ctx.body, ctx.body.one);
      return { fresh: { n: 1 } };
    }
  }
  const api = exagoApi();
  const call = createDirectCaller(createEngine({ apis: [{ ...api, resources: [...api.resources, ShapeResource] }] }));
  const res = await call({ method: 'POST', url: '/rest/Shape', body: { one: { a: 1 }, two: 'x' } });
  assert.is(res.status, 201);
  const answer = res.body as { fresh: object };
  const parsed = JSON.parse('{"a":{"b":1}}') as { a: object };
  for (const made of [...seen, answer, answer.fresh, snapshot({ s: { t: 1 } }).value]) {
    const object = made as Record<string, unknown>;
    assert.is(Object.getPrototypeOf(object), Object.prototype);
    assert.is(object.constructor, Object);
    assert.is(Object.prototype.toString.call(object), '[object Object]');
    assert.is(Object.isExtensible(object), true);
    assert.is(inspect(object), inspect(JSON.parse(JSON.stringify(object))));
    assert.is(inspect(parsed).startsWith('{'), inspect(object).startsWith('{'));
    // Members are ordinary data properties, as JSON.parse defines them.
    for (const key of Object.keys(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      assert.equal(
        { writable: descriptor?.writable, enumerable: descriptor?.enumerable, configurable: descriptor?.configurable },
        { writable: true, enumerable: true, configurable: true },
      );
    }
  }
  assert.equal(seen, [{ one: { a: 1 }, two: 'x' }, { a: 1 }]);
});

test.run();
