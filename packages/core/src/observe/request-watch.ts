import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { DecodedBatch } from '../dialects/dialect.js';
import { type Logger, serializeError } from '../engine/logger.js';
import type { BatchResult, BatchSummary, Headers, SubRequest, SubResult } from '../model/canonical.js';
import type { Instruments } from './instruments.js';
import { itemContext } from './item-context.js';
import type { ObserveHooks } from './observe-hooks.js';
import { redactPath } from './redact-path.js';
import type { ApiRouteNames } from './route-names.js';
import type { Telemetry } from './telemetry.js';

/** What a request watch is told when it starts. */
export interface WatchStart {
  readonly kind: 'batch' | 'call';
  readonly requestId: string;
  readonly method: string;
  /** The batch endpoint's full path; the API's base for a call (its route is added when known). */
  readonly route: string;
  /** The path as requested; spans show it with its session ids scrubbed (see `redactPath`). */
  readonly path: string;
  readonly base: string;
  /** The API's session parameter (`sid`), undefined for an API without sessions. */
  readonly sessionParam: string | undefined;
  readonly dialect: string | undefined;
  readonly transport: string | undefined;
  /** The connection the request came on (WebSocket), when the transport names one. */
  readonly connectionId?: string | undefined;
  readonly headers: Headers;
}

/** A success in an atomic run, told once the run's outcome (commit or rollback) is known. */
interface Pending {
  readonly index: number;
  readonly sub: SubRequest;
  readonly result: SubResult;
  readonly route: string | undefined;
  readonly end: number;
}

const BUDGET_CODES = new Set(['REFERENCES_TOO_LARGE', 'RESULTS_TOO_LARGE', 'RESULT_TOO_DEEP', 'RESULTS_BUSY', 'SESSION_FULL']);

/**
 * Whether a final result was rolled back: `ROLLED_BACK`, or `ROLLBACK_PENDING` (undone, the store
 * confirms once it answers again). `ROLLBACK_INCOMPLETE` is not: an undo step failed and the changes
 * may remain, so it counts as a failure.
 */
function rolledBackCode(code: string | undefined): boolean {
  return code === 'ROLLED_BACK' || code === 'ROLLBACK_PENDING';
}

/**
 * One outer request under observation: its span (continuing an incoming `traceparent`), its child
 * spans per sub-request, its metrics and hooks. Made only when something observes. Per sub-request
 * it keeps a start time and a span in arrays (no object per item), names spans and attributes
 * durations from strings cached per route, and makes a span the active context only when a context
 * manager is there to carry it.
 */
export class RequestWatch {
  readonly context: Context | undefined;
  /** Whether the executor calls `itemStart`/`itemEnd` for each sub-request. */
  readonly perItem: boolean;
  readonly #start = performance.now();
  readonly #span: Span | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #instruments: Instruments | undefined;
  readonly #routes: ApiRouteNames | undefined;
  readonly #activates: boolean;
  #requests: readonly SubRequest[] = [];
  #items: number | undefined;
  #starts: number[] | undefined;
  #spans: (Span | undefined)[] | undefined;
  #seen = 0;
  #atomic = false;
  #pending: Pending[] | undefined;
  #batch: BatchResult | undefined;
  #callRoute: string | undefined;
  #execute: ((i: number) => unknown) | undefined;

