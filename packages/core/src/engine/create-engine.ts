import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { DecodedBatch, ErrorView } from '../dialects/dialect.js';
import { createErrorMapping } from '../errors/error-mapping.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import { BatchBudget } from '../executor/batch-budget.js';
import { Executor } from '../executor/executor.js';
import { ResultPool } from '../executor/result-pool.js';
import { MAX_DEPTH } from '../executor/snapshot.js';
import { checkHeaderLimits } from '../headers/check-header-limits.js';
import { JsonBody } from '../json/json-body.js';
import { HeaderRule } from '../headers/header-rule.js';
import type { BatchSummary, Headers, Query, SubRequest } from '../model/canonical.js';
import { isHttpMethod } from '../model/http-method.js';
import { type Caller, EnginePolicy } from '../policy/call-policy.js';
import { checkRecordLimits } from '../session/check-record-limits.js';
import { withCode } from '../errors/setup-error-codes.js';
import { MemorySessionStore } from '../session/memory-session-store.js';
import { Session } from '../session/session.js';
import { isSessionIdShape } from '../session/session-id.js';
import type { JsonValue, SessionStore } from '../session/session-store.js';
import { createAjv } from '../validation/create-ajv.js';
import { compileApis } from './compile-apis.js';
import type { CompiledApi, CompiledEndpoint } from './compiled-api.js';
import { type ApiDescription, describeApis } from './describe-apis.js';
import type { EngineLimits, EngineOptions } from './engine-options.js';
import { dialectHeaders, errorResponse, plainError, summaryHeader, withCallHeaders, withContentType } from './engine-responses.js';
import { allowWithHead, routedMethod } from './head-as-get.js';
import type { EngineRequest, EngineResponse } from './engine-types.js';
import { type InjectRequest, type InjectResponse, inject } from './inject.js';
import { createIdempotencyGuard, IDEMPOTENCY_HEADER, type IdempotencyGuard, type KeyedAnswer } from './idempotency-guard.js';
import { type Logger, serializeError, stderrLogger } from './logger.js';
import { Observer } from '../observe/observer.js';
import type { RequestWatch } from '../observe/request-watch.js';
import { callRoute, redactedPath } from '../observe/call-route.js';
import { redactQuery } from '../observe/redact-path.js';
import { context } from '@opentelemetry/api';
import { checkContentType, parseBody } from './parse-body.js';
import { InputCharge } from './input-charge.js';
import { InputPool } from './input-pool.js';
import { PreparedBody, prepareBatch } from './prepared-body.js';
import { LoopTurns } from '../executor/loop-turns.js';
import { TurnClock } from '../executor/turn-clock.js';
import { markNoReferences } from '../executor/no-references.js';
import { referencesOff } from '../headers/references-header.js';
import { normalizeHeaders } from '../headers/normalize-headers.js';
import { parseUrl } from './parse-url.js';
import { requestShapeError, shapeErrorUrl } from './request-shape.js';
import { shuttingDownError } from './shutting-down-error.js';
import { takesNoSession } from './takes-no-session.js';
import { nextTurn } from '../executor/next-turn.js';
import { ENGINE_TOKEN, SESSION_STORE_TOKEN } from './tokens.js';
import { excerpt } from '../errors/excerpt.js';

/** Default engine limits. */
export const DEFAULT_LIMITS: Readonly<EngineLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxDepth: 64,
  maxStringLength: 256 * 1024,
  maxSubRequests: 10_000,
  subRequestTimeoutMs: 0,
  batchTimeoutMs: 0,
  rollbackTimeoutMs: 10_000,
  maxRequestHeaders: 100,
  maxRequestHeaderBytes: 16 * 1024,
  maxResolvedBytes: 8 * 1024 * 1024,
  maxReferences: 10_000,
  maxReferencesPerSubRequest: 1000,
  maxResultBytes: 32 * 1024 * 1024,
  maxResultDepth: 256,
  maxResultBytesInFlight: 256 * 1024 * 1024,
  maxInputBytesInFlight: 256 * 1024 * 1024,
  yieldIntervalMs: 10,
  maxSessionsPerCaller: 100,
  maxIdempotencyRecordsPerCaller: 100,
  maxIdempotencyRecords: 10_000,
  maxIdempotencyRecordBytes: 256 * 1024,
  maxIdempotencyBytes: 64 * 1024 * 1024,
});

/** Ordinary calls read strict JSON, sent as JSON. */
const ORDINARY_BODY = { anyContentType: false, singleQuotedJson: false };

