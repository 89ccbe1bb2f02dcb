import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import type { DecodedBatch } from '../dialects/dialect.js';
import type { CompiledApi, CompiledEndpoint } from '../engine/compiled-api.js';
import type { EngineLimits } from '../engine/engine-options.js';
import type { Logger } from '../engine/logger.js';
import { RestBatchError, toRestBatchError } from '../errors/restbatch-error.js';
import type { HeaderRule } from '../headers/header-rule.js';
import type { BatchResult, FailurePolicy, Headers, Query, SubRequest, SubResult } from '../model/canonical.js';
import { Reply } from '../resource/reply.js';
import type { RouteMatch } from '../routing/route-table.js';
import { type CallerPolicy, policyCall } from '../policy/call-policy.js';
import type { Session } from '../session/session.js';
import type { SessionStore } from '../session/session-store.js';
import { assertSafePath } from './path-safety.js';
import { checkBatch } from './check-batch.js';
import type { SubReferencePlan } from './reference-plan.js';
import { resolveReferences } from './resolve-references.js';
import { RunState } from './run-state.js';
import { SubContext } from './sub-context.js';
import { Deadline, SubTimer } from './deadline.js';
import { NO_HEADERS, skipped, summarize } from './sub-results.js';
import { requestedTimeout, withinLimit } from './timeouts.js';

/** What the executor needs of the outer request. */
export interface OuterRequest {
  readonly headers: Headers;
  readonly query: Query;
  readonly signal: AbortSignal | undefined;
  readonly identity: unknown;
  /** The caller's policy (rate limit, authorisation) that every call is checked against. */
  readonly policy?: CallerPolicy | undefined;
  /** Called with each result as soon as it is final (streaming transports); a promise pauses the batch. */
  readonly onResult?: ((result: SubResult) => void | Promise<void>) | undefined;
}

/** Engine-wide collaborators of the executor. */
export interface ExecutorDeps {
  readonly store: SessionStore;
  readonly ttlMs: number;
  readonly container: DependencyContainer;
  readonly headerRule: HeaderRule;
  readonly limits: EngineLimits;
  readonly logger: Logger;
}

/**
 * The one executor: runs sub-requests in order and owns every rule — session binding, header
 * inheritance, failure policy, dependencies, atomic groups, deadlines and error mapping.
 */
export class Executor {
  constructor(private readonly deps: ExecutorDeps) {}

