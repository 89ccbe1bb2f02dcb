import type { DependencyContainer } from 'tsyringe';
import type { CallerPolicy } from '../policy/call-policy.js';
import { Journal } from '../session/journal.js';
import { Session } from '../session/session.js';
import type { JsonValue, SessionStore } from '../session/session-store.js';

/** The mutable state of one batch (or one ordinary call) while it runs. */
export class RunState {
  session: Session | undefined;
  /** The undo log of the atomic group now running, if any. */
  journal: Journal | undefined;
  /** The caller's rate limit and authorisation, checked before every call runs (undefined: no hooks). */
  policy: CallerPolicy | undefined;

  constructor(
    readonly store: SessionStore,
    readonly ttlMs: number,
    readonly scope: DependencyContainer,
    readonly identity: unknown,
    session: Session | undefined,
  ) {
    this.session = session;
  }

  /** Creates a session in the store and binds the rest of the run to it. */
  async createSession(data: Record<string, JsonValue>): Promise<Session> {
    const id = await this.store.create(data, { ttlMs: this.ttlMs });
    const session = new Session(id, data, this.store);
    this.journal?.record(async () => {
      await this.store.destroy(id);
    });
    session.journal = this.journal;
    this.session = session;
    return session;
  }

  /** Starts recording undo steps (an atomic group begins). */
  beginAtomic(): Journal {
    const journal = new Journal();
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
