import type { DependencyContainer } from 'tsyringe';
import { type Logger, serializeError } from '../engine/logger.js';
import { isRestBatchError, RestBatchError } from '../errors/restbatch-error.js';
import type { CallerPolicy } from '../policy/call-policy.js';
import { Journal } from '../session/journal.js';
import { Session } from '../session/session.js';
import type { JsonValue, SessionStore } from '../session/session-store.js';
import type { SessionUnitOfWork } from '../session/session-unit-of-work.js';
import { RetryVerdict } from './retry-verdict.js';
import type { SignalSource } from './sub-context.js';

/** No sub-request is waiting for its answer (see `RunState.calling`). */
const NONE = -2;

/** The mutable state of one batch (or one ordinary call) while it runs. */
export class RunState {
  session: Session | undefined;
  /** The undo log of the atomic group now running, if any. */
  journal: Journal | undefined;
  #policy: CallerPolicy | undefined;
  /** The id every log line of the outer request carries. */
  requestId: string | undefined;
  /** The route pattern of the sub-request that ran last (for traces and metrics). */
  route: string | undefined;
  /** Where a session destroyed outside any answer (see {@link RunState.createSession}) that could not be destroyed is reported. */
  logger: Logger | undefined;
  /** The buffered session views of a batch on a store that offers them; undefined otherwise. */
  units: SessionUnitOfWork[] | undefined;
  #index = -1;
  #bound: Session[] | undefined;
  // Beside each of `units`: the position of the sub-request that created its session (NONE: none did).
  #creators: number[] | undefined;
  #created: Created | undefined;
  // The position of the sub-request whose handler was called and whose answer was not yet taken
  // (-1: an ordinary call), else NONE: a session a handler creates for any other is never kept.
  #open = NONE;
  // The sessions (by id) an atomic run's rollback could not destroy: which sub-request created each, and why.
  #left: Map<string, { index: number; error: unknown }> | undefined;
  #verdict: RetryVerdict | undefined;
  // Tells the verdict of each write a session's store acknowledged (see `Session.acknowledged`).
  #acknowledged: ((session: Session) => void) | undefined;

  constructor(
    readonly store: SessionStore,
    readonly ttlMs: number,
    readonly scope: DependencyContainer,
    readonly identity: unknown,
    session: Session | undefined,
  ) {
    this.session = session;
  }

  /** The caller's rate limit and authorisation, checked before every call runs (undefined: nothing to check). */
  get policy(): CallerPolicy | undefined {
    return this.#policy?.checks === true ? this.#policy : undefined;
  }

  /** Binds the caller: its checks, and the key its new sessions are counted against. */
  set policy(policy: CallerPolicy | undefined) {
    this.#policy = policy;
  }

  /** Set for a batch whose retry verdict is asked for (see `OuterRequest.judgesRetry` and {@link RunState.judgeRetry}). */
  get verdict(): RetryVerdict | undefined {
    return this.#verdict;
  }

