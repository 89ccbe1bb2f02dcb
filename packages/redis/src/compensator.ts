import { OPERATION_TTL_MS } from './write-guard.js';
import { isMigratingSlot } from './store-error.js';

// How often pending steps are tried again while Redis does not answer.
const RETRY_MS = 250;

/**
 * Steps the store owes Redis once it answers again: fencing and undoing a write whose client gave
 * up (its outcome unknown), finishing a destroy that did not get through, and rolling forward the
 * undo writes of a rollback that Redis did not confirm. Each is retried every 250 ms until it
 * succeeds, a server error shows it can never succeed, or the operation key it relies on would have
 * expired (10 minutes); the store's `onError` is told when one is given up. Roll-forwards run only
 * once no compensation is owed: an undo conditioned on the batch's write must not run before a
 * compensation that may still put that write back.
 */
export class Compensator {
  readonly #pending = new Map<string, { step: () => Promise<unknown>; since: number; forward: boolean }>();
  readonly #onGiveUp: (error: Error) => void;
  readonly #max: number;
  #timer: NodeJS.Timeout | undefined;
  #waiters: Array<() => void> = [];
  #closed = false;

  constructor(onGiveUp: (error: Error) => void, max: number) {
    this.#onGiveUp = onGiveUp;
    this.#max = max;
  }

  /** How many steps are still owed. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Owes `step` under `id` (a second add of the same id keeps the first); tried at once. `forward`:
   * a roll-forward (an undo step re-applied until confirmed), run after every compensation owed.
   * True when `id` is now owed; false when it was given up at once (the store closed, or
   * `maxCompensations` already wait).
   */
  add(id: string, step: () => Promise<unknown>, forward = false): boolean {
    if (this.#closed) return false;
    if (this.#pending.has(id)) return true;
    if (this.#pending.size >= this.#max) {
      this.#onGiveUp(new Error(`restbatch: compensation ${id} given up: ${this.#max} already wait for Redis (maxCompensations)`));
      return false;
    }
    this.#pending.set(id, { step, since: Date.now(), forward });
    this.#schedule(0);
    return true;
  }

  /** Resolves once nothing is owed (or at once when nothing is). */
  settled(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives what is owed up to `graceMs` to get through, then stops retrying and reports the rest as given up. */
  async close(graceMs: number): Promise<void> {
    if (this.#pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.settled(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const id of this.#pending.keys()) this.#onGiveUp(new Error(`restbatch: compensation ${id} given up: the store closed`));
    this.#pending.clear();
    this.#wake();
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#round().catch(() => undefined);
    }, ms);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    const owed = [...this.#pending];
    await Promise.all(owed.filter(([, o]) => !o.forward).map(([id, o]) => this.#try(id, o)));
    if (![...this.#pending.values()].some((o) => !o.forward)) {
      await Promise.all(owed.filter(([, o]) => o.forward).map(([id, o]) => this.#try(id, o)));
    }
    if (this.#pending.size > 0) this.#schedule(RETRY_MS);
    else this.#wake();
  }

  async #try(id: string, owed: { step: () => Promise<unknown>; since: number }): Promise<void> {
    try {
      await owed.step();
      this.#pending.delete(id);
    } catch (error) {
      // A write that reached Redis too late (LATE) was not applied: it is tried again like a timeout.
      // A slot migrating away (Cluster resharding) is served again once it moved on: tried again too.
      const final =
        error instanceof Error &&
        error.name === 'ReplyError' &&
        !/^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|LATE)/.test(error.message) &&
        !isMigratingSlot(error);
      if (final || Date.now() - owed.since > OPERATION_TTL_MS) {
        this.#pending.delete(id);
        this.#onGiveUp(new Error(`restbatch: compensation ${id} given up: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
