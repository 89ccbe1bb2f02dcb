import 'reflect-metadata';
import {
  createEngine,
  defineErrorCodes,
  type EngineOptions,
  Get,
  type HandlerContext,
  inject,
  odataDialect,
  Resource,
  RestBatchError,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** An app's own error, as a domain layer would throw it. */
class OutOfStock extends Error {
  constructor(readonly sku: string) {
    super(`${sku} is out of stock`);
  }
}

@Resource('items')
class Items {
  @Get(':sku')
  read(ctx: HandlerContext) {
    const sku = ctx.params.sku as string;
    if (sku === 'gone') throw new OutOfStock(sku);
    if (sku === 'coded') throw new RestBatchError('OUT_OF_STOCK', 'No stock left', { details: { sku } });
    if (sku === 'given') throw new RestBatchError('PAYMENT_DUE', 'Pay first', { status: 402 });
    if (sku === 'unknown-code') throw new RestBatchError('NOT_REGISTERED', 'secret message');
    if (sku === 'plain') throw new Error('plain failure');
    return { sku };
  }
}

type Logged = Array<{ message: string; fields: Record<string, unknown> }>;

function engineWith(options: Partial<EngineOptions>, logged: Logged = []) {
  return createEngine({
    apis: [{ base: '/shop', resources: [Items], batch: [{ path: '$batch', dialect: odataDialect({}) }] }],
    logger: { error: (fields, message = '') => logged.push({ message, fields: { ...fields } }) },
    ...options,
  });
}

const mapOutOfStock = (thrown: unknown) =>
  thrown instanceof OutOfStock ? new RestBatchError('CONFLICT', thrown.message, { details: { sku: thrown.sku } }) : undefined;

test('the errorMapper turns a domain error into a coded error on an ordinary call', async () => {
  const res = await inject(engineWith({ errorMapper: mapOutOfStock }), { url: '/shop/items/gone' });
  assert.is(res.status, 409);
  assert.equal(res.json(), { error: { code: 'CONFLICT', message: 'gone is out of stock', innererror: { details: [{ sku: 'gone' }] } } });
});

test('the errorMapper applies to sub-requests of a batch, each in its own slot', async () => {
  const engine = engineWith({ errorMapper: mapOutOfStock });
  const res = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    headers: { prefer: 'continue-on-error' },
    body: {
      requests: [
        { id: 'a', method: 'GET', url: '/items/gone' },
        { id: 'b', method: 'GET', url: '/items/ok' },
      ],
    },
  });
  const items = res.json<{ responses: Array<{ status: number; body: { error?: { code: string } } }> }>().responses;
  assert.is(items[0]!.status, 409);
  assert.is(items[0]!.body.error?.code, 'CONFLICT');
  assert.is(items[1]!.status, 200);
});

test('what the errorMapper leaves (undefined) stays INTERNAL and is logged', async () => {
  const logged: Logged = [];
  const res = await inject(engineWith({ errorMapper: mapOutOfStock }, logged), { url: '/shop/items/plain' });
  assert.is(res.status, 500);
  assert.is(res.json<{ error: { code: string; message: string } }>().error.message, 'Internal server error');
  assert.is(logged.length, 1);
  assert.is((logged[0]!.fields.err as { message: string }).message, 'plain failure');
});

test('an errorMapper that throws or returns a non-error gives INTERNAL, with the reason in the log', async () => {
  for (const errorMapper of [
    () => {
      throw new Error('mapper bug');
    },
    () => ({ code: 'CONFLICT' }) as unknown as RestBatchError,
  ]) {
    const logged: Logged = [];
    const res = await inject(engineWith({ errorMapper }, logged), { url: '/shop/items/gone' });
    assert.is(res.status, 500);
    assert.is(res.json<{ error: { code: string } }>().error.code, 'INTERNAL');
    assert.match((logged[0]!.fields.err as { message: string }).message, /errorMapper/);
  }
});

test('engines do not share mappers: the same error maps in one engine only', async () => {
  const mapped = await inject(engineWith({ errorMapper: mapOutOfStock }), { url: '/shop/items/gone' });
  const plain = await inject(engineWith({}), { url: '/shop/items/gone' });
  assert.is(mapped.status, 409);
  assert.is(plain.status, 500);
});

test('an app code registered in codes gets its status', async () => {
  const res = await inject(engineWith({ codes: { OUT_OF_STOCK: 409 } }), { url: '/shop/items/coded' });
  assert.is(res.status, 409);
  assert.equal(res.json(), { error: { code: 'OUT_OF_STOCK', message: 'No stock left', innererror: { details: [{ sku: 'coded' }] } } });
});

test('an app code with a status of its own needs no registration', async () => {
  const res = await inject(engineWith({}), { url: '/shop/items/given' });
  assert.is(res.status, 402);
  assert.is(res.json<{ error: { code: string } }>().error.code, 'PAYMENT_DUE');
});

test('an app code with no status anywhere is INTERNAL: its message is not shown, the reason is logged', async () => {
  const logged: Logged = [];
  const res = await inject(engineWith({ codes: { OUT_OF_STOCK: 409 } }, logged), { url: '/shop/items/unknown-code' });
  assert.is(res.status, 500);
  assert.not.ok(res.body.includes('secret message'));
  assert.match((logged[0]!.fields.err as { message: string }).message, /NOT_REGISTERED has no status/);
});

test('codes are checked when the engine is created', () => {
  const bad: Array<[Record<string, number>, RegExp]> = [
    [{ outOfStock: 409 }, /must be upper case/],
    [{ NOT_FOUND: 410 }, /NOT_FOUND is built in/],
    [{ OUT_OF_STOCK: 200 }, /needs an error status/],
    [{ OUT_OF_STOCK: 409.5 }, /needs an error status/],
  ];
  for (const [codes, message] of bad) assert.throws(() => engineWith({ codes }), message);
});

test('defineErrorCodes gives typed codes whose errors carry their status', async () => {
  const appErrors = defineErrorCodes({ OUT_OF_STOCK: 409, PAYMENT_DUE: 402 });
  const error = appErrors.error('PAYMENT_DUE', 'Pay first');
  assert.is(error.status, 402);
  assert.is(error.code, 'PAYMENT_DUE');
  // @ts-expect-error: a code not in the table does not compile
  appErrors.error('OUT_OF_STOK', 'typo');
  const res = await inject(engineWith({ codes: appErrors.codes }), { url: '/shop/items/coded' });
  assert.is(res.status, 409);
  assert.throws(() => defineErrorCodes({ CONFLICT: 409 }), /built in/);
});

test.run();