  constructor(
    readonly info: WatchStart,
    telemetry: Telemetry | undefined,
    readonly hooks: ObserveHooks,
    readonly logger: Logger,
  ) {
    this.#instruments = telemetry?.instruments;
    let activates = false;
    if (telemetry?.tracing === true) {
      const parent = telemetry.propagator.extract(ROOT_CONTEXT, info.headers, defaultTextMapGetter);
      const attributes: Attributes = {
        'http.request.method': info.method,
        // A batch endpoint's path is the endpoint's own; a call's may hold a session id.
        'url.path': info.kind === 'call' ? redactPath(info.path, info.sessionParam) : info.path,
        'restbatch.request_id': info.requestId,
      };
      if (info.kind === 'batch') {
        attributes['http.route'] = info.route;
        attributes['restbatch.dialect'] = info.dialect;
      }
      if (info.transport !== undefined) attributes['restbatch.transport'] = info.transport;
      if (info.connectionId !== undefined) attributes['restbatch.connection_id'] = info.connectionId;
      const span = telemetry.tracer.startSpan(`${info.method} ${info.route}`, { kind: SpanKind.SERVER, attributes }, parent);
      // An unsampled request still carries its trace: the handlers' own spans and what they
      // propagate downstream stay in the incoming trace (unsampled too). Only its item spans are skipped.
      this.context = trace.setSpan(parent, span);
      if (span.isRecording()) {
        this.#span = span;
        this.#tracer = telemetry.tracer;
        activates = telemetry.activates;
      }
    }
    this.#activates = activates;
    this.#routes =
      this.#tracer !== undefined || this.#instruments !== undefined ? telemetry?.routes(info.base, info.sessionParam) : undefined;
    this.perItem =
      info.kind === 'batch' &&
      (this.#span !== undefined ||
        this.#instruments !== undefined ||
        hooks.onSubRequestStart !== undefined ||
        hooks.onSubRequestEnd !== undefined);
    this.#instruments?.active(info.kind, 1);
  }

