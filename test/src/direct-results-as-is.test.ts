import 'reflect-metadata';
import { createEngine, type Dialect, exagoApi, exagoDialect, type HandlerContext, Post, Resource, type SubResult } from '@restbatch/core';
import { createDirectCaller, type DirectResult } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** A session, a parameter made, read, deleted, then read again (a 404), as Exago calls. */
const CALLS = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v', PromptText: 'Enter a value' } },
  { Url: 'Parameters/P1', Method: 'GET' },
  { Url: 'Parameters/P1', Method: 'DELETE' },
  { Url: 'Parameters/P1', Method: 'GET' },
];

/** Answers with a fresh object holding the payload (a store's records are frozen, and shared rather than copied). */
@Resource('Echo')
class EchoResource {
  @Post()
  echo(ctx: HandlerContext) {
    return { body: ctx.body };
  }
}

function engine(dialect?: Dialect) {
  const api = exagoApi();
  const batch = dialect === undefined ? api.batch : api.batch?.map((b) => ({ ...b, dialect }));
  return createEngine({ apis: [{ ...api, batch, resources: [...api.resources, EchoResource] }], logger: { error: () => {} } });
}

/** What `onResult` was handed, call by call. */
interface Handed {
  item: unknown;
  result: DirectResult | undefined;
}

async function streamed(request: { itemsOfErrorsOnly?: boolean; streamOnly?: boolean; body?: unknown }, dialect?: Dialect) {
  const e = engine(dialect);
  try {
    const handed: Handed[] = [];
    const response = await createDirectCaller(e)({
      url: '/rest/batch',
      body: CALLS,
      ...request,
      onResult: (item, result) => handed.push({ item, result }),
    });
    return { handed, response };
  } finally {
    await e.close();
  }
}

test('with itemsOfErrorsOnly a result without an error comes as its status, headers and body, and an error as its item', async () => {
  const { handed } = await streamed({ itemsOfErrorsOnly: true, streamOnly: true });
  const { handed: items } = await streamed({ streamOnly: true });
  assert.equal(
    handed.map((h) => h.item === undefined),
    [true, true, true, true, false],
  );
  const [session, made, read, deleted] = handed.map((h) => h.result as DirectResult);
  assert.is(session!.status, 201);
  assert.type((session!.body as { Id: unknown }).Id, 'string');
  assert.is(made!.status, 201);
  assert.equal(read!.status, 200);
  assert.equal(read!.body, (items[2]!.item as { ResponseContent: unknown }).ResponseContent);
  assert.equal(deleted!.status, 204);
  assert.is(deleted!.body, undefined);
  assert.equal(Object.keys(deleted!.headers), []);
  // The error is the dialect's item, as the plain path hands it.
  assert.is(handed[4]!.result, undefined);
  assert.equal(handed[4]!.item, items[4]!.item);
  assert.is((handed[4]!.item as { ReturnCode: string }).ReturnCode, '404');
});

test('without itemsOfErrorsOnly every result still comes as its item', async () => {
  const { handed } = await streamed({ streamOnly: true });
  assert.equal(
    handed.map((h) => [typeof h.item, h.result]),
    CALLS.map(() => ['object', undefined]),
  );
});

test('a result a later reference still reads is handed as the caller’s own copy: changing it changes nothing the batch reads', async () => {
  const calls = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v', PromptText: 'Enter a value' } },
    { Url: 'Echo', Method: 'POST', Payload: { Id: 'P1' } },
    { Url: 'Parameters/${2/body/body/Id}', Method: 'GET' },
  ];
  const e = engine();
  try {
    const handed: Handed[] = [];
    await createDirectCaller(e)({
      url: '/rest/batch',
      body: calls,
      streamOnly: true,
      itemsOfErrorsOnly: true,
      onResult: (item, result) => {
        handed.push({ item, result });
        // The reader changes what it was handed, as a caller may.
        if (handed.length === 3) (result!.body as { body: { Id: string } }).body.Id = 'changed';
      },
    });
    assert.equal(
      handed.map((h) => h.result?.status),
      [201, 201, 201, 200],
    );
    assert.is((handed[3]!.result!.body as { Id: string }).Id, 'P1');
    assert.is((handed[2]!.result!.body as { body: { Id: string } }).body.Id, 'changed');
  } finally {
    await e.close();
  }
});

test('the engine hands no item for a result without an error when the transport asks for itemsOfErrorsOnly', async () => {
  const e = engine();
  try {
    const seen: Array<{ item: unknown; status: number; error: boolean }> = [];
    const response = await e.dispatch({
      method: 'POST',
      url: '/rest/batch',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(CALLS),
      itemsOfErrorsOnly: true,
      streamOnly: true,
      onResult: (item: unknown, result: SubResult) => {
        seen.push({ item, status: result.status, error: result.error !== undefined });
      },
    });
    assert.is(response.body, undefined);
    assert.equal(
      seen.map((s) => [s.item === undefined, s.status, s.error]),
      [
        [true, 201, false],
        [true, 201, false],
        [true, 200, false],
        [true, 204, false],
        [false, 404, true],
      ],
    );
  } finally {
    await e.close();
  }
});

test('an Exago dialect spread with an encodeResult of its own has every item made by it, even with itemsOfErrorsOnly', async () => {
  const masked: Dialect = {
    ...exagoDialect,
    encodeResult: (result, context) => ({ ...(exagoDialect.encodeResult(result, context) as object), Masked: true }),
  };
  const { handed } = await streamed({ streamOnly: true, itemsOfErrorsOnly: true }, masked);
  assert.equal(
    handed.map((h) => [(h.item as { Masked?: boolean } | undefined)?.Masked, h.result]),
    CALLS.map(() => [true, undefined]),
  );
});

test('an Exago dialect spread that keeps Exago’s encodeResult still has its results read as they are', async () => {
  const keeps: Dialect = { ...exagoDialect, encode: (result) => result.results.map((r) => exagoDialect.encodeResult(r)) };
  const { handed } = await streamed({ streamOnly: true, itemsOfErrorsOnly: true }, keeps);
  assert.equal(
    handed.map((h) => h.item === undefined),
    [true, true, true, true, false],
  );
});

test('a result nothing reads any more is a new object: changing it changes neither the summary nor the engine’s result', async () => {
  const e = engine();
  try {
    const response = await createDirectCaller(e)({
      url: '/rest/batch',
      body: CALLS.slice(0, 3),
      streamOnly: true,
      itemsOfErrorsOnly: true,
      onResult: (_item, result) => {
        const loose = result as unknown as Record<string, unknown>;
        assert.equal(Object.keys(loose).sort(), ['body', 'headers', 'status']);
        loose.status = 500;
        loose.skipped = true;
      },
    });
    assert.is(response.headers['restbatch-summary'], 'succeeded=3, failed=0, skipped=0');
  } finally {
    await e.close();
  }
});

test.run();