  /**
   * Judges whether the batch of `count` sub-requests may simply run again: from now on the run's
   * sessions tell which sub-request's writes the store acknowledged (see {@link RetryVerdict}).
   */
  judgeRetry(count: number): void {
    const verdict = new RetryVerdict(count);
    this.#verdict = verdict;
    this.#acknowledged = (session) => {
      // A write into a session the sub-request itself created counts with that session: it is
      // destroyed unless the sub-request succeeds (a success counts as a change anyway).
      if (this.#created?.index === this.#open && this.#created.sessions.includes(session)) return;
      verdict.wrote(this.#open);
    };
    if (this.session !== undefined) this.session.acknowledged = this.#acknowledged;
  }

  /**
   * The handler of the sub-request at `index` (-1: an ordinary call) is about to be called: a
   * session it creates is bound to the run until its answer is taken (see {@link RunState.answered}).
   */
  calling(index: number): void {
    this.#open = index;
    this.#verdict?.reach(index);
  }

  /**
   * The answer of the sub-request now running was taken, or the run is over: a session its handler
   * creates from now on (one that ran past its timeout, or did not wait for the create) is destroyed.
   */
  answered(): void {
    this.#open = NONE;
  }

  /**
   * Creates a session in the store, counted against the caller, and binds the run to it. The
   * session is kept only if the answer of the sub-request at `index` (-1: an ordinary call) that
   * created it is a success (see {@link RunState.settleCreated}). A create that lands after that
   * answer was given (the handler ran past its timeout, or did not wait for the create) is
   * destroyed at once and never bound: no client is told its id. It then rejects, with the reason
   * the sub-request's `signals` aborted for when they did.
   */
  async createSession(data: Record<string, JsonValue>, index = -1, signals?: SignalSource): Promise<Session> {
    if (this.#open !== index) throw answeredBefore(signals);
    const owner = this.#policy?.owner;
    const id = await this.store.create(data, { ttlMs: this.ttlMs, ...owner });
    if (this.#open !== index) {
      await this.#destroyUnanswered(id);
      throw answeredBefore(signals);
    }
    const session = new Session(id, data, this.store);
    const previous = this.session;
    if (this.#created === undefined) this.#created = { index, sessions: [session], previous };
    else this.#created.sessions.push(session);
    this.journal?.record(async () => {
      // What follows the rollback runs as after a create that failed: in the session the run had
      // before (none for a new batch), never in the one destroyed now.
      if (this.session === session) this.session = previous;
      // Left until the store confirms the destroy (one that runs out of time never does).
      this.#left ??= new Map();
      const left = this.#left;
      left.set(id, { index, error: undefined });
      try {
        // Undo writes still buffered for this session land before the destroy, not after it.
        await this.flushUnits();
        await this.store.destroy(id);
      } catch (error) {
        if (!isQueued(error)) {
          left.set(id, { index, error });
          throw error;
        }
        left.delete(id);
        throw pending(error);
      }
      left.delete(id);
    });
    if (this.units !== undefined) this.#bind(session, true);
    session.journal = this.journal;
    session.acknowledged = this.#acknowledged;
    this.session = session;
    return session;
  }

  /**
   * After a rollback: the error of the sub-request at `index` when it created a session that the
   * rollback could not destroy (its own undo failed), else undefined. Forgets what the rollback left.
   */
  sessionLeft(index: number): RestBatchError | undefined {
    const left = this.#left;
    this.#left = undefined;
    for (const session of left?.values() ?? []) if (session.index === index) return sessionRemains(this.ttlMs, session.error);
    return undefined;
  }

  /** Destroys a session created after its sub-request was answered; a failure is logged (the session expires). */
  async #destroyUnanswered(id: string): Promise<void> {
    try {
      await this.store.destroy(id);
    } catch (error) {
      if (isQueued(error)) return;
      this.logger?.error({ requestId: this.requestId, err: serializeError(error) }, 'rollback step failed');
    }
  }

  /**
   * The position of the sub-request that created a session whose answer is not yet settled (-1: an
   * ordinary call), else undefined.
   */
  get creator(): number | undefined {
    return this.#created?.index;
  }

  /** Keeps the session(s) created by {@link RunState.creator}: its answer is a success, its writes made. */
  keepCreated(): void {
    this.#created = undefined;
  }

  /**
   * Settles the session(s) created by {@link RunState.creator} once its answer is known (on a
   * buffering store, once its writes are acknowledged). A success keeps them. A failure ends them:
   * a client told the sub-request failed is never told the session's id, so the run goes back to
   * the session it had before (none for a new batch: what follows then answers as after a create
   * that failed outright) and the session is destroyed, with everything its handler wrote into it.
   * `rollbackFollows`: the failure is rolled back next (an atomic run), and the rollback's own step
   * destroys the session (after the undo of its writes: destroying it first would make those fail).
   *
   * Returns undefined when nothing remains, or will remain once the store answers (a destroy the
   * store queued, see {@link SessionStore.destroy}); otherwise the error that replaces the
   * sub-request's answer: the session stays, unknown to every client, until it expires.
   */
  async settleCreated(failed: boolean, rollbackFollows: boolean): Promise<RestBatchError | undefined> {
    const created = this.#created as Created;
    this.#created = undefined;
    if (!failed) return undefined;
    if (this.session !== undefined && created.sessions.includes(this.session)) this.session = created.previous;
    if (rollbackFollows) return undefined;
    // Writes still buffered for the sessions land before the destroy, not after it.
    await this.flushUnits();
    let remains: unknown;
    for (const session of created.sessions) {
      try {
        await this.store.destroy(session.id);
      } catch (error) {
        if (!isQueued(error)) remains = error;
      }
    }
    return remains === undefined ? undefined : sessionRemains(this.ttlMs, remains);
  }

  /** Batches only: when the store offers buffered session views, routes the run's sessions through them. */
  useUnits(): void {
    if (this.store.unitOfWork === undefined) return;
    this.units = [];
    this.#bound = [];
    if (this.session !== undefined) this.#bind(this.session, false);
  }

  /** Charges the run's session reads and writes to the sub-request at `index` (its position). */
  at(index: number): void {
    this.#index = index;
    for (const unit of this.units as SessionUnitOfWork[]) unit.index = index;
  }

  /**
   * Sends every buffered write and waits for the answers, and for the store to confirm the reads
   * answered from its copy (only those of sub-requests up to `reach`, when given; never rejects).
   */
  async flushUnits(reach?: number): Promise<void> {
    if (this.units !== undefined) await Promise.all(this.units.map((unit) => unit.flush(reach)));
  }

  /**
   * Flushes (see {@link RunState.flushUnits}), then returns the sub-requests that can no longer be
   * reported as they answered (see {@link SessionUnitOfWork.takeFailures}).
   */
  async settle(reach?: number): Promise<Map<number, unknown> | undefined> {
    await this.flushUnits(reach);
    let failures: Map<number, unknown> | undefined;
    for (const unit of this.units ?? []) {
      const found = unit.takeFailures();
      if (found === undefined) continue;
      if (failures === undefined) failures = found;
      else for (const [index, error] of found) if (!failures.has(index)) failures.set(index, error);
    }
    return failures;
  }

  /**
   * Detaches the buffered views from the run's sessions (the batch is over), first telling the
   * verdict which sub-requests' writes each view's store applied (see `SessionUnitOfWork.applied`).
   */
  releaseUnits(): void {
    const verdict = this.#verdict;
    const units = this.units ?? [];
    for (let u = 0; u < units.length; u++) {
      const unit = units[u] as SessionUnitOfWork;
      if (verdict === undefined || unit.applied === undefined) continue;
      // The writes of the sub-request that created the view's session count with that session.
      const creator = this.#creators?.[u] ?? NONE;
      verdict.wroteWhere((index) => index !== creator && (unit.applied as (index: number) => boolean).call(unit, index));
    }
    for (const session of this.#bound ?? []) session.unit = undefined;
    this.units = undefined;
  }

  #bind(session: Session, fresh: boolean): void {
    const unit = (this.store.unitOfWork as NonNullable<SessionStore['unitOfWork']>).call(this.store, session.id, fresh);
    unit.index = this.#index;
    session.unit = unit;
    this.#bound?.push(session);
    this.units?.push(unit);
    this.#creators ??= [];
    this.#creators.push(fresh ? this.#open : NONE);
  }

  /** Starts recording undo steps (an atomic group begins); each may take `rollbackTimeoutMs` when undone. */
  beginAtomic(rollbackTimeoutMs = 0): Journal {
    const journal = new Journal(rollbackTimeoutMs);
    this.journal = journal;
    if (this.session !== undefined) this.session.journal = journal;
    return journal;
  }

  /** Stops recording (the group ended, committed or rolled back). */
  endAtomic(): void {
    this.journal = undefined;
    if (this.session !== undefined) this.session.journal = undefined;
  }
}

/** The sessions one sub-request created while its answer is not yet known, and the session the run had before. */
interface Created {
  readonly index: number;
  readonly sessions: Session[];
  readonly previous: Session | undefined;
}

/**
 * The error of a sub-request that failed after it created a session the store could not destroy
 * (`cause`): the session stays, unknown to every client, until it expires.
 */
function sessionRemains(ttlMs: number, cause: unknown): RestBatchError {
  const minutes = Math.round(ttlMs / 6000) / 10;
  return new RestBatchError(
    'ROLLBACK_INCOMPLETE',
    `Rollback incomplete: the sub-request failed after it created a session, and the store could not destroy that session; no client is told its id, and it expires ${minutes} min after its last use`,
    { cause },
  );
}

/**
 * What `createSession()` rejects with once its sub-request was answered: the reason its signal
 * aborted for (its timeout, the batch's deadline, the client gone), else an internal error (the
 * handler did not wait for the create before it answered).
 */
function answeredBefore(signals: SignalSource | undefined): RestBatchError {
  const signal = signals?.signal;
  if (signal?.aborted === true && isRestBatchError(signal.reason)) return signal.reason;
  return new RestBatchError('INTERNAL', 'createSession() settled after its sub-request was answered; the session was destroyed', {
    expose: false,
  });
}

/** A destroy the store could not confirm but has queued: it will happen once the store answers. */
function isQueued(error: unknown): boolean {
  return (
    isRestBatchError(error) && error.code === 'STORE_UNAVAILABLE' && (error.details as { queued?: unknown } | undefined)?.queued === true
  );
}

/**
 * A destroy the store could not confirm but has queued (`STORE_UNAVAILABLE` with `details.queued`,
 * see {@link SessionStore.destroy}) will happen once the store answers: the undo is pending, not failed.
 */
function pending(error: unknown): RestBatchError {
  return new RestBatchError(
    'ROLLBACK_PENDING',
    'The store could not confirm the destroy of the session the run created; it is destroyed once the store answers',
    {
      cause: error,
      headers: { 'retry-after': '1' },
    },
  );
}
