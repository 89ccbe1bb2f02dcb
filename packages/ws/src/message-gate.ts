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
  /** Set by {@link flush}: every message is handed on at once, within the flood bound only. */
  #draining = false;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly hooks: GateHooks,
  ) {}

  /** A message arrived: handled now, queued until the next window, or a flood. */
  offer(data: RawData, isBinary: boolean): void {
    if (this.#draining) {
      if (this.#flooded(1)) return;
      this.hooks.handle(data, isBinary);
      return;
    }
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
    if (this.#flooded(units)) return;
    if (!this.#draining && this.#used >= this.limit) this.#wait(this.windowMs - (Date.now() - this.#windowStart));
  }

  /**
   * The connection is shutting down and answers each message at once, with `SHUTTING_DOWN`: every
   * queued message is handed on now, whatever the budget, reading goes on if the budget had stopped
   * it, and from now on each message is handed on as it arrives (none waits for a window the
   * connection no longer has, none is dropped unanswered). Only a flood (more than twice the budget
   * in one window) still closes the connection. Returns whether the budget had stopped reading
   * (what the client sent since may still be unread).
   */
  flush(): boolean {
    const throttled = this.#timer !== undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining = true;
    const queued = this.#queue.splice(0);
    for (const next of queued) this.hooks.handle(next.data, next.isBinary);
    if (throttled) this.hooks.throttle(false);
    return throttled;
  }

  /** Counts `units` against the window; past twice the budget the connection is flooding and is closed (`true`). */
  #flooded(units: number): boolean {
    this.#roll();
    this.#used += units;
    if (this.#used <= 2 * this.limit) return false;
    this.stop();
    this.hooks.overflow();
    return true;
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
