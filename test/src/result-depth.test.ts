import 'reflect-metadata';
import { createEngine, type Engine, exagoApi, type HandlerContext } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { normalize, type ParityAnswer, type ParityTransport, parityTransports } from './support/parity-transports.js';
import { createHttpHandler } from '@restbatch/http';

// limits.maxDepth bounds what a client sends, but a reference places an earlier result inside a
// payload: a handler that answers what it is given (a common "store a document and return it"
// shape) makes each result deeper than the last. An outside review nested each call's reference 55
// levels deep: after about 42 calls the result passed V8's stack, the batch ran (its writes
// happened) yet node:http answered 500 INTERNAL with no items, while NDJSON and WebSocket answered
// 200 with items. A result deeper than limits.maxResultDepth is now refused in its own slot.

const Echo = {
  name: 'Echo',
  session: 'none' as const,
  routes: [{ method: 'POST' as const, path: '', handle: (ctx: HandlerContext) => ({ doc: ctx.body }) }],
};

function echoEngine(limits: Record<string, number> = {}): Engine {
  const api = exagoApi();
  return createEngine({ apis: [{ ...api, resources: [...api.resources, Echo] }], limits, logger: { error: () => {} } });
}

function nest(inner: unknown, levels: number): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** The review's batch: a session, then `calls` echoes, each placing the last one's document 55 levels deep. */
function deepBatch(calls: number): unknown[] {
  const body: unknown[] = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Echo', Method: 'POST', Payload: nest(1, 55) },
  ];
  for (let i = 2; i <= calls; i++) body.push({ Url: 'Echo', Method: 'POST', Payload: nest(`$ref:${i - 1}/body/doc`, 55) });
  return body;
}

/** The review's batch of 60 echoes sent through `transport` to a fresh engine. */
function sendDeep(transport: ParityTransport): Promise<ParityAnswer> {
  return transport.send(echoEngine(), { name: 'deep', engine: echoEngine, url: '/rest/batch', body: deepBatch(60), status: 200 });
}

type Item = { ReturnCode: string; ResponseContent: { code?: string; details?: { index?: number; limit?: number } } };

for (const transport of parityTransports()) {
  test(`${transport.name}: a result nested past maxResultDepth is refused in its slot (507 RESULT_TOO_DEEP); the batch answers 200 with every item`, async () => {
    const answer = await sendDeep(transport);
    assert.is(answer.status, 200);
    const items = answer.body as Item[];
    assert.is(items.length, 61);
    // Call k's result is 56k + 1 levels deep: calls 1 to 4 fit in 256, call 5 does not, and the
    // calls that place its document cannot run.
    assert.equal(
      items.slice(0, 6).map((item) => item.ReturnCode),
      ['201', '201', '201', '201', '201', '507'],
    );
    assert.is(items[5]!.ResponseContent.code, 'RESULT_TOO_DEEP');
    assert.equal(items[5]!.ResponseContent.details, { index: 5, limit: 256 });
    assert.equal(new Set(items.slice(6).map((item) => item.ReturnCode)), new Set(['424']));
  });
}

test('the answer is the same on every transport, NDJSON too', async () => {
  const answers: unknown[] = [];
  for (const transport of parityTransports()) {
    const answer = await sendDeep(transport);
    answers.push(normalize(answer.body));
  }
  const server = await listen(createHttpHandler(echoEngine()));
  try {
    const res = await fetch(`${server.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify(deepBatch(60)),
    });
    assert.is(res.status, 200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    // One line per item, then the summary.
    answers.push(normalize(lines.slice(0, -1)));
    assert.equal(lines.at(-1), { summary: { succeeded: 5, failed: 1, skipped: 55 } });
  } finally {
    await server.close();
  }
  for (const answer of answers.slice(1)) assert.equal(answer, answers[0]);
});

test('a deeper maxResultDepth lets deeper results through; it is checked when the engine is created (1 to 512)', async () => {
  const { createDirectCaller } = await import('@restbatch/direct');
  const call = createDirectCaller(echoEngine({ maxResultDepth: 512 }));
  const res = await call({ url: '/rest/batch', body: deepBatch(12) });
  const codes = (res.body as Item[]).map((item) => item.ReturnCode);
  // 56 × 9 + 1 = 505 levels fit in 512; the tenth call's 561 do not.
  assert.equal(codes.slice(0, 11), [...new Array(10).fill('201'), '507']);
  for (const bad of [0, 513, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => echoEngine({ maxResultDepth: bad }), /limits\.maxResultDepth/);
  }
});

test('a frozen value that fits where it was first measured is refused where a reference places it deeper', async () => {
  const { createDirectCaller } = await import('@restbatch/direct');
  const call = createDirectCaller(echoEngine({ maxResultDepth: 100 }));
  // The first result (61 levels) is shared, frozen, by the references after it: 1 + 40 + 61 > 100.
  const body = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Echo', Method: 'POST', Payload: nest(1, 60) },
    { Url: 'Echo', Method: 'POST', Payload: '$ref:1/body' },
    { Url: 'Echo', Method: 'POST', Payload: nest('$ref:1/body', 40) },
  ];
  const res = await call({ url: '/rest/batch', body });
  const items = res.body as Item[];
  assert.equal(
    items.map((item) => item.ReturnCode),
    ['201', '201', '201', '507'],
  );
  assert.is(items[3]!.ResponseContent.code, 'RESULT_TOO_DEEP');
});

test.run();
