import type { DependencyContainer } from 'tsyringe';
import { isRestBatchError, RestBatchError } from '../errors/restbatch-error.js';
import type { CallerPolicy } from '../policy/call-policy.js';
import { Journal } from '../session/journal.js';
import { Session } from '../session/session.js';
import type { JsonValue, SessionStore } from '../session/session-store.js';
import type { SessionUnitOfWork } from '../session/session-unit-of-work.js';

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
  /** The buffered session views of a batch on a store that offers them; undefined otherwise. */
  units: SessionUnitOfWork[] | undefined;
  #index = -1;
  #bound: Session[] | undefined;

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

  /** Creates a session in the store, counted against the caller, and binds the rest of the run to it. */
  async createSession(data: Record<string, JsonValue>): Promise<Session> {
    const owner = this.#policy?.owner;
    const id = await this.store.create(data, { ttlMs: this.ttlMs, ...owner });
    const session = new Session(id, data, this.store);
    this.journal?.record(async () => {
      // Undo writes still buffered for this session land before the destroy, not after it.
      await this.flushUnits();
      await this.store.destroy(id).catch(pendingIfQueued);
    });
    if (this.units !== undefined) this.#bind(session, true);
    session.journal = this.journal;
    this.session = session;
    return session;
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

  /** Sends every buffered write and waits for the answers (never rejects). */
  async flushUnits(): Promise<void> {
    if (this.units !== undefined) await Promise.all(this.units.map((unit) => unit.flush()));
  }

  /** Flushes, then returns the sub-requests that can no longer be reported as successes (see {@link SessionUnitOfWork.takeFailures}). */
  async settle(): Promise<Map<number, unknown> | undefined> {
    await this.flushUnits();
    let failures: Map<number, unknown> | undefined;
    for (const unit of this.units ?? []) {
      const found = unit.takeFailures();
      if (found === undefined) continue;
      if (failures === undefined) failures = found;
      else for (const [index, error] of found) if (!failures.has(index)) failures.set(index, error);
    }
    return failures;
  }

  /** Detaches the buffered views from the run's sessions (the batch is over). */
  releaseUnits(): void {
    for (const session of this.#bound ?? []) session.unit = undefined;
    this.units = undefined;
  }

  #bind(session: Session, fresh: boolean): void {
    const unit = (this.store.unitOfWork as NonNullable<SessionStore['unitOfWork']>).call(this.store, session.id, fresh);
    unit.index = this.#index;
    session.unit = unit;
    this.#bound?.push(session);
    this.units?.push(unit);
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

/**
 * A destroy the store could not confirm but has queued (`STORE_UNAVAILABLE` with `details.queued`,
 * see {@link SessionStore.destroy}) will happen once the store answers: the undo is pending, not failed.
 */
function pendingIfQueued(error: unknown): never {
  if (
    !isRestBatchError(error) ||
    error.code !== 'STORE_UNAVAILABLE' ||
    (error.details as { queued?: unknown } | undefined)?.queued !== true
  ) {
    throw error;
  }
  throw new RestBatchError(
    'ROLLBACK_PENDING',
    'The store could not confirm the destroy of the session the run created; it is destroyed once the store answers',
    {
      cause: error,
      headers: { 'retry-after': '1' },
    },
  );
}
