import 'reflect-metadata';
import {
  createEngine,
  DEFAULT_LIMITS,
  type EngineOptions,
  Get,
  type HandlerContext,
  Post,
  Put,
  Resource,
  RestBatchError,
} from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Answer, canonicalDialect, untilAborted } from './support/features-engine.js';

/** Tells the test when a waiting handler started, and lets it go on the test's word. */
interface Gate {
  entered: () => void;
  released: Promise<void>;
}

/** One entry per key in the session; `fail-later` waits at the gate, then fails its run. */
@Resource('KV', { session: 'required' })
class KvResource {
  @Put(':key')
  async put(ctx: HandlerContext<{ v: string }>) {
    await ctx.session!.set('kv', ctx.params.key!, ctx.body.v);
    return { key: ctx.params.key, v: ctx.body.v };
  }

  @Post('add/:key')
  async add(ctx: HandlerContext<{ v: string }>) {
    return { added: await ctx.session!.add('kv', ctx.params.key!, ctx.body.v) };
  }

  @Post('delete/:key')
  async remove(ctx: HandlerContext) {
    return { deleted: await ctx.session!.delete('kv', ctx.params.key!) };
  }

  @Get('fail-later')
  async failLater(ctx: HandlerContext): Promise<never> {
    const gate = ctx.scope.resolve<Gate>('gate');
    gate.entered();
    await gate.released;
    throw new RestBatchError('VALIDATION_FAILED', 'failed after another batch wrote');
  }
}

/** Compensation steps: one that never settles (it only records that its signal aborted), one that undoes at once. */
@Resource('Hang')
class HangResource {
  @Post('hang')
  hang(ctx: HandlerContext) {
    const ledger = ctx.scope.resolve<string[]>('ledger');
    ctx.onRollback((signal) => {
      signal.addEventListener('abort', () => ledger.push(`hang aborted: ${(signal.reason as RestBatchError).code}`));
      return new Promise<void>(() => undefined);
    });
    return { ok: 1 };
  }

  @Post('quick')
  quick(ctx: HandlerContext) {
    const ledger = ctx.scope.resolve<string[]>('ledger');
    ctx.onRollback(() => {
      ledger.push('quick undone');
    });
    return { ok: 2 };
  }

  @Post('fail')
  fail(): never {
    throw new RestBatchError('VALIDATION_FAILED', 'failed on purpose');
  }

  @Get('wait')
  wait(ctx: HandlerContext) {
    return untilAborted(ctx.signal);
  }
}

function engineWith(options: Partial<EngineOptions> = {}) {
  const ledger: string[] = [];
  const logged: Array<Record<string, unknown>> = [];
  let entered!: () => void;
  let release!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  const gate: Gate = { entered, released: new Promise<void>((resolve) => (release = resolve)) };
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [KvResource, HangResource],
        batch: [{ path: 'batch', dialect: canonicalDialect, allowExistingSession: true }],
        sessions: { param: 'sid' },
        register: (container) => {
          container.registerInstance('ledger', ledger);
          container.registerInstance('gate', gate);
        },
      },
    ],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
    ...options,
  });
  const call = createDirectCaller(engine);
  const send = async (body: unknown, opts: { sid?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}) => {
    const url = opts.sid === undefined ? '/api/batch' : `/api/batch?sid=${opts.sid}`;
    return (await call({ url, body, headers: opts.headers, signal: opts.signal })) as { status: number; body: Answer };
  };
  return { engine, send, ledger, logged, started, release };
}

const codes = (answer: Answer) => answer.results.map((r) => [r.status, r.error?.code ?? null]);

/** Runs an atomic batch that writes with `first`, then fails once batch B (same session) wrote `x` = "from B". */
async function rollbackAfterConcurrentWrite(first: Record<string, unknown>, initial: string | undefined) {
  const { engine, send, started, release } = engineWith();
  const sid = await engine.store.create({}, { ttlMs: 60_000 });
  if (initial !== undefined) await engine.store.set(sid, 'kv', 'x', initial);
  const a = send({ onFail: 'atomic', requests: [first, { method: 'GET', url: '/KV/fail-later' }] }, { sid });
  await started;
  const b = await send({ requests: [{ method: 'PUT', url: '/KV/x', body: { v: 'from B' } }] }, { sid });
  release();
  const answerA = await a;
  return { engine, sid, answerA, b };
}

test('docs/atomic.md: on the memory store a rollback keeps the write another batch made to the same entry after the run', async () => {
  const { engine, sid, answerA, b } = await rollbackAfterConcurrentWrite(
    { method: 'PUT', url: '/KV/x', body: { v: 'from A' } },
    'original',
  );
  assert.equal(codes(b.body), [[200, null]]);
  assert.equal(codes(answerA.body), [
    [424, 'ROLLED_BACK'],
    [400, 'VALIDATION_FAILED'],
  ]);
  assert.is(await engine.store.get(sid, 'kv', 'x'), 'from B');
});

