import type { DependencyContainer } from 'tsyringe';
import type { Headers, Query } from '../model/canonical.js';
import type { HandlerContext } from '../resource/handler-context.js';
import type { UndoStep } from '../session/journal.js';
import type { Session } from '../session/session.js';
import type { JsonValue } from '../session/session-store.js';
import type { RunState } from './run-state.js';

/** The {@link HandlerContext} of one sub-request (a class, so each costs one small object). */
export class SubContext implements HandlerContext {
  constructor(
    readonly params: Record<string, string>,
    readonly query: Query,
    readonly headers: Headers,
    readonly body: unknown,
    readonly index: number,
    readonly signal: AbortSignal,
    readonly run: RunState,
  ) {}

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
    return this.run.createSession(data);
  }

  onRollback(step: UndoStep): void {
    this.run.journal?.record(step);
  }
}