/** Where a URL leads: its path and query, the API mounted there, and the batch endpoint the rest of the path names. */
interface Location {
  readonly path: string;
  readonly query: Query;
  /** The API mounted at the path (undefined: none). */
  readonly api: CompiledApi | undefined;
  /** The path below the API's base (the whole path when no API is mounted there). */
  readonly rest: string;
  /** The batch endpoint at the path (undefined: none, or an ordinary call). */
  readonly endpoint: CompiledEndpoint | undefined;
}

/** An engine: the APIs it serves, its executor, its own DI container and session store. */
export class Engine {
  /** The engine's own child container; resources and services resolve from it. */
  readonly container: DependencyContainer;
  readonly store: SessionStore;
  readonly limits: Readonly<EngineLimits>;
  readonly logger: Logger;
  readonly #apis: CompiledApi[];
  readonly #executor: Executor;
  readonly #ttlMs: number;
  readonly #idempotency: IdempotencyGuard | undefined;
  readonly #policy: EnginePolicy;
  readonly #toError: (thrown: unknown) => RestBatchError;
  readonly #observer: Observer;
  // The characters of results all running batches hold (limits.maxResultBytesInFlight).
  readonly #results: ResultPool;
  // The estimated bytes of request bodies all running requests hold (limits.maxInputBytesInFlight).
  readonly #inputs: InputPool;
  #running = 0;
  // How many requests share the event loop now: each batch takes its part of the yield interval.
  readonly #sharing = () => this.#running;
  // The turns of the event loop its batches (and transports writing large answers) take in order.
  readonly #turns: LoopTurns;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: EngineOptions) {
    this.container = (options.container ?? rootContainer).createChildContainer();
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    checkRecordLimits(this.limits);
    checkReferenceLimits(this.limits);
    // NaN would time every undo step out at once; a negative one would silently mean "none".
    const rollbackMs = this.limits.rollbackTimeoutMs;
    if (typeof rollbackMs !== 'number' || !(rollbackMs >= 0))
      throw withCode(
        new RangeError(`limits.rollbackTimeoutMs must be a number of ms of at least 0 (0: no limit), not ${rollbackMs}`),
        'INVALID_OPTIONS',
      );
    this.#results = new ResultPool(checkResultLimits(this.limits));
    this.#inputs = new InputPool(checkInputLimit(this.limits));
    this.#turns = new LoopTurns(this.limits.yieldIntervalMs);
    this.logger = options.logger ?? stderrLogger;
    this.#observer = new Observer(options, this.logger);
    this.#observer.results(this.#results);
    this.#observer.input(this.#inputs);
    this.store = this.#observer.store(options.store ?? new MemorySessionStore());
    this.#ttlMs = options.sessionTtlMs ?? 20 * 60 * 1000;
    this.#idempotency = createIdempotencyGuard(this.store, options, this.limits);
    this.#policy = new EnginePolicy(options, this.limits.maxSessionsPerCaller);
    this.#toError = createErrorMapping(options);
    this.container.registerInstance(ENGINE_TOKEN, this);
    this.container.registerInstance(SESSION_STORE_TOKEN, this.store);
    this.#apis = compileApis(options.apis, createAjv(options.formats), this.container);
    this.#executor = new Executor({
      store: this.store,
      ttlMs: this.#ttlMs,
      container: this.container,
      headerRule: new HeaderRule(options.headers),
      limits: this.limits,
      logger: this.logger,
      toError: this.#toError,
    });
  }

  /** Every batch endpoint, as full paths with their dialect names. */
  get batchEndpoints(): Array<{ path: string; dialect: string }> {
    return this.#apis.flatMap((api) =>
      [...api.endpoints.values()].map((ep) => ({ path: `${api.base}${ep.path}`, dialect: ep.dialect.name })),
    );
  }

  /**
   * Every API with its routes (method, path template, schema, batchable, session, docs) and its
   * batch endpoints (dialect, limits), for API descriptions such as `@restbatch/openapi`.
   */
  routes(): ApiDescription[] {
    return describeApis(this.#apis, this.limits.maxSubRequests);
  }

  /** Whether `url` names a batch endpoint (transports use it to pick streaming or limits). */
  isBatchEndpoint(url: string): boolean {
    return this.#locate(url).endpoint !== undefined;
  }

  /**
   * The body of a request an in-process transport makes with a JSON value (the direct transport):
   * a {@link JsonBody} copy of it, or, for a batch endpoint whose dialect has a `valueDecoder`, the
   * batch decoded now in one pass ({@link PreparedBody}), copying only what the batch keeps (a
   * call's payload) and counting the whole value against the body limits as its JSON text. Either
   * shares nothing with `value`, so the caller may change it as soon as this returns. Send it once,
   * with the same `url` and `headers`. Whatever the prepared path cannot judge exactly (a malformed
   * batch, a body near a limit, an Idempotency-Key, anything JSON.stringify has its own rules for)
   * gets the copy, so answers (and the order of admission, limits and decode errors) are those of
   * the copy. Undefined when JSON has no text for `value`. Throws `BODY_UNWRITABLE` when
   * JSON.stringify refuses `value` (a BigInt, a cycle): answer it with {@link errorResponse}.
   */
  prepareBody(url: string, headers: EngineRequest['headers'], value: unknown): JsonBody | PreparedBody | undefined {
    // JsonBody.of throws BODY_UNWRITABLE itself; the prepared path gives up (undefined) on what it cannot copy.
    return this.#prepared(url, headers, value) ?? JsonBody.of(value, this.limits.maxBodyBytes);
  }

  #prepared(url: string, raw: EngineRequest['headers'], value: unknown): PreparedBody | undefined {
    if (value === undefined) return undefined;
    const { query, api, endpoint } = this.#locate(url);
    if (api === undefined || endpoint === undefined) return undefined;
    const headers = normalizeHeaders(raw);
    // The guard keeps the body's text to compare a retry with; a prepared body has none.
    if (this.#guardOf(headers) !== undefined) return undefined;
    let literal: boolean;
    try {
      literal = referencesOff(headers);
    } catch {
      // Refused when the batch is served (after admission), as a body read then is.
      return undefined;
    }
    return prepareBatch(url, endpoint, { query, headers, base: api.base, referencesOff: literal }, this.limits, value);
  }

  /** The idempotency guard, when it keeps the answer of a request with these headers (they name an Idempotency-Key). */
  #guardOf(headers: Headers): IdempotencyGuard | undefined {
    return headers[IDEMPOTENCY_HEADER] === undefined ? undefined : this.#idempotency;
  }

  /**
   * `url` as a log line or a span may show it: in an API with sessions, each session id in its path
   * (a segment its route reads as the session parameter, or one that reads as a session id) and the
   * value of the session parameter in its query (`?sid=`) replaced by `REDACTED`, as the engine
   * scrubs its own spans and logs. For a transport that logs the URL of a request.
   */
  redactUrl(url: string): string {
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const api = this.#apiOf(path);
    const param = api?.sessionParam;
    if (api === undefined || param === undefined) return url;
    const rest = path.slice(api.base.length);
    const shown = rest === '' ? path : api.base + redactedPath(api.routes, param, '', rest);
    return mark < 0 ? shown : `${shown}?${redactQuery(url.slice(mark + 1), param)}`;
  }

  /** Whether an API is mounted at `url`'s path (Connect-style transports pass other paths on). */
  serves(url: string): boolean {
    return this.#apiOf(parseUrl(url).path) !== undefined;
  }

  /**
   * The answer to `error` at `url`, in the error shape of the dialect there, with the headers that
   * dialect answers to the request's `headers` (OData's `OData-Version`) when they are given: for
   * transports that reject a request before the engine sees it (a body over the limit), so they
   * never shape bodies.
   */
  errorResponse(url: string, error: RestBatchError, headers?: Record<string, string | string[] | undefined>): EngineResponse {
    const { api, endpoint } = this.#locate(url);
    if (api === undefined) return plainError(error);
    return errorResponse(api, endpoint, error, normalizeHeaders(headers));
  }

  /**
   * The answer to a request its transport refuses before handing it to the engine (a body over the
   * transport's limit, 413 `PAYLOAD_TOO_LARGE`; a body it could not read), as {@link errorResponse}
   * makes it, observed as {@link dispatch} observes a request it refuses: a batch gets `onBatchEnd`
   * (with `items` undefined), the request a server span and its metrics. Transports answer their
   * own refusals with it.
   */
  refuse(request: Pick<EngineRequest, 'method' | 'url' | 'headers' | 'transport' | 'connectionId'>, error: RestBatchError): EngineResponse {
    const { path, api, endpoint } = this.#locate(request.url);
    if (api === undefined) return plainError(error);
    const headers = normalizeHeaders(request.headers);
    const response = errorResponse(api, endpoint, error, headers);
    const observed = this.#observer.active;
    const logged = endpoint !== undefined && this.#logs('info');
    if (observed || logged) {
      const requestId = requestIdOf(headers);
      if (observed) this.#watch(api, endpoint, path, request, requestId, headers).finish(response.status);
      if (logged) this.#batchLine(api, endpoint, request, requestId, response.status, error.code, undefined, 0);
    }
    return response;
  }

  /** A watch of one outer request (ask `this.#observer.active` first). */
  #watch(
    api: CompiledApi,
    endpoint: CompiledEndpoint | undefined,
    path: string,
    request: Pick<EngineRequest, 'method' | 'transport' | 'connectionId'>,
    requestId: string,
    headers: Headers,
  ): RequestWatch {
    return this.#observer.watch({
      kind: endpoint === undefined ? 'call' : 'batch',
      requestId,
      // A JavaScript caller may pass anything: observing never throws (OpenTelemetry's name for a method it does not know).
      method: typeof request.method === 'string' ? request.method.toUpperCase() : '_OTHER',
      route: endpoint === undefined ? api.base : path,
      path,
      base: api.base,
      sessionParam: api.sessionParam,
      dialect: endpoint?.dialect.name,
      transport: request.transport,
      connectionId: connectionIdOf(request),
      headers,
    });
  }

  /**
   * Headers the dialect of the batch endpoint at `url` puts on every answer to a request with these
   * headers (OData's `OData-Version`): for a transport that writes a streamed
   * answer's head before the engine's own answer exists. Empty for other URLs.
   */
  streamHeaders(url: string, headers?: Record<string, string | string[] | undefined>): Record<string, string> {
    const dialect = this.#locate(url).endpoint?.dialect;
    if (dialect === undefined) return {};
    return dialectHeaders(dialect, normalizeHeaders(headers), false);
  }

  /**
   * Lets go of the event loop until the engine's next turn: a transport that makes and writes a
   * large answer in slices waits here between them, so that its slices and the batches' take the
   * loop's turns in order and hold each turn for `limits.yieldIntervalMs` at most all together.
   */
  nextTurn(): Promise<void> {
    return this.#turns.next();
  }

  /** Batches and calls now running. */
  get running(): number {
    return this.#running;
  }

  /**
   * Characters of JSON results that running batches hold now, all together (bounded by
   * `limits.maxResultBytesInFlight`); 0 when no batch holds any.
   */
  get resultBytesInFlight(): number {
    return this.#results.used;
  }

  /**
   * Bytes of request bodies that running requests hold now, all together, as the engine estimates
   * them (bounded by `limits.maxInputBytesInFlight`); 0 when no request holds any.
   */
  get inputBytesInFlight(): number {
    return this.#inputs.used;
  }

  /**
   * Serves one outer request: a batch when the path is a batch endpoint, an ordinary call of a
   * resource otherwise. Never rejects: every failure becomes a coded error response.
   */
  async dispatch(request: EngineRequest): Promise<EngineResponse> {
    // A JavaScript caller's request without a url string, a method string or a headers object is answered, not thrown at.
    const malformed = requestShapeError(request, false);
    if (malformed !== undefined) return this.errorResponse(shapeErrorUrl(request), malformed);
    const { path, query, api, rest, endpoint } = this.#locate(request.url);
    if (api === undefined) {
      return plainError(new RestBatchError('ROUTE_NOT_FOUND', `No API at ${excerpt(path)}`));
    }
    if (this.#closing !== undefined) {
      return this.refuse(request, shuttingDownError());
    }
    this.#running++;
    // Normalized before anything reads them (the request id too: a direct caller's X-Request-Id is
    // read in any case, folded as over HTTP); frozen once within their limits.
    const normalized = normalizeHeaders(request.headers);
    const requestId = requestIdOf(normalized);
    // Every request to a batch endpoint gets its `batch` line, whatever its answer: timed from here.
    const started = endpoint !== undefined && this.#logs('info') ? performance.now() : undefined;
    let summary: BatchSummary | undefined;
    let code: string | undefined;
    let watch: RequestWatch | undefined;
    let status = 500;
    // What the request's body holds of limits.maxInputBytesInFlight, given back when it ends.
    const input = new InputCharge(this.#inputs);
    try {
      // Authentication runs once per outer request, before any byte of the body is parsed.
      checkHeaderLimits(request.headers, this.limits);
      // Normalized once, frozen: hooks, the idempotency guard and ordinary calls all read this copy.
      const headers = Object.freeze(normalized);
      if (this.#observer.active) watch = this.#watch(api, endpoint, path, request, requestId, headers);
      // The body exists already (bytes, or a value a transport copied, as large as it will be):
      // charged before anything waits (authentication, the batch's turn), so that waiting requests count too.
      input.take(heldBytes(request.body));
      let response: EngineResponse;
      const traced = watch?.context;
      if (traced !== undefined)
        response = await context.with(traced, () => this.#serve(api, endpoint, rest, request, query, headers, requestId, watch, input));
      else {
        // The same steps as #serve, inline: an unobserved request pays no extra promise.
        const caller = await this.#policy.admit(request, headers);
        if (endpoint !== undefined) response = await this.#batch(api, endpoint, request, query, headers, caller, requestId, watch, input);
        else response = await this.#call(api, rest, request, query, headers, caller, requestId, watch, input);
      }
      status = response.status;
      summary = response.summary;
      return response;
    } catch (error) {
      // Headers refused by their limits or types are still read for the dialect's own (OData-Version).
      const headers = normalized;
      const coded = this.#logged(this.#toError(error), requestId);
      code = coded.code;
      const response = errorResponse(api, endpoint, coded, headers);
      // Refused before its watch was made (431 HEADERS_TOO_LARGE, INVALID_HEADER): observed all the same.
      if (watch === undefined && this.#observer.active) watch = this.#watch(api, endpoint, path, request, requestId, headers);
      status = response.status;
      return response;
    } finally {
      // The batch's sub-requests have all run (or never will): their payloads are no longer held.
      input.release();
      watch?.finish(status);
      if (started !== undefined) {
        const ms = performance.now() - started;
        this.#batchLine(api, endpoint as CompiledEndpoint, request, requestId, status, code, summary, ms);
      }
      // A turn later: close() resolves once the transports were handed the last responses, so one
      // that closes after it (a WebSocket server) still sends them.
      if (--this.#running === 0 && this.#drained !== undefined) void nextTurn().then(this.#drained);
    }
  }

  /** Stops taking new work (503 SHUTTING_DOWN) and resolves once running work has finished and its responses were handed back (a turn later). */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#running === 0) resolve();
      else this.#drained = resolve;
    });
    return this.#closing;
  }

  async #serve(
    api: CompiledApi,
    endpoint: CompiledEndpoint | undefined,
    rest: string,
    request: EngineRequest,
    query: Query,
    headers: Headers,
    requestId: string,
    watch: RequestWatch | undefined,
    input: InputCharge,
  ): Promise<EngineResponse> {
    const caller = await this.#policy.admit(request, headers);
    if (endpoint !== undefined) return await this.#batch(api, endpoint, request, query, headers, caller, requestId, watch, input);
    return await this.#call(api, rest, request, query, headers, caller, requestId, watch, input);
  }

  async #batch(
    api: CompiledApi,
    endpoint: CompiledEndpoint,
    request: EngineRequest,
    query: Query,
    headers: Headers,
    caller: Caller,
    requestId: string,
    watch: RequestWatch | undefined,
    input: InputCharge,
    guarded = false,
  ): Promise<KeyedAnswer> {
    if (request.method.toUpperCase() !== 'POST') {
      throw new RestBatchError('METHOD_NOT_ALLOWED', `Batch endpoints take POST only, not ${excerpt(request.method)}`, {
        headers: { allow: 'POST' },
      });
    }
    // Read first: a malformed value refuses the batch before anything is kept or decoded.
    const literal = referencesOff(headers);
    const guard = guarded ? undefined : this.#guardOf(headers);
    if (guard !== undefined) {
      const work = () => this.#batch(api, endpoint, request, query, headers, caller, requestId, watch, input, true);
      if (request.body instanceof PreparedBody)
        throw withCode(new Error('PreparedBody: prepared without its Idempotency-Key header'), 'BODY_MISUSED');
      const body = request.body instanceof JsonBody ? request.body.text : request.body;
      const scope = guard.scope(this.#policy.identityKey(caller.identity), headers, caller.key);
      return guard.run(`${api.base}${endpoint.path}`, scope, caller.key, headers, request.method, request.url, body, work);
    }
    // A large batch is parsed, decoded, checked, run and encoded in turns: between the phases it
    // lets go of the event loop once it has held it for its interval, as it does between sub-requests.
    const clock = new TurnClock(this.limits.yieldIntervalMs, this.#sharing, this.#turns);
    // Others wait for their slice of the loop: this batch starts behind them, not before.
    if (clock.othersWaiting()) await clock.yield();
    let batch: DecodedBatch;
    if (request.body instanceof PreparedBody) {
      // Decoded at call time (see prepareBody); judged here, after admission, as a body read now is.
      checkContentType(headers, endpoint);
      batch = request.body.take(request.url, endpoint);
    } else {
      // Cleared once decoded: the async frame would otherwise keep the whole parsed body to the batch's end.
      let parsed = parseBody(request.body, headers, this.limits, endpoint, input);
      if (parsed === undefined) throw new RestBatchError('BATCH_MALFORMED', 'The batch has no body');
      if (clock.due()) await clock.yield();
      // The decoder counts the items against the limit before any per-item work.
      const maxSubRequests = Math.min(endpoint.maxSubRequests, this.limits.maxSubRequests);
      batch = endpoint.dialect.decode(parsed, { query, headers, maxSubRequests, base: api.base, referencesOff: literal });
      parsed = undefined;
    }
    // The client said its strings are text as written: no reference is read (see markNoReferences).
    if (literal) markNoReferences(batch);
    watch?.decoded(batch);
    if (clock.due()) await clock.yield();
    let session: Session | undefined;
    if (batch.session === 'existing') {
      if (!endpoint.allowExistingSession || api.sessionParam === undefined) {
        throw new RestBatchError('BATCH_RULE_VIOLATION', 'This batch endpoint does not run batches in an existing session');
      }
      session = await this.openSession(query[api.sessionParam]);
    }
    const onResult = request.onResult;
    // The reader takes every result and no answer is made of them (unless an idempotent replay keeps it).
    const takes = onResult !== undefined && request.streamOnly === true && !guarded;
    const dialect = endpoint.dialect;
    const encoding = {
      headers,
      requests: batch.requests,
      encodeError: (view: ErrorView) => api.errors.encodeError(view),
      errorContentType: api.errors.errorContentType,
    };
    const budget = new BatchBudget(this.limits.maxResolvedBytes, this.limits.maxResultBytes, this.#results);
    try {
      const result = await this.#executor.runBatch(
        api,
        endpoint,
        batch,
        {
          headers,
          query,
          signal: request.signal,
          identity: caller.identity,
          policy: caller.policy,
          onResult:
            onResult === undefined
              ? undefined
              : request.itemsOfErrorsOnly === true && dialect.plainResults === dialect.encodeResult
                ? (r, kept) => onResult(r.error === undefined ? undefined : dialect.encodeResult(r, encoding), r, kept)
                : (r, kept) => onResult(dialect.encodeResult(r, encoding), r, kept),
          takesResults: takes,
          // Nothing reads the results after they went out: a watch reads them once the batch ran.
          releasesResults: takes && watch === undefined,
          // The answer made of items as each result is final, when nothing streams or watches the results.
          encodeItem:
            dialect.encodeItems === undefined || onResult !== undefined || watch !== undefined
              ? undefined
              : (r) => dialect.encodeResult(r, encoding),
          clock,
          requestId,
          watch: watch?.perItem === true ? watch : undefined,
          judgesRetry: guarded,
        },
        session,
        budget,
      );
      watch?.ran(result);
      if (clock.due()) await clock.yield();
      return {
        status: 200,
        headers: { ...dialect.headers?.(result, encoding), ...summaryHeader(result) },
        // A batch of no sub-request streamed nothing: it is answered whole (an empty envelope).
        body:
          takes && result.summary.succeeded + result.summary.failed + result.summary.skipped > 0
            ? undefined
            : result.items !== undefined && dialect.encodeItems !== undefined
              ? dialect.encodeItems(result.items, result.summary)
              : dialect.encode(result, encoding),
        kind: 'batch',
        summary: result.summary,
        resultChars: budget.resultChars,
        ...(result.retryable === true ? { retryable: true } : {}),
      };
    } finally {
      // The answer is made (or the run failed): its characters are given back once the transport
      // has written it (`written`), else now, when it goes to the transport.
      budget.releaseWhen(request.written);
    }
  }

  async #call(
    api: CompiledApi,
    rest: string,
    request: EngineRequest,
    query: Query,
    headers: Headers,
    caller: Caller,
    requestId: string,
    watch: RequestWatch | undefined,
    input: InputCharge,
  ): Promise<EngineResponse> {
    const method = routedMethod(request.method);
    const path = rest === '' ? '/' : rest;
    // Told now: a call refused before its handler (a bad session, a bad body, 405) keeps its route.
    if (watch !== undefined) watch.routed(callRoute(api.routes, method, path));
    // RFC 9110 §15.5.6: the Allow of a 405 lists "the target resource's currently supported methods".
    if (!isHttpMethod(method)) throw api.routes.refusal(request.method.slice(0, 20), path, true);
    const body = parseBody(request.body, headers, this.limits, ORDINARY_BODY, input);
    let session: Session | undefined;
    const param = api.sessionParam;
    // A route that takes no session ignores the parameter: it is not opened, so it cannot answer 401.
    if (param !== undefined && query[param] !== undefined && !takesNoSession(api.routes, method, path))
      session = await this.openSession(query[param]);
    const sub: SubRequest = { index: -1, method, path, query, headers, body };
    const result = await this.#executor.runCall(
      api,
      sub,
      { headers, query, signal: request.signal, identity: caller.identity, policy: caller.policy, requestId, watch },
      session,
    );
    if (result.error !== undefined) {
      const view = { status: result.status, ...result.error, stack: result.error.stack ?? null };
      const own = result.status === 405 ? allowWithHead(result.headers) : { ...result.headers };
      const answer = withContentType(withCallHeaders(api.errors, headers, own, true), api.errors);
      return { status: result.status, headers: answer, body: api.errors.encodeError(view), kind: 'call' };
    }
    const content = result.status === 204 ? undefined : result.body;
    const answer = withCallHeaders(api.errors, headers, result.headers, content !== undefined);
    return { status: result.status, headers: answer, body: content, kind: 'call' };
  }

  /** Opens an existing session by id; throws `SESSION_NOT_FOUND` (401) for a malformed, unknown or expired id. */
  async openSession(value: string | string[] | undefined): Promise<Session> {
    if (!isSessionIdShape(value)) throw new RestBatchError('SESSION_NOT_FOUND', 'The session id is not valid');
    const data = await this.store.load(value, this.#ttlMs);
    if (data === undefined) throw new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
    return new Session(value, data, this.store);
  }

  /**
   * Creates a session in the engine's store, outside any request (a login route of another
   * framework, a test): its id is what clients pass as the API's session parameter (`?sid=`).
   */
  async createSession(data: Record<string, JsonValue>): Promise<Session> {
    const id = await this.store.create(data, { ttlMs: this.#ttlMs });
    return new Session(id, data, this.store);
  }

  /** Runs one request in-process, as a client on the wire would see it (see {@link inject}). */
  inject(request: InjectRequest): Promise<InjectResponse> {
    return inject(this, request);
  }

  /** Where `url` leads: the API mounted at its path and the batch endpoint there. */
  #locate(url: string): Location {
    const { path, query } = parseUrl(url);
    const api = this.#apiOf(path);
    const rest = api === undefined ? path : path.slice(api.base.length);
    return { path, query, api, rest, endpoint: api?.endpoints.get(rest) };
  }

  #apiOf(path: string): CompiledApi | undefined {
    for (const api of this.#apis) {
      if (path === api.base || (path.startsWith(api.base) && path.charCodeAt(api.base.length) === 47)) return api;
      if (api.base === '') return api;
    }
    return undefined;
  }

  /**
   * The `batch` info line of one request to a batch endpoint: a batch that ran, one refused (with
   * its error's `code`), an idempotent replay. `items` and `summary` are there when it has a summary.
   */
  #batchLine(
    api: CompiledApi,
    endpoint: CompiledEndpoint,
    request: Pick<EngineRequest, 'transport' | 'connectionId'>,
    requestId: string,
    status: number,
    code: string | undefined,
    summary: BatchSummary | undefined,
    ms: number,
  ): void {
    const line: Record<string, unknown> = { requestId, endpoint: `${api.base}${endpoint.path}`, dialect: endpoint.dialect.name };
    // Every sub-request counts once in its summary (succeeded, failed or skipped).
    if (summary !== undefined) line.items = summary.succeeded + summary.failed + summary.skipped;
    const connectionId = connectionIdOf(request);
    if (connectionId !== undefined) line.connectionId = connectionId;
    line.transport = request.transport;
    line.status = status;
    if (code !== undefined) line.code = code;
    if (summary !== undefined) line.summary = summary;
    line.ms = Math.round(ms * 1000) / 1000;
    this.logger.info?.(line, 'batch');
  }

  #logged(error: RestBatchError, requestId: string): RestBatchError {
    if (!error.expose && error.correlationId === undefined) {
      error.correlationId = crypto.randomUUID();
      this.logger.error({ requestId, correlationId: error.correlationId, err: serializeError(error.cause) }, 'request failed');
    }
    return error;
  }

  /** Whether the logger writes `level` now (pino's `isLevelEnabled`; a logger without it: when it has the method). */
  #logs(level: 'info' | 'debug'): boolean {
    const logger = this.logger;
    return logger[level] !== undefined && logger.isLevelEnabled?.(level) !== false;
  }
}

