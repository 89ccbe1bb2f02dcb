/** What the idle watch needs of a connection. */
export interface IdleHooks {
  /** Whether requests are running or waiting to send: a busy connection is never idle. */
  busy(): boolean;
  /** Asks the peer for a sign of life (a WebSocket ping; its pong counts as traffic). */
  ping(): void;
  /** The connection stayed idle for the whole timeout: close it. */
  expire(): void;
}

/**
 * Closes a connection that has had nothing running and heard nothing from its peer for
 * `timeoutMs`. Halfway through, the peer is pinged, so a client that answers pings stays
 * connected and only dead or unresponsive peers are dropped. Checked every quarter of the timeout.
 */
export class IdleWatch {
  #lastSeen = Date.now();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly hooks: IdleHooks,
  ) {
    this.#timer = setInterval(() => this.#tick(), Math.max(1, timeoutMs / 4));
    this.#timer.unref();
  }

  /** The peer sent something (a message or a pong). */
  seen(): void {
    this.#lastSeen = Date.now();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    if (this.hooks.busy()) {
      this.seen();
      return;
    }
    const quiet = Date.now() - this.#lastSeen;
    if (quiet >= this.timeoutMs) {
      this.stop();
      this.hooks.expire();
    } else if (quiet >= this.timeoutMs / 2) {
      this.hooks.ping();
    }
  }
}