  /** Runs a decoded batch; `session` is the existing session the batch was allowed to run in. */
  async runBatch(
    api: CompiledApi,
    endpoint: CompiledEndpoint,
    batch: DecodedBatch,
    outer: OuterRequest,
    session: Session | undefined,
  ): Promise<BatchResult> {
    const requests = batch.requests;
    const plan = checkBatch(api, endpoint, batch, this.deps.limits);
    const batchTimeoutMs = withinLimit(this.deps.limits.batchTimeoutMs, batch.timeoutMs, requestedTimeout(outer.headers));
    const scope = this.deps.container.createChildContainer();
    const run = new RunState(this.deps.store, this.deps.ttlMs, scope, outer.identity, session);
    run.policy = outer.policy;
    run.useUnits();
    const inherited = this.deps.headerRule.inherited(outer.headers, endpoint.nonInheritedHeaders);
    const deadline = new Deadline(outer.signal, batchTimeoutMs);
    const results: SubResult[] = new Array(requests.length);
    // Sub-requests as they ran, references resolved (a `$<id>` path names the resolved path).
    const ran: SubRequest[] | undefined = plan.references === undefined ? undefined : [...requests];
    // The encoded values of the path being resolved, read by its pre-matched route (one array per batch).
    const pathValues: string[] | undefined = plan.templates === undefined ? undefined : [];
    // Which sub-requests succeeded, by id or index: only `dependsOn` reads it.
    const outcome = plan.dependencies ? new Map<string, boolean>() : undefined;
    const batchPolicy: FailurePolicy = batch.onFail ?? 'continue';
    let stopReason: string | undefined;
    let group: { name: string; start: number } | undefined;
    // Results are streamed once final: those of an atomic run only when the run has settled.
    let emitted = 0;
    const emit = async (upTo: number) => {
      if (outer.onResult === undefined) return;
      for (; emitted < upTo; emitted++) {
        const paused = outer.onResult(results[emitted] as SubResult);
        if (paused !== undefined) await paused;
      }
    };
    if (plan.batchAtomic) run.beginAtomic();
    try {
      for (let i = 0; i < requests.length; i++) {
        const sub = requests[i] as SubRequest;
        if (run.units !== undefined) {
          run.at(i);
          // On a buffering store, decisions that read earlier results wait until those are acknowledged.
          if (sub.dependsOn !== undefined || plan.references?.subs[i] !== undefined)
            await this.#settle(api, requests, run, results, outcome);
        }
        const name = sub.atomicityGroup;
        if (group !== undefined && group.name !== name) {
          run.journal?.commit();
          run.endAtomic();
          group = undefined;
          await emit(i);
        }
        if (name !== undefined && group === undefined && !plan.batchAtomic && stopReason === undefined) {
          group = { name, start: i };
          run.beginAtomic();
        }
        let result: SubResult;
        if (deadline.signal.aborted) {
          result = skipped(sub, toRestBatchError(deadline.signal.reason), 'the batch was cancelled before this sub-request started');
        } else if (stopReason !== undefined) {
          result = skipped(sub, new RestBatchError('SKIPPED', stopReason), undefined);
        } else {
          const failedDependency = sub.dependsOn?.find((dep) => outcome?.get(dep) !== true);
          if (failedDependency !== undefined) {
            result = skipped(
              sub,
              new RestBatchError(
                'DEPENDENCY_FAILED',
                `Sub-request ${sub.id ?? sub.index} depends on ${failedDependency}, which did not succeed`,
              ),
              undefined,
            );
          } else {
            const refs = plan.references?.subs[i];
            // A path filled by references: its route was found ahead when its shape decides it.
            const template = refs === undefined ? undefined : plan.templates?.[i];
            const ready = refs === undefined ? sub : this.#resolve(api, refs, sub, ran as SubRequest[], results, pathValues);
            if ('status' in ready) result = ready;
            else {
              if (ran !== undefined) ran[i] = ready;
              const match = template === undefined ? plan.matches[i] : template.bind(pathValues as string[]);
              result = await this.#runOne(api, ready, sub.index, inherited, run, deadline, match);
            }
          }
        }
        results[i] = result;
        // Atomic runs and the stop policy act on each failure at once: a write the store refused is one.
        if (run.units !== undefined && (run.journal !== undefined || (sub.onFail ?? batchPolicy) === 'stop')) {
          await this.#settle(api, requests, run, results, outcome);
          result = results[i] as SubResult;
        }
        outcome?.set(sub.id ?? String(sub.index), result.status < 400);
        // In an atomic run a sub-request that never ran (dependency, reference, deadline) fails the run too.
        if (result.status >= 400 && (!result.skipped || (plan.batchAtomic ? stopReason === undefined : group !== undefined))) {
          const policy = sub.onFail ?? batchPolicy;
          if (plan.batchAtomic) {
            await this.#rollback(run, results, outcome, 0, i);
            stopReason = `Skipped: the batch is atomic and sub-request ${sub.id ?? sub.index} failed`;
          } else if (group !== undefined) {
            await this.#rollback(run, results, outcome, group.start, i);
            const groupName = group.name;
            while (i + 1 < requests.length && requests[i + 1]!.atomicityGroup === groupName) {
              const member = requests[++i] as SubRequest;
              results[i] = skipped(
                member,
                new RestBatchError('SKIPPED', `Skipped: atomicity group ${groupName} failed at sub-request ${sub.id ?? sub.index}`),
                undefined,
              );
              outcome?.set(member.id ?? String(member.index), false);
            }
            run.endAtomic();
            group = undefined;
          }
          if (policy === 'stop' && stopReason === undefined && !result.skipped) {
            stopReason = `Skipped: sub-request ${sub.id ?? sub.index} failed and its failure policy is stop`;
          }
        }
        if (run.journal === undefined) {
          // A streamed result is final: its writes must be acknowledged first.
          if (run.units !== undefined && outer.onResult !== undefined) await this.#settle(api, requests, run, results, outcome);
          await emit(i + 1);
        }
      }
      if (run.units !== undefined) await this.#settle(api, requests, run, results, outcome);
      run.journal?.commit();
    } finally {
      if (run.units !== undefined) run.releaseUnits();
      run.endAtomic();
      deadline.dispose();
    }
    await emit(requests.length);
    return { results, summary: summarize(results), sessionId: run.session?.id };
  }

  /** Runs one ordinary (non-batch) call. */
  async runCall(api: CompiledApi, sub: SubRequest, outer: OuterRequest, session: Session | undefined): Promise<SubResult> {
    const scope = this.deps.container.createChildContainer();
    const run = new RunState(this.deps.store, this.deps.ttlMs, scope, outer.identity, session);
    run.policy = outer.policy;
    const inherited = this.deps.headerRule.inherited(outer.headers);
    const deadline = new Deadline(outer.signal, this.deps.limits.batchTimeoutMs);
    try {
      return await this.#runOne(api, sub, -1, inherited, run, deadline, undefined);
    } finally {
      deadline.dispose();
    }
  }

