import { Redis, type RedisOptions } from 'ioredis';

/**
 * A `Redis` client on a Sentinel setup that connects again whenever ioredis stops for good while
 * it was not closed. ioredis gives up (status `end`, every command then fails with "Connection is
 * closed.") when its failover detector hears `+switch-master` while a reconnect is still asking the
 * sentinels for the primary: the detector's disconnect makes that connect fail, and a failed
 * connect is never retried. After a failover under load that race is common, and it would leave
 * the store answering 503 until the process restarts.
 */
export class SentinelClient extends Redis {
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RedisOptions) {
    super(options);
    this.on('end', () => this.#revive());
  }

  /** Disconnects; unless `reconnect`, it is closed for good and never connects again by itself. */
  override disconnect(reconnect = false): void {
    if (!reconnect) {
      this.#closed = true;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    super.disconnect(reconnect);
  }

  #revive(): void {
    // A `retryStrategy` that gives up (returns no number) is obeyed, as ioredis itself does.
    const delayMs = this.#closed || this.#timer !== undefined ? undefined : this.options.retryStrategy?.(1);
    if (typeof delayMs !== 'number') return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // QUIT (the store's close) also ends the client; only disconnect() marks it closed.
      if (!this.#closed && this.status === 'end') this.connect().catch(() => undefined);
    }, delayMs);
  }
}
