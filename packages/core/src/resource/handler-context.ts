import type { DependencyContainer } from 'tsyringe';
import type { Headers, Query } from '../model/canonical.js';
import type { UndoStep } from '../session/journal.js';
import type { Session } from '../session/session.js';
import type { JsonValue } from '../session/session-store.js';

/**
 * Everything a route handler receives, for a sub-request and for an ordinary call alike. `Body` is
 * the validated payload, `Params` the path's parameters and `Identity` what the engine's
 * `authenticate` hook returns; the typed route decorators and `defineRoute` infer the first two
 * from the route's schema and path and reject a handler that declares others.
 */
export interface HandlerContext<Body = unknown, Params extends object = Record<string, string>, Identity = unknown> {
  /** Path parameters, decoded (`:id` -> `params.id`). */
  readonly params: Readonly<Params>;
  readonly query: Readonly<Query>;
  /** Effective headers (lower-case names): inherited from the outer request, then the sub-request's own. */
  readonly headers: Readonly<Headers>;
  /** The payload, already validated against the route's schema when it has one. */
  readonly body: Body;
  /** The session the call runs in, if any. */
  readonly session: Session | undefined;
  /** Aborted when the client goes away, the deadline passes or the engine shuts down. */
  readonly signal: AbortSignal;
  /** Position in the batch, or -1 for an ordinary (non-batch) call. */
  readonly index: number;
  /** Whether the call is part of a batch. */
  readonly inBatch: boolean;
  /** The DI scope of this batch (or call): a child container of the engine's. */
  readonly scope: DependencyContainer;
  /** What the authentication hook established about the caller, if one is configured. */
  readonly identity: Identity;
  /**
   * Creates a session and binds the rest of the batch to it, if this call succeeds: when it answers
   * an error (it throws, or a later write of the session fails), the session is destroyed and the
   * rest of the batch runs as if it had never been created (the client is never told its id). The
   * same when its atomic run is rolled back. A create that settles after this call was answered
   * (it ran past its timeout) is destroyed at once and rejects, with the reason `signal` aborted for.
   */
  createSession(data: Record<string, JsonValue>): Promise<Session>;
  /**
   * Declares how to undo this call's side effects should its atomic group fail. The step gets an
   * `AbortSignal` that aborts once it has taken `limits.rollbackTimeoutMs`; past that it is not waited
   * for and the run answers `ROLLBACK_INCOMPLETE`.
   */
  onRollback(step: UndoStep): void;
}
