import { type Logger, serializeError } from './logger.js';

/**
 * Keeps an idempotency "running" marker alive while its batch runs: rewrites it every third of
 * its lifetime, so a batch longer than the lifetime still holds its key, while a marker whose
 * node died expires soon. {@link stop} clears the timer and waits for a renewal in flight, so no
 * renewal can land after (and overwrite) the record written when the batch ends.
 */
export class MarkerRenewal {
  readonly #timer: ReturnType<typeof setInterval>;
  #pending: Promise<unknown> | undefined;

  constructor(renew: () => Promise<unknown>, ttlMs: number, logger: Logger) {
    this.#timer = setInterval(
      () => {
        if (this.#pending !== undefined) return;
        this.#pending = renew()
          .catch((error: unknown) => logger.error({ err: serializeError(error) }, 'idempotency marker could not be renewed'))
          .finally(() => {
            this.#pending = undefined;
          });
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    // The batch keeps the process alive while it runs; the timer alone must not (runtimes whose
    // timers are numbers, Deno and the edge, have nothing to unref).
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops renewing; resolves once no renewal is in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pending;
  }
}
