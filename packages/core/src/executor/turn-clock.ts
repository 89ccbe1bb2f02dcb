import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Measures how long a batch has held the event loop since it last let go, and lets go when that
 * passes `intervalMs`: handlers that answer without waiting (an in-memory store) would otherwise
 * run a whole batch in one macrotask, and no timer, abort or other client gets a turn.
 */
export class TurnClock {
  #since = performance.now();
  /** The time of the last reading (`performance.now()`), for checks made at the same moment. */
  now = this.#since;

  constructor(readonly intervalMs: number) {}

  /** Reads the clock; true when the batch has held the event loop for its interval. */
  due(): boolean {
    this.now = performance.now();
    return this.intervalMs > 0 && this.now - this.#since >= this.intervalMs;
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
