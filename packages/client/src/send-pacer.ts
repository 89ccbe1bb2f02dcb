/**
 * A message-rate budget kept on the sending side: at most `limit` units in any span of `windowMs`.
 * A sliding window, so that every fixed window the server counts in (it starts its own at whatever
 * message it reads first) also holds at most `limit` of them. Each message sent is a unit; so is
 * each `error` reply, which the server charges to the connection too ({@link SendPacer.note}).
 */
export class SendPacer {
  /** When each unit of the last window was spent, oldest first, from `#head` on. */
  #times: number[] = [];
  #head = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until one more message fits the budget; 0 when it fits now. */
  delay(): number {
    const now = performance.now();
    const times = this.#times;
    while (this.#head < times.length && (times[this.#head] as number) <= now - this.windowMs) this.#head++;
    if (this.#head === times.length) this.reset();
    else if (this.#head > 64 && this.#head * 2 > times.length) {
      times.splice(0, this.#head);
      this.#head = 0;
    }
    if (times.length - this.#head < this.limit) return 0;
    // The unit that has to leave the window before one more fits (error replies can push the
    // count past the limit: then more than the oldest must leave).
    return (times[times.length - this.limit] as number) + this.windowMs - now;
  }

  /** Spends a unit now: a message sent, or an `error` reply received. */
  note(): void {
    this.#times.push(performance.now());
  }

  /** Forgets what was spent (a new connection has a budget of its own). */
  reset(): void {
    this.#times.length = 0;
    this.#head = 0;
  }
}