/** A plain token: what an incoming X-Request-Id (or a transport's connection id) must be to be kept. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request's connection id, when the transport gave one that is a plain token. */
function connectionIdOf(request: Pick<EngineRequest, 'connectionId'>): string | undefined {
  const given = request.connectionId;
  return given !== undefined && REQUEST_ID.test(given) ? given : undefined;
}

/** An incoming X-Request-Id when it is a plain token; a fresh id otherwise. */
function requestIdOf(headers: Readonly<Headers>): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/**
 * Checks the result budgets when the engine is created and returns the pool's size: a NaN would
 * refuse every result (or none), and a pool smaller than one batch's budget would refuse a batch
 * that runs alone.
 */
function checkResultLimits(limits: Readonly<EngineLimits>): number {
  const { maxResultBytes, maxResultBytesInFlight, maxResultDepth } = limits;
  if (!Number.isSafeInteger(maxResultDepth) || maxResultDepth < 1 || maxResultDepth > MAX_DEPTH)
    throw withCode(
      new RangeError(`limits.maxResultDepth must be a whole number from 1 to ${MAX_DEPTH}, not ${maxResultDepth}`),
      'INVALID_OPTIONS',
    );
  if (!Number.isSafeInteger(maxResultBytes) || maxResultBytes < 0)
    throw withCode(
      new RangeError(`limits.maxResultBytes must be a whole number of characters of at least 0, not ${maxResultBytes}`),
      'INVALID_OPTIONS',
    );
  if (!Number.isSafeInteger(maxResultBytesInFlight) || maxResultBytesInFlight < maxResultBytes)
    throw withCode(
      new RangeError(
        `limits.maxResultBytesInFlight must be a whole number of characters of at least limits.maxResultBytes (${maxResultBytes}), not ${maxResultBytesInFlight}`,
      ),
      'INVALID_OPTIONS',
    );
  return maxResultBytesInFlight;
}

