import { setImmediate as nextTurn } from 'node:timers/promises';

/** The smallest slice is a tenth of the interval, however many requests share the loop. */
const MAX_SHARE = 10;

/**
 * Measures how long a batch has held the event loop since it last let go, and lets go when that
 * passes `intervalMs`: handlers that answer without waiting (an in-memory store) would otherwise
 * run a whole batch in one macrotask, and no timer, abort or other client gets a turn.
 */
export class TurnClock {
  #since = performance.now();
  /** The time of the last reading (`performance.now()`), for checks made at the same moment. */
  now = this.#since;

  /**
   * `sharing` tells how many requests share the event loop now: each takes its part of the
   * interval, so that N batches running side by side still let go of the loop every `intervalMs`
   * together (each yields to the next; the loop turns once all have had their slice).
   */
  constructor(
    readonly intervalMs: number,
    readonly sharing?: () => number,
  ) {}

  /** Reads the clock; true when the batch has held the event loop for its slice of the interval. */
  due(): boolean {
    this.now = performance.now();
    if (this.intervalMs <= 0) return false;
    const held = this.now - this.#since;
    if (held < this.intervalMs / MAX_SHARE) return false;
    const share = this.sharing === undefined ? 1 : Math.min(Math.max(this.sharing(), 1), MAX_SHARE);
    return held >= this.intervalMs / share;
  }

  /** Gives the event loop a turn (I/O, timers, other clients), then starts a new interval. */
  async yield(): Promise<void> {
    await nextTurn();
    this.#since = this.now = performance.now();
  }

  /** Starts a new interval without yielding (the batch waited on real I/O, so others had their turn). */
  reset(): void {
    this.#since = performance.now();
  }
}
