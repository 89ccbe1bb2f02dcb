import 'reflect-metadata';
import { type BatchEndEvent, type BatchStartEvent, inject, type SubRequestEndEvent, type SubRequestStartEvent } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KNOWN_BATCH, observeEngine } from './support/observe-engine.js';

function recorder() {
  const events: Array<[string, BatchStartEvent | BatchEndEvent | SubRequestStartEvent | SubRequestEndEvent]> = [];
  return {
    events,
    hooks: {
      telemetry: false as const,
      onBatchStart: (e: BatchStartEvent) => events.push(['batchStart', e]),
      onBatchEnd: (e: BatchEndEvent) => events.push(['batchEnd', e]),
      onSubRequestStart: (e: SubRequestStartEvent) => events.push(['start', e]),
      onSubRequestEnd: (e: SubRequestEndEvent) => events.push(['end', e]),
    },
  };
}

test('the hooks see a batch start and end, and each sub-request with its route, status, code and timing', async () => {
  const { events, hooks } = recorder();
  const engine = observeEngine(hooks);
  const res = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    headers: { prefer: 'continue-on-error', 'x-request-id': 'req-42' },
    body: KNOWN_BATCH,
  });
  assert.is(res.status, 200);
  assert.equal(
    events.map(([kind, e]) => `${kind} ${'index' in e ? e.index : ''}`.trim()),
    ['batchStart', 'start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'batchEnd'],
  );
  for (const [, e] of events) assert.is(e.requestId, 'req-42');
  const start = events[0]![1] as BatchStartEvent;
  assert.equal(start, { requestId: 'req-42', endpoint: '/shop/$batch', dialect: 'odata', items: 3, transport: 'inject' });
  const ends = events.filter(([kind]) => kind === 'end').map(([, e]) => e as SubRequestEndEvent);
  assert.equal(
    ends.map((e) => [e.id, e.route, e.status, e.code, e.skipped]),
    [
      ['a', '/widgets/:id', 200, undefined, false],
      ['b', '/widgets/:id', 500, 'INTERNAL', false],
      ['c', undefined, 424, 'DEPENDENCY_FAILED', true],
    ],
  );
  for (const e of ends) assert.ok(e.durationMs >= 0);
  const end = events.at(-1)![1] as BatchEndEvent;
  assert.is(end.status, 200);
  assert.equal(end.summary, { succeeded: 1, failed: 1, skipped: 1 });
  assert.ok(end.durationMs >= 0);
});

test('a hook that throws is logged as a warning and changes no answer', async () => {
  const warned: Array<Record<string, unknown>> = [];
  const engine = observeEngine({
    telemetry: false,
    logger: { error: () => undefined, warn: (fields, msg) => warned.push({ msg, ...fields }) },
    onSubRequestEnd: () => {
      throw new Error('hook bug');
    },
  });
  const res = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    body: { requests: [{ id: 'a', method: 'GET', url: '/widgets/1' }] },
  });
  assert.is(res.status, 200);
  assert.is(res.json<{ responses: Array<{ status: number }> }>().responses[0]!.status, 200);
  assert.is(warned.length, 1);
  assert.is(warned[0]!.msg, 'an observe hook threw');
  assert.is((warned[0]!.err as { message: string }).message, 'hook bug');
});

test('a batch refused before it is decoded ends with its status and no start', async () => {
  const { events, hooks } = recorder();
  const engine = observeEngine(hooks);
  const res = await inject(engine, { method: 'POST', url: '/shop/$batch', body: { requests: 'nope' } });
  assert.is(res.status, 400);
  assert.equal(
    events.map(([kind]) => kind),
    ['batchEnd'],
  );
  assert.is((events[0]![1] as BatchEndEvent).status, 400);
  assert.is((events[0]![1] as BatchEndEvent).items, undefined);
});

test.run();