  /** The batch was decoded: its sub-requests will run. */
  decoded(batch: DecodedBatch): void {
    const items = batch.requests.length;
    this.#requests = batch.requests;
    this.#items = items;
    if (this.perItem) {
      // A plain array: a typed array of a small batch costs an off-heap allocation and its finalization.
      this.#starts = new Array<number>(items).fill(0);
      if (this.#tracer !== undefined) this.#spans = new Array<Span | undefined>(items);
      this.#atomic = batch.onFail === 'atomic' || batch.requests.some((sub) => sub.onFail === 'atomic');
    }
    this.#span?.setAttribute('restbatch.items', items);
    this.#instruments?.batchSize.record(items, { 'http.route': this.info.route, 'restbatch.dialect': this.info.dialect ?? '' });
    const hook = this.hooks.onBatchStart;
    if (hook !== undefined) {
      const { requestId, route, dialect, transport } = this.info;
      this.#call(hook, { requestId, endpoint: route, dialect: dialect ?? '', items, transport });
    }
  }

  /** Sub-request `i` starts (before its checks: a skipped one is watched too); `references` it holds. */
  itemStart(i: number, sub: SubRequest, references: number): void {
    (this.#starts as number[])[i] = performance.now();
    this.#seen++;
    const tracer = this.#tracer;
    if (tracer !== undefined) {
      // Until the sub-request is routed, its span is named after its path: scrubbed, as url.path is.
      const path = redactPath(sub.path, this.info.sessionParam);
      const attributes: Attributes = {
        'http.request.method': sub.method,
        'url.path': `${this.info.base}${path}`,
        'restbatch.index': sub.index,
        'restbatch.dialect': this.info.dialect,
      };
      if (sub.id !== undefined) attributes['restbatch.id'] = sub.id;
      if (references > 0) attributes['restbatch.references'] = references;
      (this.#spans as (Span | undefined)[])[i] = tracer.startSpan(
        `${sub.method} ${path}`,
        { kind: SpanKind.INTERNAL, attributes },
        this.context,
      );
    }
    const hook = this.hooks.onSubRequestStart;
    if (hook !== undefined) {
      this.#call(hook, { requestId: this.info.requestId, index: sub.index, id: sub.id, method: sub.method, path: sub.path });
    }
  }

  /** Runs sub-request `i` with its span active (when a context manager carries it), so handlers can make child spans. */
  within<T>(i: number, run: { execute(i: number): T }): T {
    const span = this.#activates ? this.#spans?.[i] : undefined;
    if (span === undefined) return run.execute(i);
    // Bound once per batch: a context manager would otherwise bind `thisArg` on every call.
    this.#execute ??= run.execute.bind(run);
    return context.with(itemContext(this.context as Context, span), this.#execute as (i: number) => T, undefined, i);
  }

  /**
   * Sub-request `i` has its result; `route` is the pattern it ran, if it reached one. A success in an
   * atomic run is told once the run is over, with its final result (it may be rolled back).
   */
  itemEnd(i: number, sub: SubRequest, result: SubResult, route: string | undefined): void {
    const end = performance.now();
    if (result.status < 400 && (this.#atomic || sub.atomicityGroup !== undefined)) {
      this.#pending ??= [];
      this.#pending.push({ index: i, sub, result, route, end });
      return;
    }
    this.#ended(i, sub, result, route, end, false);
  }

  /** The batch ran: its final results (after rollbacks) are counted when the request finishes. */
  ran(batch: BatchResult): void {
    this.#batch = batch;
    this.#settleAtomic(batch.results);
    // Sub-requests the loop never reached (the rest of a failed atomicity group) are told now, as skipped.
    const starts = this.#starts;
    if (starts === undefined || this.#seen >= starts.length) return;
    for (let i = 0; i < starts.length; i++) {
      const result = batch.results[i];
      if (starts[i] !== 0 || result === undefined) continue;
      const sub = this.#requests[i] as SubRequest;
      this.itemStart(i, sub, 0);
      this.#ended(i, sub, result, undefined, starts[i] as number, false);
    }
  }

  /**
   * An ordinary call's route: told when the engine routes the call, and again by the executor once
   * it ran (undefined there when it failed before its route: a route told earlier is kept).
   */
  routed(route: string | undefined): void {
    if (route === undefined) return;
    this.#callRoute = route;
    // The route says which segment holds the session parameter, whatever it holds.
    const segment = this.#span === undefined ? -1 : (this.#routes as ApiRouteNames).of(route).sessionSegment;
    if (segment >= 0) this.#span?.setAttribute('url.path', redactPath(this.info.path, this.info.sessionParam, segment));
  }

  /** The outer request has its answer. */
  finish(status: number): void {
    // A batch that threw half-way: its atomic successes are told as they were.
    this.#settleAtomic(undefined);
    const batch = this.#batch;
    const durationMs = performance.now() - this.#start;
    const summary = batch?.summary;
    const instruments = this.#instruments;
    instruments?.active(this.info.kind, -1);
    const rolledBack = batch === undefined ? 0 : countOutcomes(batch, instruments);
    const span = this.#span;
    if (span !== undefined) {
      if (this.#callRoute !== undefined) {
        const names = (this.#routes as ApiRouteNames).of(this.#callRoute);
        span.updateName(names.name(this.info.method));
        span.setAttribute('http.route', names.route);
      }
      span.setAttribute('http.response.status_code', status);
      if (summary !== undefined) setSummary(span, summary, rolledBack);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    const hook = this.hooks.onBatchEnd;
    if (hook !== undefined && this.info.kind === 'batch') {
      const { requestId, route, dialect, transport } = this.info;
      const items = this.#items;
      const method = this.info.method;
      this.#call(hook, { requestId, endpoint: route, method, dialect: dialect ?? '', transport, items, status, summary, durationMs });
    }
  }

  #settleAtomic(results: readonly (SubResult | undefined)[] | undefined): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    for (const { index, sub, result, route, end } of pending) {
      const final = results?.[index] ?? result;
      this.#ended(index, sub, final, route, end, true);
    }
  }

  #ended(i: number, sub: SubRequest, result: SubResult, route: string | undefined, end: number, late: boolean): void {
    const rolledBack = late && rolledBackCode(result.error?.code);
    const durationMs = end - ((this.#starts as number[])[i] as number);
    const code = result.error?.code;
    const skipped = result.skipped === true;
    const names = this.#routes?.of(route);
    const spans = this.#spans;
    const span = spans?.[i];
    if (span !== undefined) {
      (spans as (Span | undefined)[])[i] = undefined;
      if (route !== undefined) {
        const routeNames = names as NonNullable<typeof names>;
        span.updateName(routeNames.name(sub.method));
        span.setAttribute('http.route', routeNames.route);
        const segment = routeNames.sessionSegment;
        if (segment >= 0) span.setAttribute('url.path', redactPath(`${this.info.base}${sub.path}`, this.info.sessionParam, segment));
      }
      span.setAttribute('http.response.status_code', result.status);
      if (skipped) span.setAttribute('restbatch.skipped', true);
      if (rolledBack) span.setAttribute('restbatch.rolled_back', true);
      if (result.status >= 400) {
        span.setAttribute('error.type', code ?? String(result.status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error?.message });
      }
      // Ends when its sub-request did (a span told late, in an atomic run, too), at the time its
      // duration was measured: one clock read less per item, and span and metric agree.
      span.end(end);
    }
    const instruments = this.#instruments;
    if (instruments !== undefined && names !== undefined) {
      instruments.duration.record(durationMs / 1000, names.duration(sub.method, result.status));
      if (code !== undefined && BUDGET_CODES.has(code)) instruments.refusals.add(1, { 'error.type': code });
    }
    const hook = this.hooks.onSubRequestEnd;
    if (hook !== undefined) {
      this.#call(hook, {
        requestId: this.info.requestId,
        index: sub.index,
        id: sub.id,
        method: sub.method,
        path: sub.path,
        route,
        status: result.status,
        code,
        skipped,
        rolledBack,
        durationMs,
      });
    }
  }

  /**
   * Every hook is called here. A hook that throws, or returns a promise that rejects (an `async`
   * hook), is logged at `warn`; a returned promise is not awaited, so it never delays the answer.
   */
  #call<E>(hook: (event: E) => unknown, event: E): void {
    try {
      const returned = hook(event);
      if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
        (returned as PromiseLike<unknown>).then(undefined, (error: unknown) => this.#warn(error));
      }
    } catch (error) {
      this.#warn(error);
    }
  }

  #warn(error: unknown): void {
    this.logger.warn?.({ requestId: this.info.requestId, err: serializeError(error) }, 'an observe hook threw');
  }
}

/**
 * The batch span's counts, as the outcomes metric counts them: the four add up to the items. The
 * dialect's summary counts a rolled-back item as failed; the span counts it as rolled back only.
 */
function setSummary(span: Span, summary: BatchSummary, rolledBack: number): void {
  span.setAttribute('restbatch.succeeded', summary.succeeded);
  span.setAttribute('restbatch.failed', summary.failed - rolledBack);
  span.setAttribute('restbatch.skipped', summary.skipped);
  span.setAttribute('restbatch.rolled_back', rolledBack);
}

/** Counts the final outcomes (a rollback changes earlier results) and returns how many were rolled back. */
function countOutcomes(batch: BatchResult, instruments: Instruments | undefined): number {
  let succeeded = 0;
  let failed = 0;
  let skipped = 0;
  let rolledBack = 0;
  for (const result of batch.results) {
    if (result === undefined) continue;
    if (result.status < 400) succeeded++;
    else if (rolledBackCode(result.error?.code)) rolledBack++;
    else if (result.skipped === true) skipped++;
    else failed++;
  }
  if (instruments !== undefined) {
    const add = (outcome: string, n: number) => n > 0 && instruments.outcomes.add(n, { 'restbatch.outcome': outcome });
    add('succeeded', succeeded);
    add('failed', failed);
    add('skipped', skipped);
    add('rolled_back', rolledBack);
  }
  return rolledBack;
}