  async #runOne(
    api: CompiledApi,
    sub: SubRequest,
    index: number,
    inherited: Headers,
    run: RunState,
    deadline: Deadline,
    planned: RouteMatch | undefined,
  ): Promise<SubResult> {
    let timer: SubTimer | undefined;
    try {
      let match = planned;
      if (match === undefined) {
        assertSafePath(sub.path, index);
        match = api.routes.match(sub.method, sub.path);
      }
      const route = match.route;
      if (index >= 0 && !route.batchable) {
        throw new RestBatchError('NOT_BATCHABLE', `${sub.method} ${route.pattern} cannot be called inside a batch`);
      }
      let headers = inherited;
      if (index < 0) headers = sub.headers;
      else if (sub.headers !== NO_HEADERS && Object.keys(sub.headers).length > 0) {
        this.deps.headerRule.check(sub.headers, index);
        headers = this.deps.headerRule.merge(inherited, sub.headers);
      }
      if (run.policy !== undefined) await run.policy.check(policyCall(sub, match, index));
      if (route.session === 'required' && run.session === undefined) {
        throw new RestBatchError(
          'SESSION_REQUIRED',
          `${route.resource} needs a session: ${index >= 0 ? 'start the batch with one' : `pass the ${api.sessionParam ?? 'sid'} parameter`}`,
        );
      }
      const body = route.validate === undefined ? sub.body : route.validate(sub.body, index);
      const timeoutMs = withinLimit(this.deps.limits.subRequestTimeoutMs, sub.timeoutMs);
      let signal = deadline.signal;
      if (timeoutMs > 0) {
        timer = new SubTimer(deadline.signal, timeoutMs);
        signal = timer.signal;
      }
      const context = new SubContext(match.params, sub.query, headers, body, index, signal, run);
      let value = route.handle(context);
      if (value instanceof Promise)
        value = await (timer !== undefined ? timer.race(value) : deadline.unbounded ? value : deadline.race(value));
      if (value instanceof Reply) {
        return { index: sub.index, id: sub.id, status: value.status, headers: value.headers, body: value.body };
      }
      const status = route.status ?? (value === undefined ? 204 : sub.method === 'POST' ? 201 : 200);
      return { index: sub.index, id: sub.id, status, headers: NO_HEADERS, body: value };
    } catch (thrown) {
      return this.#failure(api, sub, thrown, run.session);
    } finally {
      timer?.dispose();
    }
  }

  /** The sub-request with its references resolved, or its result when they cannot be. */
  #resolve(
    api: CompiledApi,
    refs: SubReferencePlan,
    sub: SubRequest,
    ran: readonly SubRequest[],
    results: readonly SubResult[],
    pathValues: string[] | undefined,
  ): SubRequest | SubResult {
    try {
      return resolveReferences(sub, refs, ran, results, api.base, pathValues);
    } catch (thrown) {
      const error = toRestBatchError(thrown);
      return error.code === 'DEPENDENCY_FAILED' ? skipped(sub, error, undefined) : this.#failure(api, sub, error, undefined);
    }
  }

  #failure(api: CompiledApi, sub: SubRequest, thrown: unknown, session: Session | undefined): SubResult {
    const error = toRestBatchError(thrown);
    const detail = api.errorDetail(session);
    let message = error.message;
    let correlationId = error.correlationId;
    if (!error.expose) {
      correlationId ??= randomUUID();
      error.correlationId = correlationId;
      this.deps.logger.error('sub-request failed', {
        correlationId,
        index: sub.index,
        method: sub.method,
        path: sub.path,
        error: error.cause,
      });
      if (detail && error.cause instanceof Error) message = error.cause.message;
    }
    const source = error.cause instanceof Error && !error.expose ? error.cause : error;
    return {
      index: sub.index,
      id: sub.id,
      status: error.status,
      headers: error.headers ?? NO_HEADERS,
      body: undefined,
      error: { code: error.code, message, details: error.details, stack: detail ? (source.stack ?? null) : null, correlationId },
    };
  }

  /** Waits for the run's buffered session writes and fails the results they no longer back. */
  async #settle(
    api: CompiledApi,
    requests: readonly SubRequest[],
    run: RunState,
    results: SubResult[],
    outcome: Map<string, boolean> | undefined,
  ): Promise<void> {
    const failures = await run.settle();
    if (failures === undefined) return;
    for (const [i, error] of failures) {
      const earlier = results[i];
      if (earlier === undefined || earlier.status >= 400) continue;
      const sub = requests[i] as SubRequest;
      results[i] = this.#failure(api, sub, error, run.session);
      outcome?.set(sub.id ?? String(sub.index), false);
    }
  }

  /** Undoes the atomic run from `start` to `failed` and marks its successes as rolled back. */
  async #rollback(
    run: RunState,
    results: SubResult[],
    outcome: Map<string, boolean> | undefined,
    start: number,
    failed: number,
  ): Promise<void> {
    const errors = (await run.journal?.rollback()) ?? [];
    if (run.units !== undefined) for (const [, error] of (await run.settle()) ?? []) errors.push(error);
    for (const error of errors) this.deps.logger.error('rollback step failed', { error });
    for (let j = start; j < failed; j++) {
      const earlier = results[j] as SubResult;
      if (earlier.status >= 400) continue;
      results[j] = {
        index: earlier.index,
        id: earlier.id,
        status: 424,
        headers: NO_HEADERS,
        body: undefined,
        error: {
          code: 'ROLLED_BACK',
          message: `Rolled back: sub-request ${results[failed]?.index ?? failed} of the same atomic run failed`,
          stack: null,
        },
      };
      outcome?.set(earlier.id ?? String(earlier.index), false);
    }
  }
}
