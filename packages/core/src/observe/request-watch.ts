import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { type Logger, serializeError } from '../engine/logger.js';
import type { BatchResult, BatchSummary, Headers, SubRequest, SubResult } from '../model/canonical.js';
import type { ObserveHooks } from './observe-hooks.js';
import type { Instruments, Telemetry } from './telemetry.js';

/** What a request watch is told when it starts. */
export interface WatchStart {
  readonly kind: 'batch' | 'call';
  readonly requestId: string;
  readonly method: string;
  /** The batch endpoint's full path; the API's base for a call (its route is added when known). */
  readonly route: string;
  readonly path: string;
  readonly base: string;
  readonly dialect: string | undefined;
  readonly transport: string | undefined;
  readonly headers: Headers;
}

/** One sub-request being watched. */
export interface ItemMark {
  readonly span: Span | undefined;
  readonly start: number;
}

const BUDGET_CODES = new Set(['REFERENCES_TOO_LARGE', 'RESULTS_TOO_LARGE']);

/**
 * One outer request under observation: its span (continuing an incoming `traceparent`), its child
 * spans per sub-request, its metrics and hooks. Made only when something observes.
 */
export class RequestWatch {
  readonly context: Context | undefined;
  /** Whether the executor calls `itemStart`/`itemEnd` for each sub-request. */
  readonly perItem: boolean;
  readonly #start = performance.now();
  readonly #span: Span | undefined;
  readonly #instruments: Instruments | undefined;
  readonly #telemetry: Telemetry | undefined;
  #items: number | undefined;
  #batch: BatchResult | undefined;
  #callRoute: string | undefined;