test('a rolled-back add keeps the value another batch wrote to the key meanwhile', async () => {
  const { engine, sid, answerA } = await rollbackAfterConcurrentWrite(
    { method: 'POST', url: '/KV/add/x', body: { v: 'from A' } },
    undefined,
  );
  assert.equal(codes(answerA.body)[0], [424, 'ROLLED_BACK']);
  assert.is(await engine.store.get(sid, 'kv', 'x'), 'from B');
});

test('a rolled-back delete does not bring the old value back over a value another batch wrote meanwhile', async () => {
  const { engine, sid, answerA } = await rollbackAfterConcurrentWrite({ method: 'POST', url: '/KV/delete/x' }, 'original');
  assert.equal(codes(answerA.body)[0], [424, 'ROLLED_BACK']);
  assert.is(await engine.store.get(sid, 'kv', 'x'), 'from B');
});

test('a rollback with no concurrent write still puts every old value back', async () => {
  const { engine, send } = engineWith();
  const sid = await engine.store.create({}, { ttlMs: 60_000 });
  await engine.store.set(sid, 'kv', 'x', 'original');
  await engine.store.set(sid, 'kv', 'y', 'kept');
  const res = await send(
    {
      onFail: 'atomic',
      requests: [
        { method: 'PUT', url: '/KV/x', body: { v: 'from A' } },
        { method: 'POST', url: '/KV/add/z', body: { v: 'new' } },
        { method: 'POST', url: '/KV/delete/y' },
        { method: 'POST', url: '/Hang/fail' },
      ],
    },
    { sid },
  );
  assert.equal(codes(res.body).slice(0, 3), [
    [424, 'ROLLED_BACK'],
    [424, 'ROLLED_BACK'],
    [424, 'ROLLED_BACK'],
  ]);
  assert.equal(await engine.store.list(sid, 'kv'), [
    ['x', 'original'],
    ['y', 'kept'],
  ]);
});

test('a compensation step that never settles cannot hold the batch: its signal aborts, the other steps run, 500 ROLLBACK_INCOMPLETE', async () => {
  const { send, ledger, logged } = engineWith({ limits: { batchTimeoutMs: 300, rollbackTimeoutMs: 100 } });
  const controller = new AbortController();
  const abort = setTimeout(() => controller.abort(), 600);
  let guard: ReturnType<typeof setTimeout> | undefined;
  try {
    const answer = send(
      {
        onFail: 'atomic',
        requests: [
          { method: 'POST', url: '/Hang/quick' },
          { method: 'POST', url: '/Hang/hang' },
          { method: 'POST', url: '/Hang/fail' },
        ],
      },
      { headers: { 'RestBatch-Timeout': '200' }, signal: controller.signal },
    );
    const hung = new Promise<'hung'>((resolve) => (guard = setTimeout(() => resolve('hung'), 5000)));
    const res = await Promise.race([answer, hung]);
    if (res === 'hung') return assert.unreachable('the batch never answered');
    assert.is(res.status, 200);
    assert.equal(codes(res.body), [
      [500, 'ROLLBACK_INCOMPLETE'],
      [500, 'ROLLBACK_INCOMPLETE'],
      [400, 'VALIDATION_FAILED'],
    ]);
    assert.equal(ledger, ['hang aborted: TIMEOUT', 'quick undone']);
    const failed = logged.filter((l) => l.message === 'rollback step failed');
    assert.is(failed.length, 1);
    assert.is((failed[0]!.err as { code?: string }).code, 'TIMEOUT');
  } finally {
    clearTimeout(abort);
    clearTimeout(guard);
  }
});

test('docs/atomic.md: a rollback that starts after the deadline still runs every undo step, each within the rollback time limit', async () => {
  const { send, ledger } = engineWith({ limits: { rollbackTimeoutMs: 100 } });
  const res = await send(
    {
      requests: [
        { method: 'POST', url: '/Hang/quick', atomicityGroup: 'g' },
        { method: 'POST', url: '/Hang/hang', atomicityGroup: 'g' },
        { method: 'GET', url: '/Hang/wait', atomicityGroup: 'g' },
      ],
    },
    { headers: { 'RestBatch-Timeout': '50' } },
  );
  assert.equal(codes(res.body), [
    [500, 'ROLLBACK_INCOMPLETE'],
    [500, 'ROLLBACK_INCOMPLETE'],
    [504, 'TIMEOUT'],
  ]);
  assert.equal(ledger, ['hang aborted: TIMEOUT', 'quick undone']);
});

test('the rollback time limit defaults to 10 s per undo step', () => {
  assert.is(DEFAULT_LIMITS.rollbackTimeoutMs, 10_000);
  const { engine } = engineWith();
  assert.is(engine.limits.rollbackTimeoutMs, 10_000);
});

test('a rollback time limit that is not a number of ms fails createEngine', () => {
  for (const value of [Number.NaN, -1]) {
    assert.throws(
      () => engineWith({ limits: { rollbackTimeoutMs: value } }),
      /limits\.rollbackTimeoutMs must be a number of ms of at least 0/,
    );
  }
  assert.is(engineWith({ limits: { rollbackTimeoutMs: 0 } }).engine.limits.rollbackTimeoutMs, 0);
});

test.run();
