import 'reflect-metadata';
import { createEngine, type Engine, type EngineOptions, odataDialect, type ResourceHandler } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// JSON Schema's `format` (Validation §7.3: `date-time` is RFC 3339's, `email` RFC 5321's mailbox)
// is checked by the engine's ajv with ajv-formats: a route's schema may name a standard format,
// and an app adds its own with `formats`.
const SCHEMA = {
  type: 'object',
  properties: { at: { type: 'string', format: 'date-time' }, mail: { type: 'string', format: 'email' } },
  additionalProperties: false,
} as const;

function engineOf(resource: ResourceHandler, options: Partial<EngineOptions> = {}): Engine {
  return createEngine({
    ...options,
    apis: [{ base: '/api', resources: [resource], batch: [{ path: '$batch', dialect: odataDialect() }] }],
  });
}

const Events: ResourceHandler = { name: 'Events', routes: [{ method: 'POST', path: '', schema: SCHEMA, handle: (ctx) => ctx.body }] };

async function batch(
  engine: Engine,
  bodies: unknown[],
): Promise<Array<{ status: number; body: { error?: { code: string; message: string } } }>> {
  const res = await engine.inject({
    url: '/api/$batch',
    body: { requests: bodies.map((body, i) => ({ id: String(i), method: 'POST', url: '/Events', body })) },
  });
  assert.is(res.status, 200, res.body);
  return (res.json() as { responses: Array<{ status: number; body: { error?: { code: string; message: string } } }> }).responses;
}

test('a schema naming format date-time and email compiles, and a batch checks each payload against them', async () => {
  const engine = engineOf(Events);
  try {
    const [ok, badDate, badMail, noZone] = await batch(engine, [
      { at: '2025-03-01T10:20:30Z', mail: 'ada@example.com' },
      { at: 'yesterday', mail: 'ada@example.com' },
      { at: '2025-03-01T10:20:30+01:00', mail: 'ada at example.com' },
      // RFC 3339 §5.6: a date-time carries its offset.
      { at: '2025-03-01T10:20:30' },
    ]);
    assert.is(ok!.status, 201);
    assert.equal(ok!.body, { at: '2025-03-01T10:20:30Z', mail: 'ada@example.com' });
    assert.is(badDate!.status, 400);
    assert.is(badDate!.body.error?.code, 'VALIDATION_FAILED');
    assert.match(String(badDate!.body.error?.message), /\/at must match format "date-time"/);
    assert.is(badMail!.status, 400);
    assert.match(String(badMail!.body.error?.message), /\/mail must match format "email"/);
    assert.is(noZone!.status, 400);
  } finally {
    await engine.close();
  }
});

test('a format of the app: `formats` adds it by RegExp or test, and may replace a standard one', async () => {
  const Codes: ResourceHandler = {
    name: 'Events',
    routes: [
      {
        method: 'POST',
        path: '',
        schema: {
          type: 'object',
          properties: {
            sku: { type: 'string', format: 'sku' },
            even: { type: 'string', format: 'even' },
            mail: { type: 'string', format: 'email' },
          },
        },
        handle: (ctx) => ctx.body,
      },
    ],
  };
  const engine = engineOf(Codes, {
    formats: { sku: /^[A-Z]{3}-\d{4}$/, even: (v) => v.length % 2 === 0, email: (v) => v.endsWith('@corp.example') },
  });
  try {
    const results = await batch(engine, [
      { sku: 'ABC-1234', even: 'ab', mail: 'ada@corp.example' },
      { sku: 'abc-1234' },
      { even: 'abc' },
      { mail: 'ada@example.com' },
    ]);
    assert.equal(
      results.map((r) => r.status),
      [201, 400, 400, 400],
    );
  } finally {
    await engine.close();
  }
});

test('a format known to neither ajv-formats nor `formats` still fails createEngine, naming the route', () => {
  const Bad: ResourceHandler = {
    name: 'Events',
    routes: [{ method: 'POST', path: '', schema: { type: 'string', format: 'colour' }, handle: () => null }],
  };
  assert.throws(() => engineOf(Bad), /Invalid JSON schema for POST \/Events: unknown format "colour"/);
  assert.throws(() => engineOf(Events, { formats: { sku: 'ABC' as never } }), /formats\.sku must be a RegExp or a function/);
});

test.run();