  constructor(
    readonly info: WatchStart,
    telemetry: Telemetry | undefined,
    readonly hooks: ObserveHooks,
    readonly logger: Logger,
  ) {
    this.#instruments = telemetry?.instruments;
    this.#telemetry = telemetry;
    if (telemetry?.tracing === true) {
      const parent = telemetry.propagator.extract(ROOT_CONTEXT, info.headers, defaultTextMapGetter);
      const span = telemetry.tracer.startSpan(
        `${info.method} ${info.route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': info.method,
            'url.path': info.path,
            'restbatch.request_id': info.requestId,
            ...(info.kind === 'batch' ? { 'http.route': info.route, 'restbatch.dialect': info.dialect } : {}),
            ...(info.transport === undefined ? {} : { 'restbatch.transport': info.transport }),
          },
        },
        parent,
      );
      if (span.isRecording()) {
        this.#span = span;
        this.context = trace.setSpan(parent, span);
      }
    }
    this.perItem =
      info.kind === 'batch' &&
      (this.#span !== undefined ||
        this.#instruments !== undefined ||
        hooks.onSubRequestStart !== undefined ||
        hooks.onSubRequestEnd !== undefined);
    this.#instruments?.active.add(1, { 'restbatch.kind': info.kind });
  }

  /** The batch was decoded: `items` sub-requests will run. */
  decoded(items: number): void {
    this.#items = items;
    this.#span?.setAttribute('restbatch.items', items);
    this.#instruments?.batchSize.record(items, { 'http.route': this.info.route, 'restbatch.dialect': this.info.dialect ?? '' });
    const hook = this.hooks.onBatchStart;
    if (hook !== undefined) {
      const { requestId, route, dialect, transport } = this.info;
      this.#safely(() => hook({ requestId, endpoint: route, dialect: dialect ?? '', items, transport }));
    }
  }

  /** A sub-request starts (before its checks: a skipped one is watched too). */
  itemStart(sub: SubRequest): ItemMark {
    let span: Span | undefined;
    const tracer = this.#telemetry?.tracer;
    if (this.#span !== undefined && tracer !== undefined) {
      const attributes: Attributes = {
        'http.request.method': sub.method,
        'url.path': `${this.info.base}${sub.path}`,
        'restbatch.index': sub.index,
        'restbatch.dialect': this.info.dialect ?? '',
      };
      if (sub.id !== undefined) attributes['restbatch.id'] = sub.id;
      span = tracer.startSpan(`${sub.method} ${sub.path}`, { kind: SpanKind.INTERNAL, attributes }, this.context);
    }
    const hook = this.hooks.onSubRequestStart;
    if (hook !== undefined) {
      this.#safely(() => hook({ requestId: this.info.requestId, index: sub.index, id: sub.id, method: sub.method, path: sub.path }));
    }
    return { span, start: performance.now() };
  }

  /** Runs `work` with the sub-request's span active, so handlers can make child spans. */
  within<T>(mark: ItemMark, work: () => T): T {
    const span = mark.span;
    return span === undefined ? work() : context.with(trace.setSpan(this.context as Context, span), work);
  }

  /** A sub-request has its result; `route` is the pattern it ran, if it reached one. */
  itemEnd(mark: ItemMark, sub: SubRequest, result: SubResult, route: string | undefined): void {
    const durationMs = performance.now() - mark.start;
    const code = result.error?.code;
    const skipped = result.skipped === true;
    const fullRoute = route === undefined ? undefined : `${this.info.base}${route}`;
    const span = mark.span;
    if (span !== undefined) {
      if (fullRoute !== undefined) {
        span.updateName(`${sub.method} ${fullRoute}`);
        span.setAttribute('http.route', fullRoute);
      }
      span.setAttribute('http.response.status_code', result.status);
      span.setAttribute('restbatch.skipped', skipped);
      if (result.status >= 400) {
        span.setAttribute('error.type', code ?? String(result.status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.error?.message });
      }
      span.end();
    }
    const instruments = this.#instruments;
    if (instruments !== undefined) {
      instruments.duration.record(durationMs / 1000, {
        'http.request.method': sub.method,
        'http.route': fullRoute ?? '',
        'restbatch.status_class': `${Math.floor(result.status / 100)}xx`,
      });
      if (code !== undefined && BUDGET_CODES.has(code)) instruments.refusals.add(1, { 'error.type': code });
    }
    const hook = this.hooks.onSubRequestEnd;
    if (hook !== undefined) {
      const { requestId } = this.info;
      this.#safely(() =>
        hook({
          requestId,
          index: sub.index,
          id: sub.id,
          method: sub.method,
          path: sub.path,
          route,
          status: result.status,
          code,
          skipped,
          durationMs,
        }),
      );
    }
  }

  /** The batch ran: its final results (after rollbacks) are counted when the request finishes. */
  ran(batch: BatchResult): void {
    this.#batch = batch;
  }

  /** An ordinary call reached its route. */
  routed(route: string | undefined): void {
    this.#callRoute = route;
  }

  /** The outer request has its answer. */
  finish(status: number): void {
    const batch = this.#batch;
    const durationMs = performance.now() - this.#start;
    const summary = batch?.summary;
    const instruments = this.#instruments;
    instruments?.active.add(-1, { 'restbatch.kind': this.info.kind });
    const rolledBack = batch === undefined ? 0 : countOutcomes(batch, instruments);
    const span = this.#span;
    if (span !== undefined) {
      if (this.#callRoute !== undefined) {
        const route = `${this.info.base}${this.#callRoute}`;
        span.updateName(`${this.info.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', status);
      if (summary !== undefined) setSummary(span, summary, rolledBack);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    const hook = this.hooks.onBatchEnd;
    if (hook !== undefined && this.info.kind === 'batch') {
      const { requestId, route, dialect, transport } = this.info;
      this.#safely(() =>
        hook({ requestId, endpoint: route, dialect: dialect ?? '', transport, items: this.#items, status, summary, durationMs }),
      );
    }
  }

  #safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.warn?.({ requestId: this.info.requestId, err: serializeError(error) }, 'an observe hook threw');
    }
  }
}

function setSummary(span: Span, summary: BatchSummary, rolledBack: number): void {
  for (const [key, value] of Object.entries(summary)) if (typeof value === 'number') span.setAttribute(`restbatch.${key}`, value);
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
    else if (result.error?.code === 'ROLLED_BACK') rolledBack++;
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
