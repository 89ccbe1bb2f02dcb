import type { LoopTurns } from './loop-turns.js';
import { nextTurn } from './next-turn.js';

/** The smallest slice is a tenth of the interval, however many requests share the loop. */
const MAX_SHARE = 10;
/** While sub-requests are fast, {@link TurnClock.itemDue} reads the clock once per this many. */
const STRIDE = 8;
/** ...when that many sub-requests took at most this part of the smallest slice at the last reading's rate. */
const STRIDE_SHARE = 10;

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
   * together. `turns`, the engine's {@link LoopTurns}: the batch waits there for its next slice, so
   * that all the engine's batches together hold one turn of the loop for `intervalMs` at most.
   */
  constructor(
    readonly intervalMs: number,
    readonly sharing?: () => number,
    readonly turns?: LoopTurns,
  ) {}

  /** Sub-requests left before {@link itemDue} reads the clock again. */
  #skip = 0;
  /** Sub-requests the last reading of {@link itemDue} covered. */
  #covered = 1;

  /**
   * {@link due} for the loop's next sub-request, reading the clock (about 75 ns, most of a small
   * sub-request's bookkeeping) only every {@link STRIDE} sub-requests while they are fast: while
   * the last reading shows that many sub-requests taking at most a tenth of the smallest slice.
   * One slow sub-request makes the next reading come after it again. So a batch lets go within a
   * tenth of its slice when its sub-requests cost alike; one whose sub-requests turn slow all at
   * once holds the loop at most STRIDE − 1 of them longer than it did, and `now` (the batch's
   * deadline check) is as old as those (at most a tenth of the smallest slice while they are fast).
   */
  itemDue(): boolean {
    if (this.#skip > 0) {
      this.#skip--;
      return false;
    }
    const before = this.now;
    const due = this.due();
    const covered = this.#covered;
    const fast = !due && this.intervalMs > 0 && ((this.now - before) / covered) * STRIDE <= this.intervalMs / MAX_SHARE / STRIDE_SHARE;
    this.#skip = fast ? STRIDE - 1 : 0;
    this.#covered = fast ? STRIDE : 1;
    return due;
  }

  /** Reads the clock; true when the batch has held the event loop for its slice of the interval. */
  due(): boolean {
    this.now = performance.now();
    if (this.intervalMs <= 0) return false;
    const held = this.now - this.#since;
    if (held < this.intervalMs / MAX_SHARE) return false;
    const share = this.sharing === undefined ? 1 : Math.min(Math.max(this.sharing(), 1), MAX_SHARE);
    return held >= this.intervalMs / share;
  }

  /** Whether others wait for their turn of the loop now: work about to start should wait behind them. */
  othersWaiting(): boolean {
    return this.turns !== undefined && this.turns.waiting > 0;
  }

  /** Gives the event loop a turn (I/O, timers, other clients), then starts a new interval. */
  async yield(): Promise<void> {
    await (this.turns === undefined ? nextTurn() : this.turns.next());
    this.#since = this.now = performance.now();
  }

  /** Starts a new interval without yielding (the batch waited on real I/O, so others had their turn). */
  reset(): void {
    this.#since = performance.now();
  }
}
