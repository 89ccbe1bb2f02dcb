import { onNextTurn } from './next-turn.js';

/**
 * The turns of the event loop that one engine's work shares: a batch (or a transport writing a
 * large answer) that has held the loop for its slice waits here, first come first served. One turn
 * of the loop runs waiters one after the other until they have held it for `intervalMs` together;
 * the rest wait for the next turn, after I/O, timers and other clients had theirs.
 *
 * Without it, each of N batches that let go of the loop with its own `setImmediate` came back in
 * the same turn as the others: the loop ran all N slices back to back, held N times a slice before
 * any I/O, and a small request sent meanwhile waited for all of them (twenty batches with large
 * answers held it 100–300 ms at a time).
 */
export class LoopTurns {
  readonly #waiting: Array<() => void> = [];
  #scheduled = false;
  /** When the current turn began (`performance.now()`): the loop has been held since then at most. */
  #turnStart = Number.NEGATIVE_INFINITY;

  constructor(readonly intervalMs: number) {}

  /** How many wait for a turn now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves when it is this caller's turn: at once (in this turn) when the turn is not spent and
   * others wait (the first of them goes now, the caller queues behind the rest), else in a later
   * turn of the loop.
   */
  next(): Promise<void> {
    const promise = new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
    });
    // The turn still has time: the one that waited longest goes now, in this turn.
    if (this.#waiting.length > 1 && performance.now() - this.#turnStart < this.intervalMs) (this.#waiting.shift() as () => void)();
    if (!this.#scheduled) {
      this.#scheduled = true;
      onNextTurn(this.#turn);
    }
    return promise;
  }

  /** A new turn of the loop: its first waiter goes; the next turn is already asked for while others wait. */
  readonly #turn = (): void => {
    this.#scheduled = false;
    this.#turnStart = performance.now();
    this.#waiting.shift()?.();
    if (this.#waiting.length > 0) {
      this.#scheduled = true;
      onNextTurn(this.#turn);
    }
  };
}
