import type { DependencyContainer } from 'tsyringe';
import type { DecodedBatch } from '../dialects/dialect.js';
import type { CompiledApi, CompiledEndpoint } from '../engine/compiled-api.js';
import type { EngineLimits } from '../engine/engine-options.js';
import { type Logger, serializeError } from '../engine/logger.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import type { RequestWatch } from '../observe/request-watch.js';
import { redactedPath } from '../observe/call-route.js';
import type { HeaderRule } from '../headers/header-rule.js';
import { checkOuterPreconditions } from '../headers/outer-preconditions.js';
import type { BatchResult, Headers, Query, SubRequest, SubResult } from '../model/canonical.js';
import type { RouteMatch } from '../routing/route-table.js';
import { type CallerPolicy, policyCall } from '../policy/call-policy.js';
import type { Session } from '../session/session.js';
import type { SessionStore } from '../session/session-store.js';
import { assertSafePath } from './path-safety.js';
import { checkItemContentType } from './item-content-type.js';
import type { BatchBudget } from './batch-budget.js';
import { BatchRun } from './batch-run.js';
import { checkBatch } from './check-batch.js';
import { RunState } from './run-state.js';
import { jsonCopy, snapshot } from './snapshot.js';
import { SubContext } from './sub-context.js';
import { Deadline, SubTimer } from './deadline.js';
import { checkedAnswer, errorProblem, handlerHeaders, unanswerable } from './handler-answer.js';
import { HeldAnswer } from './held-answer.js';
import { answer, NO_HEADERS } from './sub-results.js';
import { requestedTimeout, withinLimit } from './timeouts.js';
import { TurnClock } from './turn-clock.js';

/** What the executor needs of the outer request. */
export interface OuterRequest {
  readonly headers: Headers;
  readonly query: Query;
  readonly signal: AbortSignal | undefined;
  readonly identity: unknown;
  /** The caller's policy (rate limit, authorisation) that every call is checked against. */
  readonly policy?: CallerPolicy | undefined;
  /** The turn clock of the whole request (parsing and decoding count too); a new one when absent. */
  readonly clock?: TurnClock | undefined;
  /**
   * Called with each result as soon as it is final (streaming transports); a promise pauses the
   * batch. `kept`: a later step of the batch still reads the result (see {@link OuterRequest.takesResults}).
   */
  readonly onResult?: ((result: SubResult, kept: boolean) => void | Promise<void>) | undefined;
  /** The reader of `onResult` takes the results: no final answer is made of them. */
  readonly takesResults?: boolean | undefined;
  /**
   * With `takesResults`: nothing reads the batch's results once they went out (no watch of the
   * request): each is let go of once streamed when no later step reads it either (see
   * `BatchRun`), and the outcome counts the summary as they go (its `results` is then empty).
   */
  readonly releasesResults?: boolean | undefined;
  /**
   * The dialect's item of a result, when the answer is made of items (`Dialect.encodeItems`): a
   * batch of at least `ITEMS_FROM` sub-requests in which no later step reads or rewrites an earlier result (no references, atomic run,
   * atomicity group, buffering store, streaming or watch) keeps each result as its item once it is
   * final, and answers `items` (with `results` empty).
   */
  readonly encodeItem?: ((result: SubResult) => unknown) | undefined;
  /** The id every log line of this request carries. */
  readonly requestId?: string | undefined;
  /** Set when something observes each sub-request (spans, metrics, hooks); undefined costs nothing. */
  readonly watch?: RequestWatch | undefined;
  /** The outcome says whether the batch may simply run again (`BatchResult.retryable`): for the idempotency guard. */
  readonly judgesRetry?: boolean | undefined;
}

/** Engine-wide collaborators of the executor. */
export interface ExecutorDeps {
  readonly store: SessionStore;
  readonly ttlMs: number;
  readonly container: DependencyContainer;
  readonly headerRule: HeaderRule;
  readonly limits: EngineLimits;
  readonly logger: Logger;
  /** The engine's one mapping of anything thrown to a `RestBatchError` (its errorMapper and codes). */
  readonly toError: (thrown: unknown) => RestBatchError;
}

