import type { RawData } from 'ws';

/** What the gate does with a connection: hands messages on, stops and restarts reading, closes. */
export interface GateHooks {
  /** Handles one message that fits the budget; never throws (the gate calls it from its timer too). */
  handle(data: RawData, isBinary: boolean): void;
  /** Over budget (`true`): stop reading; back within it (`false`): read again. */
  throttle(throttled: boolean): void;
  /** More messages arrived than the connection may even queue: close it. */
  overflow(): void;
}

/**
 * A per-connection message budget: at most `limit` units per window of `windowMs`, where each
 * message is one unit, whatever it holds, and each error reply is one more (so malformed messages
 * cost more than good ones, never less). Past the budget the connection stops reading until the
 * window ends; messages already received wait in order, at most `limit` of them. One more than
 * that is a flood, and the connection is closed.
 */
export class MessageGate {
  readonly #queue: Array<{ data: RawData; isBinary: boolean }> = [];
  #used = 0;
  #windowStart = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly hooks: GateHooks,
  ) {}

  /** A message arrived: handled now, queued until the next window, or a flood. */
  offer(data: RawData, isBinary: boolean): void {
    if (this.#queue.length === 0 && this.#take()) {
      this.hooks.handle(data, isBinary);
      return;
    }
    if (this.#queue.length >= this.limit) {
      this.stop();
      this.hooks.overflow();
      return;
    }
    this.#queue.push({ data, isBinary });
    this.#wait(this.windowMs - (Date.now() - this.#windowStart));
  }

  /**
   * Counts units that are not messages (an error reply; a ping and its pong) against the current
   * window. Past the budget reading stops until the window ends; past twice the budget (only
   * control frames get there) the connection is flooding and is closed.
   */
  charge(units = 1): void {
    this.#roll();
    this.#used += units;
    if (this.#used > 2 * this.limit) {
      this.stop();
      this.hooks.overflow();
    } else if (this.#used >= this.limit) {
      this.#wait(this.windowMs - (Date.now() - this.#windowStart));
    }
  }

  /**
   * Hands every queued message on now, whatever the budget (the connection is shutting down and
   * answers each at once, with `SHUTTING_DOWN`): none is dropped unanswered.
   */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const queued = this.#queue.splice(0);
    for (const next of queued) this.hooks.handle(next.data, next.isBinary);
  }

  /** Drops what is queued and stops the timer (the connection is closing). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  #roll(): void {
    const now = Date.now();
    if (now - this.#windowStart >= this.windowMs) {
      this.#windowStart = now;
      this.#used = 0;
    }
  }

  #take(): boolean {
    this.#roll();
    if (this.#used >= this.limit) return false;
    this.#used++;
    return true;
  }

  #wait(ms: number): void {
    if (this.#timer !== undefined) return;
    this.hooks.throttle(true);
    this.#timer = setTimeout(() => this.#release(), Math.max(1, ms));
  }

  #release(): void {
    this.#timer = undefined;
    while (this.#queue.length > 0 && this.#take()) {
      const next = this.#queue.shift() as { data: RawData; isBinary: boolean };
      this.hooks.handle(next.data, next.isBinary);
    }
    if (this.#timer !== undefined) return; // a reply spent the window: still throttled
    if (this.#queue.length > 0) this.#wait(this.windowMs - (Date.now() - this.#windowStart));
    else this.hooks.throttle(false);
  }
}
