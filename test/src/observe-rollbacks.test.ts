import 'reflect-metadata';
import { type DataPoint, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  createEngine,
  Get,
  type HandlerContext,
  inject,
  odataDialect,
  Post,
  Resource,
  RestBatchError,
  type SubRequestEndEvent,
} from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * Steps of an atomic run whose undo ends in each way: `done` undoes at once; `queued` says its undo is
 * not confirmed yet (what a store answers while Redis is paused: `ROLLBACK_PENDING`); `stuck` fails
 * to undo. `fail` fails the run.
 */
@Resource('steps')
class Steps {
  @Post('done')
  done(ctx: HandlerContext) {
    ctx.onRollback(() => undefined);
    return { step: 'done' };
  }

  @Post('queued')
  queued(ctx: HandlerContext) {
    ctx.onRollback(() => {
      throw new RestBatchError('ROLLBACK_PENDING', 'the undo is queued until the store answers');
    });
    return { step: 'queued' };
  }

  @Post('stuck')
  stuck(ctx: HandlerContext) {
    ctx.onRollback(() => {
      throw new Error('the external undo failed');
    });
    return { step: 'stuck' };
  }

  @Get('fail')
  fail(): never {
    throw new RestBatchError('VALIDATION_FAILED', 'failed on purpose');
  }
}

/** Runs one atomicity group `g` of `steps` then a failing member, with spans, metrics and hooks recorded. */
async function runGroup(steps: string[]) {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  const ends: SubRequestEndEvent[] = [];
  const engine = createEngine({
    apis: [{ base: '/shop', resources: [Steps], batch: [{ path: '$batch', dialect: odataDialect({}) }] }],
    logger: { error: () => undefined },
    telemetry: {
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
      meterProvider: new MeterProvider({ readers: [reader] }),
    },
    onSubRequestEnd: (e) => ends.push(e),
  });
  const requests = [
    ...steps.map((step, i) => ({ id: `s${i}`, method: 'POST', url: `/steps/${step}`, atomicityGroup: 'g' })),
    { id: 'f', method: 'GET', url: '/steps/fail', atomicityGroup: 'g' },
  ];
  const res = await inject(engine, {
    method: 'POST',
    url: '/shop/$batch',
    headers: { prefer: 'continue-on-error' },
    body: { requests },
  });
  assert.is(res.status, 200);
  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.parentSpanContext === undefined) as ReadableSpan;
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)
    .sort((a, b) => Number(a.attributes['restbatch.index']) - Number(b.attributes['restbatch.index']));
  const { resourceMetrics } = await reader.collect();
  const metric = (resourceMetrics as ResourceMetrics).scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'restbatch.subrequest.outcomes');
  const outcomes = Object.fromEntries(
    ((metric?.dataPoints ?? []) as DataPoint<number>[]).map((p) => [p.attributes['restbatch.outcome'], p.value]),
  );
  return { root, children, ends, outcomes };
}

test('a rollback pending the store counts as rolled back: span attribute, hook event and outcome', async () => {
  const { root, children, ends, outcomes } = await runGroup(['done', 'queued']);
  assert.equal(
    children.map((s) => [
      s.attributes['restbatch.id'],
      s.attributes['http.response.status_code'],
      s.attributes['restbatch.rolled_back'],
      s.attributes['error.type'],
    ]),
    [
      ['s0', 503, true, 'ROLLBACK_PENDING'],
      ['s1', 503, true, 'ROLLBACK_PENDING'],
      ['f', 400, undefined, 'VALIDATION_FAILED'],
    ],
  );
  assert.is(root.attributes['restbatch.rolled_back'], 2);
  assert.equal(ends.map((e) => [e.id, e.status, e.code, e.rolledBack]).sort(), [
    ['f', 400, 'VALIDATION_FAILED', false],
    ['s0', 503, 'ROLLBACK_PENDING', true],
    ['s1', 503, 'ROLLBACK_PENDING', true],
  ]);
  assert.equal(outcomes, { failed: 1, rolled_back: 2 });
});

test('an incomplete rollback is a failure, not rolled back: span attribute, hook event and outcome', async () => {
  const { root, children, ends, outcomes } = await runGroup(['done', 'stuck']);
  assert.equal(
    children.map((s) => [
      s.attributes['restbatch.id'],
      s.attributes['http.response.status_code'],
      s.attributes['restbatch.rolled_back'],
      s.attributes['error.type'],
    ]),
    [
      ['s0', 500, undefined, 'ROLLBACK_INCOMPLETE'],
      ['s1', 500, undefined, 'ROLLBACK_INCOMPLETE'],
      ['f', 400, undefined, 'VALIDATION_FAILED'],
    ],
  );
  assert.is(root.attributes['restbatch.rolled_back'], 0);
  assert.equal(ends.map((e) => [e.id, e.status, e.code, e.rolledBack]).sort(), [
    ['f', 400, 'VALIDATION_FAILED', false],
    ['s0', 500, 'ROLLBACK_INCOMPLETE', false],
    ['s1', 500, 'ROLLBACK_INCOMPLETE', false],
  ]);
  assert.equal(outcomes, { failed: 3 });
});

test('a rollback whose every undo step ran is rolled back', async () => {
  const { root, ends, outcomes } = await runGroup(['done']);
  assert.is(root.attributes['restbatch.rolled_back'], 1);
  assert.equal(ends.map((e) => [e.id, e.code, e.rolledBack]).sort(), [
    ['f', 'VALIDATION_FAILED', false],
    ['s0', 'ROLLED_BACK', true],
  ]);
  assert.equal(outcomes, { failed: 1, rolled_back: 1 });
});

test.run();