/**
 * The one executor: runs sub-requests in order and owns every rule — session binding, header
 * inheritance, failure policy, dependencies, atomic groups, deadlines and error mapping.
 */
export class Executor {
  /** The engine's limit for one sub-request (0: none), read once. */
  readonly #subRequestTimeoutMs: number;

  constructor(private readonly deps: ExecutorDeps) {
    this.#subRequestTimeoutMs = withinLimit(deps.limits.subRequestTimeoutMs);
  }

  /**
   * Runs a decoded batch; `session` is the existing session the batch was allowed to run in. Its
   * references and results are charged to `budget`, which the caller releases once it no longer
   * holds the results (whether this resolves or rejects).
   */
  async runBatch(
    api: CompiledApi,
    endpoint: CompiledEndpoint,
    batch: DecodedBatch,
    outer: OuterRequest,
    session: Session | undefined,
    budget: BatchBudget,
  ): Promise<BatchResult> {
    const { limits, container, store, ttlMs, headerRule } = this.deps;
    const clock = outer.clock ?? new TurnClock(limits.yieldIntervalMs);
    const inherited = headerRule.inherited(outer.headers, endpoint.nonInheritedHeaders);
    checkOuterPreconditions(outer.headers, inherited, endpoint.ignoredOuterHeaders);
    const plan = await checkBatch(api, endpoint, batch, limits, clock);
    if (clock.due()) await clock.yield();
    const run = new RunState(store, ttlMs, container.createChildContainer(), outer.identity, session);
    run.policy = outer.policy;
    run.requestId = outer.requestId;
    run.logger = this.deps.logger;
    if (outer.judgesRetry === true) run.judgeRetry(batch.requests.length);
    run.useUnits();
    const batchRun = new BatchRun({
      executor: this,
      api,
      batch,
      plan,
      outer,
      run,
      inherited,
      deadline: new Deadline(outer.signal, withinLimit(limits.batchTimeoutMs, batch.timeoutMs, requestedTimeout(outer.headers))),
      budget,
      clock,
      releases: endpoint.dialect.encoderReadsRequests === false,
    });
    const count = batch.requests.length;
    const watch = outer.watch;
    const held = new HeldAnswer(this);
    try {
      // Each step returns a promise only when it has to wait: a plain batch pays no await for them.
      for (let i = 0; i < count; i++) {
        const admitted = batchRun.admit(i);
        if (admitted !== undefined) await admitted;
        let ran: SubResult | Promise<SubResult> | HeldAnswer;
        if (watch === undefined) ran = batchRun.blocked(i) ?? batchRun.execute(i, held);
        else {
          run.route = undefined;
          watch.itemStart(i, batch.requests[i] as SubRequest, plan.references?.subs[i]?.references ?? 0);
          ran = batchRun.blocked(i) ?? watch.within(i, batchRun);
        }
        let settled: SubResult;
        if (ran === held) {
          // The handler's own promise, awaited here: one await per sub-request.
          try {
            settled = held.done(await held.promise);
          } catch (thrown) {
            settled = held.failed(thrown);
          }
        } else settled = ran instanceof Promise ? await ran : (ran as SubResult);
        let result = batchRun.record(i, settled);
        if (result instanceof Promise) result = await result;
        if (watch !== undefined) watch.itemEnd(i, batch.requests[i] as SubRequest, result, run.route);
        const last = batchRun.applyPolicy(i, result);
        i = typeof last === 'number' ? last : await last;
        const emitted = batchRun.emit(i + 1);
        if (emitted !== undefined) await emitted;
      }
      await batchRun.finish();
    } finally {
      batchRun.dispose();
    }
    return batchRun.outcome();
  }

