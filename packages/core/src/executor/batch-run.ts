import type { DecodedBatch } from '../dialects/dialect.js';
import type { CompiledApi } from '../engine/compiled-api.js';
import { RestBatchError, toRestBatchError } from '../errors/restbatch-error.js';
import type { BatchResult, BatchSummary, FailurePolicy, Headers, SubRequest, SubResult } from '../model/canonical.js';
import type { RouteMatch } from '../routing/route-table.js';
import { serializeError } from '../engine/logger.js';
import { jsonStringLength } from '../json/json-string-length.js';
import type { BatchBudget } from './batch-budget.js';
import type { BatchPlan } from './check-batch.js';
import type { Deadline } from './deadline.js';
import type { Executor, OuterRequest } from './executor.js';
import type { HeldAnswer } from './held-answer.js';
import { checkAnswerStatus, handlerHeaders, isAnswerStatus, unanswerable } from './handler-answer.js';
import { dependencyMet } from './dependency-met.js';
import { DependencyOutcomes } from './dependency-outcomes.js';
import { gateResult } from './item-gate.js';
import { resolveReferences } from './resolve-references.js';
import type { RetryVerdict } from './retry-verdict.js';
import type { RunState } from './run-state.js';
import { SnapshotWalk, TOO_DEEP } from './snapshot.js';
import { count, NO_HEADERS, skipped, summarize } from './sub-results.js';
import type { TurnClock } from './turn-clock.js';
import { excerpt } from '../errors/excerpt.js';
import { subRequestName } from './sub-request-name.js';

/**
 * The `reach` of a settle that waits for buffered writes only (no sub-request's reads are
 * confirmed): the stop policy's after each sub-request. Confirming reads answered from a store's
 * copy there would cost a round trip per reading sub-request (a read-only Guidewire batch with
 * `onFail: abort` would send one per call); they are confirmed at the batch's next decision that
 * reads results (a dependsOn, a reference, a streamed turn, its end), and a read found to be of a
 * session destroyed meanwhile answers 401 then, without having stopped the batch.
 */
const WRITES_ONLY = -1;
/** What a batch run is given: the executor's collaborators for this one batch. */
export interface BatchRunParts {
  readonly executor: Executor;
  readonly api: CompiledApi;
  readonly batch: DecodedBatch;
  readonly plan: BatchPlan;
  readonly outer: OuterRequest;
  readonly run: RunState;
  readonly inherited: Headers;
  readonly deadline: Deadline;
  readonly budget: BatchBudget;
  readonly clock: TurnClock;
  /** Nothing reads a sub-request once it ran (see `Dialect.encoderReadsRequests`): each is let go of then. */
  readonly releases?: boolean;
}

/**
 * One batch while it runs, as named steps that the executor's loop calls in order for each
 * sub-request: admit (yield, deadline, group boundaries), blocked or execute (dependencies,
 * references, the handler), record (snapshot, result budget, acknowledged writes), apply the
 * failure policy (rollback, stop), emit (stream what is final).
 */
export class BatchRun {
  readonly results: SubResult[];
  readonly #parts: BatchRunParts;
  readonly #requests: readonly SubRequest[];
  // The decoded sub-requests as a writable array when each is let go of once it ran; else undefined.
  readonly #releasable: (SubRequest | undefined)[] | undefined;
  readonly #policy: FailurePolicy;
  // Sub-requests as they ran, kept only while a later `$<id>` may still name them.
  readonly #ran: (SubRequest | undefined)[] | undefined;
  readonly #lastNamed: Int32Array | undefined;
  // The encoded values of the path being resolved, read by its pre-matched route (one array per batch).
  readonly #pathValues: string[] | undefined;
  // The final status of each sub-request so far, by id or index, and of each atomicity group a
  // dependency names: only `dependsOn` (and conditions) read it.
  readonly #outcome: DependencyOutcomes | undefined;
  #stopReason: string | undefined;
  #group: { name: string; start: number } | undefined;
  #emitted = 0;
  // Whether a streamed result's value is still read after it went out: by a reference or the final
  // answer (a watcher reads statuses and timings only).
  readonly #keeps: boolean;
  // The summary of the results let go of as they went out (see `OuterRequest.releasesResults`):
  // a large streamed batch then holds no result object per sub-request while it runs (young-generation
  // GC would copy each one it finds alive). Undefined when the results are kept.
  readonly #released: BatchSummary | undefined;
  // Takes each result's snapshot (one walker per batch, not one per result).
  readonly #walk: SnapshotWalk;
  // Each final result as the dialect's item, kept instead of the result when nothing later reads
  // results (see `OuterRequest.encodeItem`): a large batch then holds a smaller object per result
  // and makes no answer of every result at its end. Undefined when the results are kept.
  readonly #items: unknown[] | undefined;
  readonly #encodeItem: ((result: SubResult) => unknown) | undefined;
  // The summary of the kept items, counted as they are made.
  readonly #summary: BatchSummary | undefined;
  // The status of each result that is nothing but its status and body (no headers, error or id: a
  // 204, or a 200 with its body), whose item is made at the end instead (0: the item is in #items).
  // Until then #items holds its body (the snapshot the item would hold): a large batch holds no
  // item object per such result while it runs (young-generation GC would copy each one it finds
  // alive), and no array beside #items (it would copy that too). Made on the first one.
  #bare: Uint16Array | undefined;

