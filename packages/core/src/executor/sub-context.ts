import type { DependencyContainer } from 'tsyringe';
import type { Headers, Query } from '../model/canonical.js';
import type { HandlerContext } from '../resource/handler-context.js';
import type { UndoStep } from '../session/journal.js';
import type { Session } from '../session/session.js';
import type { JsonValue } from '../session/session-store.js';
import type { RunState } from './run-state.js';

/** Where a sub-request's signal comes from: the batch's deadline, or the sub-request's own timer. */
export interface SignalSource {
  readonly signal: AbortSignal;
}

/** The {@link HandlerContext} of one sub-request (a class, so each costs one small object). */
export class SubContext implements HandlerContext {
  // Declared, not class fields: one is made per sub-request, and class fields are defined one by
  // one (as undefined) before the constructor assigns them.
  declare readonly params: Record<string, string>;
  declare readonly query: Query;
  declare readonly headers: Headers;
  declare readonly body: unknown;
  declare readonly index: number;
  /**
   * Asked for the signal only when the handler reads it: the batch's is made on first use (see
   * `Deadline`). Private: a handler reaches the signal, never the deadline that can end the batch.
   */
  readonly #signals: SignalSource;
  declare readonly run: RunState;

  constructor(
    params: Record<string, string>,
    query: Query,
    headers: Headers,
    body: unknown,
    index: number,
    signals: SignalSource,
    run: RunState,
  ) {
    this.params = params;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.index = index;
    this.#signals = signals;
    this.run = run;
  }

  get signal(): AbortSignal {
    return this.#signals.signal;
  }

  get session(): Session | undefined {
    return this.run.session;
  }

  get inBatch(): boolean {
    return this.index >= 0;
  }

  get scope(): DependencyContainer {
    return this.run.scope;
  }

  get identity(): unknown {
    return this.run.identity;
  }

  createSession(data: Record<string, JsonValue>): Promise<Session> {
    return this.run.createSession(data, this.index, this.#signals);
  }

  onRollback(step: UndoStep): void {
    this.run.journal?.record(step);
    // A compensation step declares a change outside the store: the batch changed something.
    this.run.verdict?.wrote(this.index);
  }
}