/**
 * Checks `limits.maxInputBytesInFlight` when the engine is created and returns it: a NaN would
 * refuse every body (or none). Any whole number works: a request alone always gets its charge.
 */
function checkInputLimit(limits: Readonly<EngineLimits>): number {
  const max = limits.maxInputBytesInFlight;
  if (!Number.isSafeInteger(max) || max < 0)
    throw withCode(
      new RangeError(`limits.maxInputBytesInFlight must be a whole number of bytes of at least 0, not ${max}`),
      'INVALID_OPTIONS',
    );
  return max;
}

/**
 * The memory a request's body holds as the transport handed it over, at most, in bytes: bytes
 * themselves, a string's UTF-16 units (two bytes each at most), a copied value's estimate (see
 * `JsonBody.inputBytes`). Charged when the engine gets the request; what a text makes once parsed
 * is charged then (see `parseBody`).
 */
function heldBytes(body: EngineRequest['body']): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return 2 * body.length;
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof JsonBody || body instanceof PreparedBody) return body.inputBytes;
  // A JavaScript caller's body of another type is refused when it is read.
  return 0;
}

/**
 * Checks the reference limits when the engine is created: a NaN would let every batch through
 * (it compares false with every count), and below 1 no reference could ever be written.
 */
function checkReferenceLimits(limits: Readonly<EngineLimits>): void {
  for (const name of ['maxReferences', 'maxReferencesPerSubRequest'] as const) {
    const value = limits[name];
    if (!Number.isSafeInteger(value) || value < 1)
      throw withCode(new RangeError(`limits.${name} must be a whole number of at least 1, not ${value}`), 'INVALID_OPTIONS');
  }
}

/** Creates an engine: compiles every route and schema now, so that mistakes fail here, not per request. */
export function createEngine<Identity = unknown>(options: EngineOptions<Identity>): Engine {
  // The hooks take the identity `authenticate` made: inside the engine it is opaque (unknown).
  return new Engine(options as unknown as EngineOptions);
}