  constructor(parts: BatchRunParts) {
    this.#parts = parts;
    this.#walk = new SnapshotWalk(true, parts.budget.frozenSizes, parts.executor.maxResultDepth);
    const { batch, plan } = parts;
    this.#requests = batch.requests;
    // Not on a buffering store: waiting for its writes can fail earlier results, which reads their sub-requests.
    this.#releasable =
      parts.releases === true && parts.run.units === undefined && !Object.isFrozen(batch.requests)
        ? (batch.requests as (SubRequest | undefined)[])
        : undefined;
    // Results are read again (references, rollbacks, buffered writes failing earlier results,
    // streaming, a watch), or kept as items: see `OuterRequest.encodeItem`.
    const itemsOnly =
      this.#requests.length >= ITEMS_FROM &&
      parts.outer.encodeItem !== undefined &&
      parts.outer.onResult === undefined &&
      parts.outer.watch === undefined &&
      plan.references === undefined &&
      !plan.batchAtomic &&
      !plan.groups &&
      parts.run.units === undefined;
    this.#encodeItem = itemsOnly ? parts.outer.encodeItem : undefined;
    this.#items = itemsOnly ? new Array(this.#requests.length) : undefined;
    this.#summary = itemsOnly ? { succeeded: 0, failed: 0, skipped: 0 } : undefined;
    this.results = itemsOnly ? [] : new Array(this.#requests.length);
    this.#policy = batch.onFail ?? 'continue';
    this.#pathValues = plan.templates === undefined ? undefined : [];
    this.#outcome = plan.dependencies ? new DependencyOutcomes(plan.groupDependencies) : undefined;
    const subs = plan.references?.subs;
    if (subs !== undefined) {
      for (let i = 0; i < subs.length; i++) {
        const native = subs[i]?.native;
        if (native === undefined) continue;
        this.#lastNamed ??= new Int32Array(subs.length);
        this.#lastNamed[native.target] = i;
      }
      if (this.#lastNamed !== undefined) this.#ran = new Array(subs.length);
    }
    this.#keeps = parts.outer.takesResults !== true || plan.references !== undefined;
    // A result that went out is read again by an atomic run's rollback, a failed group, a buffering
    // store's late failures and references: none of them here, so the reader's copy is the only one.
    this.#released =
      parts.outer.releasesResults === true &&
      parts.outer.takesResults === true &&
      parts.outer.onResult !== undefined &&
      plan.references === undefined &&
      !plan.batchAtomic &&
      !plan.groups &&
      parts.run.units === undefined
        ? { succeeded: 0, failed: 0, skipped: 0 }
        : undefined;
    if (plan.batchAtomic) parts.run.beginAtomic(parts.executor.rollbackTimeoutMs);
  }

  /**
   * Before sub-request `i`: lets go of the event loop when the batch has held it for its interval,
   * waits for buffered writes that this sub-request reads, and closes or opens atomic groups.
   * Returns a promise only when it has to wait (each step keeps a plain batch free of extra awaits).
   */
  admit(i: number): Promise<void> | undefined {
    const { clock, run, plan } = this.#parts;
    const due = clock.itemDue();
    const sub = this.#requests[i] as SubRequest;
    // On a buffering store, decisions that read earlier results wait until those are acknowledged.
    const settle = run.units !== undefined && (sub.dependsOn !== undefined || plan.references?.subs[i] !== undefined);
    if (!due && !settle && this.#group === undefined && sub.atomicityGroup === undefined) {
      if (run.units !== undefined) run.at(i);
      return undefined;
    }
    return this.#admit(i, due, settle);
  }

  async #admit(i: number, due: boolean, settle: boolean): Promise<void> {
    const { clock, run, plan } = this.#parts;
    if (due) await clock.yield();
    const sub = this.#requests[i] as SubRequest;
    // Charged from here on (not during the yield: what an earlier sub-request still does is its own).
    if (run.units !== undefined) run.at(i);
    if (settle) await this.#settle(this.#reach(i, sub));
    const name = sub.atomicityGroup;
    if (this.#group !== undefined && this.#group.name !== name) {
      run.journal?.commit();
      run.endAtomic();
      this.#group = undefined;
      await this.emit(i);
    }
    if (name !== undefined && this.#group === undefined && !plan.batchAtomic && this.#stopReason === undefined) {
      this.#group = { name, start: i };
      run.beginAtomic(this.#parts.executor.rollbackTimeoutMs);
    }
  }

  /**
   * The latest sub-request (position) whose result sub-request `i` reads before it runs: its
   * dependencies (a group's standing member) and the targets of its references. A buffering store
   * confirms reads answered from its copy up to there only (see `SessionUnitOfWork.flush`).
   */
  #reach(i: number, sub: SubRequest): number {
    let reach = this.#parts.plan.references?.subs[i]?.reach ?? -1;
    const outcome = this.#outcome;
    if (sub.dependsOn !== undefined && outcome !== undefined) {
      for (const dep of sub.dependsOn) {
        const at = outcome.at(dep) ?? -1;
        if (at > reach) reach = at;
      }
    }
    return reach;
  }

  /** The result of a sub-request that must not run: the batch stopped, the item is faulty, its condition or a dependency failed. */
  blocked(i: number): SubResult | undefined {
    const sub = this.#requests[i] as SubRequest;
    const deadline = this.#parts.deadline;
    if (deadline.stopped(this.#parts.clock.now)) {
      return skipped(sub, toRestBatchError(deadline.signal.reason), 'the batch was cancelled before this sub-request started');
    }
    if (this.#stopReason !== undefined) return skipped(sub, new RestBatchError('SKIPPED', this.#stopReason), undefined);
    // A decoder's verdict on the item, or its own condition instead of the dependsOn rule (OData `if`).
    if (sub.fault !== undefined || sub.condition !== undefined) return gateResult(sub, this.#outcome);
    return sub.dependsOn === undefined ? undefined : this.#dependencyFailed(sub, sub.dependsOn);
  }

  /**
   * The result of a sub-request whose dependency did not succeed; undefined when all did. Apart from
   * `blocked`: its closure would make V8 allocate a context on every call of `blocked` (one per sub-request).
   */
  #dependencyFailed(sub: SubRequest, dependsOn: readonly string[]): SubResult | undefined {
    const failed = dependsOn.find((dep) => !dependencyMet(this.#outcome?.get(dep)));
    if (failed === undefined) return undefined;
    const status = this.#outcome?.get(failed);
    // A 3xx is no failure elsewhere (the summary counts it as succeeded): say why it does not count here.
    const why = status === undefined ? '' : status < 400 ? ` (it answered ${status}; a dependency must answer 2xx)` : ` (status ${status})`;
    // A group: name the member that did not succeed (its first).
    const member = this.#outcome?.standing(failed)?.member;
    const what =
      member === undefined ? `${excerpt(failed)}, which` : `atomicity group ${excerpt(failed)}, whose sub-request ${excerpt(member)}`;
    const error = new RestBatchError(
      'DEPENDENCY_FAILED',
      `Sub-request ${subRequestName(sub.id, sub.index)} depends on ${what} did not succeed${why}`,
    );
    return skipped(sub, error, undefined);
  }

  /**
   * Resolves the sub-request's references (charged to the budget) and runs its handler; with
   * `held`, a handler's promise may come back in it for the caller to await (see {@link HeldAnswer}).
   */
  execute(i: number): SubResult | Promise<SubResult>;
  execute(i: number, held: HeldAnswer): SubResult | Promise<SubResult> | HeldAnswer;
  execute(i: number, held?: HeldAnswer): SubResult | Promise<SubResult> | HeldAnswer {
    const { executor, api, plan, run, inherited, deadline, budget } = this.#parts;
    const sub = this.#requests[i] as SubRequest;
    const refs = plan.references?.subs[i];
    let ready = sub;
    let match: RouteMatch | undefined = plan.matches[i];
    // Read once: released now, so a large batch does not keep every route match (and its params) to its end.
    plan.matches[i] = undefined;
    if (refs !== undefined) {
      try {
        ready = resolveReferences(sub, refs, (this.#ran ?? []) as readonly SubRequest[], this.results, api.base, budget, this.#pathValues);
      } catch (thrown) {
        const error = toRestBatchError(thrown);
        return error.code === 'DEPENDENCY_FAILED'
          ? skipped(sub, error, undefined)
          : executor.failure(api, sub, error, undefined, run.requestId);
      }
      // A path filled by references: its route was found ahead when its shape decides it.
      const template = plan.templates?.[i];
      if (template !== undefined) match = template.bind(this.#pathValues as string[]);
      // Released once the last `$<id>` that names it has read it.
      const native = refs.native;
      if (native !== undefined && this.#lastNamed?.[native.target] === i) (this.#ran as unknown[])[native.target] = undefined;
    }
    if (this.#ran !== undefined && (this.#lastNamed as Int32Array)[i]! > i) this.#ran[i] = ready;
    return executor.runOne(api, ready, sub.index, inherited, run, deadline, match, refs?.body !== undefined, held);
  }

  /**
   * Keeps the result as a snapshot of its value now, within the batch's result budget, and (on a
   * buffering store) waits for its writes when an atomic run or the stop policy must see them.
   * The snapshot is taken against what the batch's budget has left: a result that does not fit is
   * measured only until it passes it, and one nested deeper than `limits.maxResultDepth` is refused
   * in its slot (RESULT_TOO_DEEP), so every transport can write the batch's answer.
   */
  record(i: number, given: SubResult): SubResult | Promise<SubResult> {
    const { run, budget, executor, api } = this.#parts;
    // Its answer is taken: a session its handler creates from now on (past its timeout) is destroyed at once.
    run.answered();
    const sub = this.#requests[i] as SubRequest;
    let result = given;
    // Whatever its status: a handler's 4xx Reply body or headers are its own objects (a shared
    // constant, say), and the caller may change what it is handed.
    if (result.body !== undefined || result.headers !== NO_HEADERS || !isAnswerStatus(result.status)) {
      const walk = this.#walk;
      let headers = NO_HEADERS;
      let headerChars = 0;
      let body: unknown;
      let over = false;
      let taken = true;
      // Inline, not checkedAnswer: no object per result on the batch's hot path.
      try {
        checkAnswerStatus(result);
        if (result.headers !== NO_HEADERS) {
          headers = handlerHeaders(result.headers);
          headerChars = headerSize(headers);
        }
        if (result.body !== undefined) {
          body = walk.take(result.body, budget.resultsLeft - headerChars);
          over = walk.over;
        }
      } catch (thrown) {
        // A status, header or body the wire cannot carry fails this sub-request alone (as it fails a call alone).
        const error = thrown === TOO_DEEP ? resultTooDeep(sub, executor.maxResultDepth) : unanswerable(sub, run.route, thrown);
        result = executor.failure(api, sub, error, run.session, run.requestId);
        taken = false;
      }
      if (taken) {
        const size = (result.body === undefined ? 0 : walk.size) + headerChars;
        // The result is this run's own object (made by runOne): it takes its snapshot in place.
        if (!over && budget.takeResult(size)) {
          result.headers = headers;
          result.body = body;
        } else result = executor.failure(api, sub, budget.resultError(sub, size, over), run.session, run.requestId);
      }
    }
    if (run.creator === undefined) return this.#keep(i, result);
    // A session created by a success on a store that does not buffer is whole: kept at once.
    if (run.creator === i && run.units === undefined && result.status < 400) {
      run.keepCreated();
      return this.#keep(i, result);
    }
    return this.#settleCreated(i, result);
  }

  /**
   * A sub-request created a session: it is kept only once the answer of that sub-request is known
   * to be a success, its writes acknowledged (see `RunState.settleCreated`), before anything else
   * runs in it. A session created by a handler whose answer was already given (it ran past its
   * timeout) is never kept.
   */
  async #settleCreated(i: number, given: SubResult): Promise<SubResult> {
    const { run, executor, api } = this.#parts;
    let result = given;
    const own = run.creator === i;
    if (own && run.units !== undefined) {
      // Never kept as items on a buffering store: the result waits in its slot for its writes.
      this.results[i] = result;
      await this.#settle();
      result = this.results[i] as SubResult;
    }
    const failed = !own || result.status >= 400;
    const remains = await run.settleCreated(failed, own && failed && run.journal !== undefined);
    if (remains !== undefined) {
      executor.logger.error({ requestId: run.requestId, err: serializeError(remains.cause) }, 'rollback step failed');
      if (own) result = executor.failure(api, this.#requests[i] as SubRequest, remains, run.session, run.requestId);
    }
    return this.#keep(i, result);
  }

  /** Keeps the final result of sub-request `i`, then waits for its writes when an atomic run or the stop policy must see them. */
  #keep(i: number, result: SubResult): SubResult | Promise<SubResult> {
    const { run } = this.#parts;
    const sub = this.#requests[i] as SubRequest;
    if (this.#items === undefined) this.results[i] = result;
    else this.#keepItem(i, result);
    // Its payload is let go of: nothing reads it once the sub-request ran (references read results),
    // and a large batch would otherwise keep every payload until its answer.
    // A plain store, not Reflect.set (a generic call, about 40 ns more per sub-request): a dialect's
    // frozen sub-request makes it throw, and then keeps its payload instead of failing the batch.
    if (sub.body !== undefined) {
      try {
        sub.body = undefined;
      } catch {
        // Frozen: its payload stays until the batch ends.
      }
    }
    if (run.units !== undefined && (run.journal !== undefined || (sub.onFail ?? this.#policy) === 'stop'))
      return this.#settled(i, run.journal === undefined ? WRITES_ONLY : undefined);
    this.#outcome?.set(sub.id ?? String(sub.index), sub.index, sub.atomicityGroup, result.status);
    return result;
  }

  /** Keeps the final result as its item and counts it in the summary. */
  #keepItem(i: number, result: SubResult): void {
    if (
      result.headers === NO_HEADERS &&
      result.error === undefined &&
      result.id === undefined &&
      result.index === i &&
      result.skipped !== true &&
      result.status >= 100 &&
      result.status <= 999
    ) {
      this.#bare ??= new Uint16Array(this.#requests.length);
      this.#bare[i] = result.status;
      if (result.body !== undefined) (this.#items as unknown[])[i] = result.body;
    } else (this.#items as unknown[])[i] = (this.#encodeItem as (result: SubResult) => unknown)(result);
    count(this.#summary as BatchSummary, result);
    this.#parts.run.verdict?.count(i, result);
  }

  async #settled(i: number, reach?: number): Promise<SubResult> {
    await this.#settle(reach);
    const sub = this.#requests[i] as SubRequest;
    const result = this.results[i] as SubResult;
    this.#outcome?.set(sub.id ?? String(sub.index), sub.index, sub.atomicityGroup, result.status);
    return result;
  }

  /**
   * Acts on a failure: rolls back the atomic batch or group, skips the rest of a failed group,
   * and stops the batch under the stop policy. Returns the last index it settled (a failed group's end).
   */
  applyPolicy(i: number, result: SubResult): number | Promise<number> {
    // In an atomic run a sub-request that never ran (dependency, reference, deadline) fails the run too;
    // so does one with its own stop policy that did not run because what it needs failed.
    if (
      result.status >= 400 &&
      (!result.skipped ||
        (this.#parts.plan.batchAtomic ? this.#stopReason === undefined : this.#group !== undefined) ||
        this.#stopsOnDependency(i, result))
    ) {
      return this.#fail(i, result);
    }
    if (this.#releasable !== undefined) this.#releasable[i] = undefined;
    return i;
  }

  /**
   * Whether a sub-request with its own `stop` policy (Guidewire's `onFail: "abort"`) did not run
   * because a dependency or reference it needs failed: that is its failure, so it stops the batch.
   * A sub-request skipped for any other reason (the batch already stopped, its group failed, the
   * deadline) does not; nor does one that only inherits the batch's policy.
   */
  #stopsOnDependency(i: number, result: SubResult): boolean {
    return result.error?.code === 'DEPENDENCY_FAILED' && (this.#requests[i] as SubRequest).onFail === 'stop';
  }

  async #fail(i: number, result: SubResult): Promise<number> {
    const { plan, run } = this.#parts;
    const group = this.#group;
    const sub = this.#requests[i] as SubRequest;
    const policy = sub.onFail ?? this.#policy;
    let last = i;
    if (plan.batchAtomic) {
      await this.#rollback(0, i);
      this.#stopReason = `Skipped: the batch is atomic and sub-request ${subRequestName(sub.id, sub.index)} failed`;
    } else if (group !== undefined) {
      await this.#rollback(group.start, i, group.name);
      // After the deadline (or the client's abort) the rest of the group never starts for that reason: 504 or 499, not 424.
      const deadline = this.#parts.deadline;
      const stopped = deadline.stopped(this.#parts.clock.now) ? toRestBatchError(deadline.signal.reason) : undefined;
      while (last + 1 < this.#requests.length && this.#requests[last + 1]?.atomicityGroup === group.name) {
        const member = this.#requests[++last] as SubRequest;
        this.results[last] =
          stopped === undefined
            ? skipped(
                member,
                new RestBatchError(
                  'SKIPPED',
                  `Skipped: atomicity group ${excerpt(group.name)} failed at sub-request ${subRequestName(sub.id, sub.index)}`,
                ),
                undefined,
              )
            : skipped(member, stopped, 'the batch was cancelled before this sub-request started');
        this.#outcome?.set(member.id ?? String(member.index), member.index, group.name, (this.results[last] as SubResult).status);
      }
      run.endAtomic();
      this.#group = undefined;
    }
    if (policy === 'stop' && this.#stopReason === undefined && (!result.skipped || this.#stopsOnDependency(i, result))) {
      this.#stopReason = `Skipped: sub-request ${subRequestName(sub.id, sub.index)} failed and its failure policy is stop`;
    }
    // Only the one that ran: the skipped rest of its group is still told to a watcher when the batch ends.
    if (this.#releasable !== undefined) this.#releasable[i] = undefined;
    return last;
  }

  /**
   * Streams results that are final, up to `upTo` (those of an atomic run only once it settled). A
   * streaming transport's promise pauses the batch; its rejection stops it (the rest is skipped).
   * On a buffering store, results are held until the batch's turn ends (or the batch does), so one
   * wait for the buffered writes covers every result of the turn, not one round trip each.
   * Results go out synchronously while the reader returns nothing: a promise is made only when the
   * reader pauses the batch or buffered writes must be acknowledged first.
   */
  emit(upTo: number): Promise<void> | undefined {
    const { outer, run, clock } = this.#parts;
    if (outer.onResult === undefined || run.journal !== undefined || this.#emitted >= upTo) return undefined;
    if (run.units !== undefined) {
      if (clock.intervalMs > 0 && !clock.due()) return undefined;
      return this.#emitSettled(upTo);
    }
    const paused = this.#deliver(upTo);
    return paused === undefined ? undefined : this.#resume(paused, upTo);
  }

  /** A streamed result is final: its writes are acknowledged before it goes out. */
  async #emitSettled(upTo: number): Promise<void> {
    await this.#settle();
    const paused = this.#deliver(upTo);
    if (paused !== undefined) await this.#resume(paused, upTo);
  }

  /** Hands results to the reader up to `upTo`; stops at the first that pauses the batch and returns its promise. */
  #deliver(upTo: number): PromiseLike<void> | undefined {
    const onResult = this.#parts.outer.onResult as (result: SubResult, kept: boolean) => unknown;
    const kept = this.#keeps;
    const released = this.#released;
    while (this.#emitted < upTo) {
      const result = this.results[this.#emitted] as SubResult;
      if (released !== undefined) {
        count(released, result);
        this.#parts.run.verdict?.count(this.#emitted, result);
        (this.results as (SubResult | undefined)[])[this.#emitted] = undefined;
      }
      let paused: unknown;
      try {
        paused = onResult(result, kept);
      } catch (reason) {
        // As a rejected promise: the batch stops (the rest is skipped) and every result still goes out.
        paused = undefined;
        this.#parts.deadline.abort(toRestBatchError(reason));
      }
      this.#emitted++;
      if (isThenable(paused)) return paused;
    }
    return undefined;
  }

  /** Waits for each pause in turn (a rejection aborts the batch) and delivers what follows it. */
  async #resume(first: PromiseLike<void>, upTo: number): Promise<void> {
    for (let paused: PromiseLike<void> | undefined = first; paused !== undefined; paused = this.#deliver(upTo)) {
      try {
        await paused;
      } catch (reason) {
        this.#parts.deadline.abort(toRestBatchError(reason));
      }
    }
  }

  /**
   * After the last sub-request: waits for every write and commits an atomic batch. (A session a
   * handler creates after its answer was given is never bound to the run: see `RunState.createSession`.)
   */
  async finish(): Promise<void> {
    const run = this.#parts.run;
    if (run.units !== undefined) await this.#settle();
    run.journal?.commit();
  }

  /** Detaches the run from its sessions and timers, whatever happened. */
  dispose(): void {
    const { run, deadline } = this.#parts;
    run.answered();
    if (run.units !== undefined) run.releaseUnits();
    run.endAtomic();
    deadline.dispose();
  }

  /** Streams what is left (the transport's own state decides what it does with a closed reader) and sums up. */
  async outcome(): Promise<BatchResult> {
    try {
      await this.emit(this.results.length);
    } catch {
      // The batch is over; a reader that failed now has nothing left to stop.
    }
    const run = this.#parts.run;
    const sessionId = run.session?.id;
    const items = this.#items;
    const bare = this.#bare;
    if (bare !== undefined) {
      const encodeItem = this.#encodeItem as (result: SubResult) => unknown;
      const kept = items as unknown[];
      for (let i = 0; i < bare.length; i++) {
        const status = bare[i] as number;
        // The body waits in the item's place.
        if (status !== 0) kept[i] = encodeItem({ index: i, id: undefined, status, headers: NO_HEADERS, body: kept[i] });
      }
    }
    const verdict = run.verdict;
    if (items !== undefined)
      return withVerdict({ results: this.results, items, summary: this.#summary as BatchSummary, sessionId }, verdict);
    if (this.#released !== undefined) return withVerdict({ results: [], summary: this.#released, sessionId }, verdict);
    if (verdict !== undefined) for (let i = 0; i < this.results.length; i++) verdict.count(i, this.results[i] as SubResult);
    return withVerdict({ results: this.results, summary: summarize(this.results), sessionId }, verdict);
  }

  /**
   * Waits for the run's buffered session writes (and for the store to confirm reads answered from
   * its copy, up to `reach` when given) and fails the results they no longer back.
   */
  async #settle(reach?: number): Promise<void> {
    const { run, executor, api } = this.#parts;
    const failures = await run.settle(reach);
    if (failures === undefined) return;
    for (const [i, error] of failures) {
      const earlier = this.results[i];
      if (earlier === undefined || (earlier.status >= 400 && !goneUnder(earlier, error))) continue;
      const sub = this.#requests[i] as SubRequest;
      const failure = executor.failure(api, sub, error, run.session, run.requestId);
      this.results[i] = failure;
      this.#outcome?.set(sub.id ?? String(sub.index), sub.index, sub.atomicityGroup, failure.status);
    }
  }

  /** Undoes the atomic run (atomicity group `group`, or the batch) from `start` to `failed` and marks its successes as rolled back. */
  async #rollback(start: number, failed: number, group?: string): Promise<void> {
    const { run, executor, api } = this.#parts;
    const errors = (await run.journal?.rollback()) ?? [];
    if (run.units !== undefined) for (const [, error] of (await run.settle()) ?? []) errors.push(error);
    // The store could not confirm some undo steps and re-applies them once it answers: say so, not "rolled back".
    let pending = false;
    let incomplete = false;
    for (const error of errors) {
      if (error instanceof RestBatchError && error.code === 'ROLLBACK_PENDING') pending = true;
      else {
        // An undo step that failed outright (a handler's onRollback threw, or a write nothing will
        // re-apply): the run's writes may remain, so "rolled back" would not be true.
        incomplete = true;
        executor.logger.error({ requestId: run.requestId, err: serializeError(error) }, 'rollback step failed');
      }
    }
    // A failed sub-request that created a session the rollback could not destroy answers as it
    // would outside an atomic run (RunState.settleCreated): its own undo failed, and it says so.
    const remains = run.sessionLeft(failed);
    if (remains !== undefined) {
      const sub = this.#requests[failed] as SubRequest;
      this.results[failed] = executor.failure(api, sub, remains, run.session, run.requestId);
    }
    // Every change of the run is undone, confirmed: the retry verdict counts none of them.
    if (!incomplete && !pending) run.verdict?.undone(start, failed);
    const cause = subRequestName(this.#requests[failed]?.id, failed);
    for (let j = start; j < failed; j++) {
      const earlier = this.results[j] as SubResult;
      if (earlier.status >= 400) continue;
      if (incomplete) {
        this.results[j] = {
          index: earlier.index,
          id: earlier.id,
          status: 500,
          headers: NO_HEADERS,
          body: undefined,
          error: {
            code: 'ROLLBACK_INCOMPLETE',
            message: `Rollback incomplete: sub-request ${cause} of the same atomic run failed and an undo step of the run failed; its changes may remain`,
            stack: null,
          },
        };
        this.#outcome?.set(earlier.id ?? String(earlier.index), earlier.index, group, (this.results[j] as SubResult).status);
        continue;
      }
      this.results[j] = {
        index: earlier.index,
        id: earlier.id,
        status: pending ? 503 : 424,
        headers: pending ? RETRY_AFTER : NO_HEADERS,
        body: undefined,
        error: pending
          ? {
              code: 'ROLLBACK_PENDING',
              message: `Rollback pending: sub-request ${cause} of the same atomic run failed and the store could not yet confirm the undo; it completes when the store answers again`,
              stack: null,
            }
          : { code: 'ROLLED_BACK', message: `Rolled back: sub-request ${cause} of the same atomic run failed`, stack: null },
      };
      this.#outcome?.set(earlier.id ?? String(earlier.index), earlier.index, group, (this.results[j] as SubResult).status);
    }
  }
}

/** The outcome with the retry verdict, when one was asked for (see `OuterRequest.judgesRetry`). */
function withVerdict(outcome: BatchResult, verdict: RetryVerdict | undefined): BatchResult {
  if (verdict !== undefined) outcome.retryable = verdict.retryable;
  return outcome;
}

/** A reader's answer that pauses the batch: a promise (anything else, such as `push`'s count, does not). */
function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<void>).then === 'function';
}

/**
 * The smallest batch kept as items: a smaller one ends before young-generation GC copies much of
 * what it holds, and keeps its results (one path to measure against the direct-call floor).
 */
export const ITEMS_FROM = 2000;

const RETRY_AFTER: Headers = Object.freeze({ 'retry-after': '1' });

/** The refusal of a result nested deeper than `limit` levels: the transports could not all write it. */
function resultTooDeep(sub: SubRequest, limit: number): RestBatchError {
  return new RestBatchError(
    'RESULT_TOO_DEEP',
    `Sub-request ${sub.id ?? sub.index}: its result is nested more than ${limit} levels deep (limits.maxResultDepth)`,
    { details: { index: sub.index, limit } },
  );
}

function headerSize(headers: Headers): number {
  let size = 0;
  for (const name in headers) size += jsonStringLength(name) + jsonStringLength(headers[name] as string);
  return size;
}

/**
 * Whether a failed answer gives way to `error`: the store found the session gone after the
 * sub-request answered from the batch's copy of it. Its 404 (an entry the copy lacked) or 409 was
 * built on data of a session that no longer exists; on a store that says so at once it answers
 * 401, as it does here. Any other failure keeps its own reason.
 */
function goneUnder(earlier: SubResult, error: unknown): boolean {
  return (
    error instanceof RestBatchError &&
    error.code === 'SESSION_NOT_FOUND' &&
    earlier.skipped !== true &&
    earlier.error?.code !== 'SESSION_NOT_FOUND'
  );
}