  /** Runs one ordinary (non-batch) call. */
  async runCall(api: CompiledApi, sub: SubRequest, outer: OuterRequest, session: Session | undefined): Promise<SubResult> {
    const scope = this.deps.container.createChildContainer();
    const run = new RunState(this.deps.store, this.deps.ttlMs, scope, outer.identity, session);
    run.policy = outer.policy;
    run.requestId = outer.requestId;
    run.logger = this.deps.logger;
    const inherited = this.deps.headerRule.inherited(outer.headers);
    const deadline = new Deadline(outer.signal, this.deps.limits.batchTimeoutMs);
    try {
      const result = await (this.runOne(api, sub, -1, inherited, run, deadline, undefined, false) as SubResult | Promise<SubResult>);
      // Answered: a session its handler creates from now on (past its timeout) is destroyed, never kept.
      run.answered();
      outer.watch?.routed(run.route);
      // A snapshot, as in a batch: the answer shares nothing with the handler's or the store's objects.
      // Its status, headers and body checked as there: one the wire cannot carry is a logged 500.
      let answered: SubResult;
      try {
        const { headers, body } = checkedAnswer(result, takeSnapshot);
        answered = { ...result, headers, body };
      } catch (thrown) {
        answered = this.failure(api, sub, unanswerable(sub, run.route, thrown), run.session, run.requestId);
      }
      // A call that created a session and failed leaves none behind (see RunState.settleCreated).
      if (run.creator === undefined) return answered;
      const remains = await run.settleCreated(answered.status >= 400, false);
      if (remains === undefined) return answered;
      this.deps.logger.error({ requestId: run.requestId, err: serializeError(remains.cause) }, 'rollback step failed');
      return this.failure(api, sub, remains, run.session, run.requestId);
    } finally {
      run.answered();
      deadline.dispose();
    }
  }

  /**
   * Runs one sub-request (`index` -1 for an ordinary call) through its route's checks and handler.
   * `sharedBody`: its body holds values shared with earlier results (frozen), copied before a
   * validator that applies defaults changes it. Not an async function: a handler that answers at
   * once is answered at once, and one that waits costs one `then` (no async frame per sub-request).
   */
  runOne(
    api: CompiledApi,
    sub: SubRequest,
    index: number,
    inherited: Headers,
    run: RunState,
    deadline: Deadline,
    planned: RouteMatch | undefined,
    sharedBody: boolean,
    held?: HeldAnswer,
  ): SubResult | Promise<SubResult> | HeldAnswer {
    let match = planned;
    let headers = inherited;
    try {
      // Protocol §11.7 (OData), and Guidewire's own headers per sub-request: an item means what it
      // means alone, and alone a body of another media type than JSON is refused (415) before routing.
      if (index >= 0 && sub.headers !== NO_HEADERS && sub.body !== undefined) checkItemContentType(sub, index);
      if (match === undefined) {
        assertSafePath(sub.path, index, sub.id);
        match = api.routes.match(sub.method, sub.path);
      }
      const route = match.route;
      run.route = route.pattern;
      if (index >= 0 && !route.batchable) {
        throw new RestBatchError('NOT_BATCHABLE', `${sub.method} ${route.pattern} cannot be called inside a batch`);
      }
      if (index < 0) headers = sub.headers;
      else if (sub.headers !== NO_HEADERS && Object.keys(sub.headers).length > 0) {
        this.deps.headerRule.check(sub.headers, sub.id ?? index);
        headers = this.deps.headerRule.merge(inherited, sub.headers);
      }
    } catch (thrown) {
      return this.failure(api, sub, thrown, run.session, run.requestId);
    }
    if (run.policy !== undefined) return this.#checked(api, sub, index, headers, run, deadline, match, sharedBody);
    return this.#invoke(api, sub, index, headers, run, deadline, match, sharedBody, held);
  }

