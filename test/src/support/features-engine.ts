import 'reflect-metadata';
import {
  createEngine,
  type DecodedBatch,
  type Dialect,
  type Engine,
  type EngineOptions,
  Get,
  type HandlerContext,
  type HttpMethod,
  parseUrl,
  Post,
  Resource,
  RestBatchError,
  reply,
  type SubRequest,
  type SubResult,
} from '@restbatch/core';
import { createDirectCaller, type DirectCaller } from '@restbatch/direct';

/** One item of the test dialect's answer: the canonical result as is. */
export interface Item {
  index: number;
  id?: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  skipped?: boolean;
  error?: { code: string; message: string };
}

/** The test dialect's answer. */
export interface Answer {
  results: Item[];
  summary: { succeeded: number; failed: number; skipped: number };
}

/**
 * A dialect that carries every canonical field on the wire (ids, onFail, dependsOn, atomicity
 * groups, timeouts), so that each executor rule can be tested without a vendor's restrictions.
 */
export const canonicalDialect: Dialect = {
  name: 'canonical',
  defaults: { maxSubRequests: 1000 },
  decode(body, context): DecodedBatch {
    const envelope = body as { onFail?: 'continue' | 'stop' | 'atomic'; timeoutMs?: number; requests: Array<Record<string, unknown>> };
    if (envelope === null || typeof envelope !== 'object' || !Array.isArray(envelope.requests)) {
      throw new RestBatchError('BATCH_MALFORMED', 'send {requests: [...]}');
    }
    const requests = envelope.requests.map((r, index): SubRequest => {
      const url = String(r.url);
      const { path, query } = parseUrl(url.startsWith('/') ? url : `/${url}`);
      const sub: SubRequest = {
        index,
        method: String(r.method ?? 'GET') as HttpMethod,
        path,
        query,
        headers: (r.headers as Record<string, string>) ?? {},
      };
      for (const field of ['id', 'body', 'onFail', 'dependsOn', 'atomicityGroup', 'timeoutMs'] as const) {
        if (r[field] !== undefined) (sub as unknown as Record<string, unknown>)[field] = r[field];
      }
      return sub;
    });
    const batch: DecodedBatch = { requests, session: context.query.sid === undefined ? 'new' : 'existing' };
    if (envelope.onFail !== undefined) batch.onFail = envelope.onFail;
    if (envelope.timeoutMs !== undefined) batch.timeoutMs = envelope.timeoutMs;
    return batch;
  },
  // JSON values only, as a wire format is: an absent id is no member, not `id: undefined`.
  encode: (result) => ({ results: result.results.map(jsonItem), summary: result.summary }),
  encodeResult: jsonItem,
  encodeError: (error) => ({ error: { code: error.code, message: error.message } }),
};

/** A result as the wire carries it: members that are undefined are left out, at every depth. */
function jsonItem(result: SubResult): Record<string, unknown> {
  return JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
}

/** Waits until the signal aborts, then rejects with its reason (a handler that honours its signal). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Notes kept in the batch's session; every write goes through the journaled session. */
@Resource('Notes', { session: 'required' })
class NotesResource {
  @Post()
  async create(ctx: HandlerContext<{ id: string; text?: string }>) {
    const note = { id: ctx.body.id, text: ctx.body.text ?? '' };
    if (!(await ctx.session!.add('notes', note.id, note))) throw new RestBatchError('CONFLICT', `note ${note.id} exists`);
    return reply(201, note, { location: `/Notes/${encodeURIComponent(note.id)}` });
  }

  @Get(':id')
  async read(ctx: HandlerContext) {
    const note = await ctx.session!.get('notes', ctx.params.id!);
    if (note === undefined) throw new RestBatchError('NOT_FOUND', `no note ${ctx.params.id}`);
    return note;
  }

  /** Writes two notes, then throws half-way: the group must leave no trace of either. */
  @Post('explode')
  async explode(ctx: HandlerContext) {
    await ctx.session!.set('notes', 'half-1', { id: 'half-1' });
    await ctx.session!.update({ touched: true });
    await ctx.session!.set('notes', 'half-2', { id: 'half-2' });
    throw new Error('boom after writing');
  }

  /** Writes a note and declares an undo step that fails: a rollback that cannot complete. */
  @Post('stuck')
  async stuck(ctx: HandlerContext) {
    await ctx.session!.set('notes', 'stuck', { id: 'stuck' });
    ctx.onRollback(() => {
      throw new Error('the external undo failed');
    });
    return { id: 'stuck' };
  }

  /** Records an external side effect and declares how to undo it. */
  @Post('external')
  async external(ctx: HandlerContext<{ name: string }>) {
    const ledger = ctx.scope.resolve<string[]>('ledger');
    ledger.push(ctx.body.name);
    ctx.onRollback(() => {
      ledger.splice(ledger.indexOf(ctx.body.name), 1);
    });
    return { recorded: ctx.body.name };
  }
}

/** Routes that show what a sub-request received, fail on demand or wait for their signal. */
@Resource('Tools')
class ToolsResource {
  @Get('echo/:value')
  echo(ctx: HandlerContext) {
    return { params: ctx.params, query: ctx.query, header: ctx.headers['x-ref'] ?? null };
  }

  @Post('echo')
  echoBody(ctx: HandlerContext) {
    return { body: ctx.body };
  }

  @Post('fail')
  fail(): never {
    throw new RestBatchError('VALIDATION_FAILED', 'failed on purpose');
  }

  @Get('wait')
  wait(ctx: HandlerContext) {
    return untilAborted(ctx.signal);
  }

  @Get('ok')
  ok() {
    return { ok: true };
  }
}

/** A fresh engine serving the test API at `/api` (batch endpoint `/api/batch`). */
export function featuresEngine(options: Partial<EngineOptions> = {}): {
  engine: Engine;
  call: DirectCaller;
  ledger: string[];
  logged: Array<Record<string, unknown>>;
} {
  const ledger: string[] = [];
  const logged: Array<Record<string, unknown>> = [];
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [NotesResource, ToolsResource],
        batch: [{ path: 'batch', dialect: canonicalDialect, allowExistingSession: true }],
        sessions: { param: 'sid' },
        register: (container) => container.registerInstance('ledger', ledger),
      },
    ],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
    ...options,
  });
  return { engine, call: createDirectCaller(engine), ledger, logged };
}

/** A new, empty session of `engine`; batches run in it with `?sid=`. */
export function newSession(engine: Engine): Promise<string> {
  return engine.store.create({}, { ttlMs: 60_000 });
}

/** Sends `requests` (plus envelope options) to the test batch endpoint and returns the answer. */
export async function batch(
  call: DirectCaller,
  envelope: Record<string, unknown>,
  options: { sid?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Record<string, string>; body: Answer & { error?: { code: string; message: string } } }> {
  const url = options.sid === undefined ? '/api/batch' : `/api/batch?sid=${options.sid}`;
  const res = await call({ url, body: envelope, headers: options.headers, signal: options.signal });
  return res as never;
}