  /**
   * The caller's policy first (it may wait: a shared rate limiter, an `authorize` hook that asks a
   * service), then the handler. The wait counts against the sub-request's timeout and the batch's
   * deadline, as the handler's own time does: one timer covers both, and a check still pending when
   * either fires answers 504 `TIMEOUT` (499 `ABORTED` for a client gone), the handler never called.
   */
  async #checked(
    api: CompiledApi,
    sub: SubRequest,
    index: number,
    headers: Headers,
    run: RunState,
    deadline: Deadline,
    match: RouteMatch,
    sharedBody: boolean,
  ): Promise<SubResult> {
    const timeoutMs = this.#timeoutOf(sub);
    const timer = timeoutMs > 0 ? new SubTimer(deadline.signal, timeoutMs) : undefined;
    try {
      const check = (run.policy as NonNullable<RunState['policy']>).check(policyCall(sub, match, index));
      const refused =
        timer !== undefined
          ? await timer.settle(check, passed, refusal)
          : deadline.unbounded
            ? await check.then(passed, refusal)
            : await deadline.settle(check, passed, refusal);
      if (refused !== undefined) {
        timer?.dispose();
        return this.failure(api, sub, refused, run.session, run.requestId);
      }
    } catch (thrown) {
      timer?.dispose();
      return this.failure(api, sub, thrown, run.session, run.requestId);
    }
    return this.#invoke(api, sub, index, headers, run, deadline, match, sharedBody, undefined, timer) as SubResult | Promise<SubResult>;
  }

  /** The sub-request's timeout in ms (its own, within the engine's limit); 0 for none. */
  #timeoutOf(sub: SubRequest): number {
    const requested = sub.timeoutMs;
    const limitMs = this.#subRequestTimeoutMs;
    return requested === undefined ? limitMs : withinLimit(limitMs, requested);
  }

  /**
   * Session rule, validation, timeout and the handler itself. With `held`, a handler's promise that
   * no timeout of its own races is handed back in it (raced by the batch's deadline, if bounded),
   * for the batch loop to await.
   * No closure here: one that captured this call's arguments would make V8 allocate a context for
   * them on every call (one per sub-request); a race with a deadline or timeout is {@link #raced}'s.
   */
  #invoke(
    api: CompiledApi,
    sub: SubRequest,
    index: number,
    headers: Headers,
    run: RunState,
    deadline: Deadline,
    match: RouteMatch,
    sharedBody: boolean,
    held?: HeldAnswer,
    started?: SubTimer,
  ): SubResult | Promise<SubResult> | HeldAnswer {
    // A timer the policy check started (see #checked) goes on timing the handler.
    let timer: SubTimer | undefined = started;
    try {
      const route = match.route;
      if (route.session === 'required' && run.session === undefined) throw sessionRequired(api, route.resource, index);
      const validate = route.validate;
      const body =
        validate === undefined
          ? sub.body
          : validate(sharedBody && validate.appliesDefaults ? validate.copyShared(sub.body) : sub.body, index, sub.id);
      if (started === undefined) {
        const timeoutMs = this.#timeoutOf(sub);
        if (timeoutMs > 0) timer = new SubTimer(deadline.signal, timeoutMs);
      }
      const context = new SubContext(match.params, sub.query, headers, body, index, timer ?? deadline, run);
      run.calling(index);
      const value = route.handle(context);
      if (!(value instanceof Promise)) return answer(sub, route.status, value);
      if (held !== undefined && timer === undefined) return held.hold(value, sub, route.status, api, run, deadline);
      // The timer now belongs to the race, which disposes of it once the handler settled.
      const owned = timer;
      timer = undefined;
      return this.#raced(api, sub, run, deadline, route.status, value, owned);
    } catch (thrown) {
      return this.failure(api, sub, thrown, run.session, run.requestId);
    } finally {
      timer?.dispose();
    }
  }

  /** The answer of a handler's promise raced by the sub-request's timer (disposed once settled), else by the batch's deadline. */
  #raced(
    api: CompiledApi,
    sub: SubRequest,
    run: RunState,
    deadline: Deadline,
    status: number | undefined,
    value: Promise<unknown>,
    owned: SubTimer | undefined,
  ): Promise<SubResult> {
    const done = (settled: unknown) => {
      owned?.dispose();
      return answer(sub, status, settled);
    };
    const failed = (thrown: unknown) => {
      owned?.dispose();
      return this.failure(api, sub, thrown, run.session, run.requestId);
    };
    if (owned !== undefined) return owned.settle(value, done, failed);
    return deadline.unbounded ? value.then(done, failed) : deadline.settle(value, done, failed);
  }

  /** The engine's logger, for the batch run's rollback reports. */
  get logger(): Logger {
    return this.deps.logger;
  }

  /** The time each undo step of a rollback may take (`limits.rollbackTimeoutMs`; 0: none). */
  get rollbackTimeoutMs(): number {
    return this.deps.limits.rollbackTimeoutMs;
  }

  /** Most levels of nesting a sub-request's result may have (`limits.maxResultDepth`). */
  get maxResultDepth(): number {
    return this.deps.limits.maxResultDepth;
  }

  /** The result of a sub-request that failed with `thrown`, shaped for the client (details only when allowed). */
  failure(api: CompiledApi, sub: SubRequest, thrown: unknown, session: Session | undefined, requestId?: string): SubResult {
    let error = this.deps.toError(thrown);
    // An error whose status or headers the wire cannot carry (status 200, 99; a header with CR LF) is a logged 500.
    let headers = NO_HEADERS;
    try {
      const problem = errorProblem(error);
      if (problem !== undefined) throw problem;
      if (error.headers !== undefined) headers = handlerHeaders(error.headers);
    } catch (thrown) {
      error = unanswerable(sub, undefined, thrown);
    }
    const detail = api.errorDetail(session);
    let message = error.message;
    let correlationId = error.correlationId;
    if (!error.expose) {
      correlationId ??= crypto.randomUUID();
      error.correlationId = correlationId;
      // An ordinary call has no index: it is logged as the call it is. Its path as spans show it, session ids scrubbed.
      const path = redactedPath(api.routes, api.sessionParam, sub.method, sub.path);
      const where =
        sub.index < 0
          ? { requestId, correlationId, method: sub.method, path }
          : { requestId, correlationId, index: sub.index, id: sub.id, method: sub.method, path };
      this.deps.logger.error({ ...where, err: serializeError(error.cause) }, sub.index < 0 ? 'call failed' : 'sub-request failed');
      if (detail && error.cause instanceof Error) message = error.cause.message;
    }
    const source = error.cause instanceof Error && !error.expose ? error.cause : error;
    return {
      index: sub.index,
      id: sub.id,
      status: error.status,
      headers,
      body: undefined,
      error: {
        code: error.code,
        message,
        details: copyDetails(error.details),
        stack: detail ? (source.stack ?? null) : null,
        correlationId,
      },
    };
  }
}

/** The failure of a sub-request (`index` -1: an ordinary call) on a route that needs a session, run without one. */
function sessionRequired(api: CompiledApi, resource: string, index: number): RestBatchError {
  return new RestBatchError(
    'SESSION_REQUIRED',
    `${resource} needs a session: ${index >= 0 ? 'start the batch with one' : `pass the ${api.sessionParam ?? 'sid'} parameter`}`,
  );
}

/**
 * The error's details as the client's own copy: a handler may pass a shared object. Details JSON
 * cannot carry (a cycle) are left out rather than failing the failure itself.
 */
function copyDetails(details: unknown): unknown {
  if (details === undefined) return undefined;
  try {
    return jsonCopy(details);
  } catch {
    return undefined;
  }
}

/** The snapshot of an ordinary call's body. */
function takeSnapshot(body: unknown): unknown {
  return snapshot(body).value;
}

/** A policy check that passed: nothing refused it. */
function passed(): undefined {
  return undefined;
}

/** What refused a policy check: its error, or the timer's or the deadline's reason. */
function refusal(reason: unknown): unknown {
  return reason ?? new Error('The policy check was refused without a reason');
}
