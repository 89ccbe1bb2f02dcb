import type { CorrelationId, ResultsMessage } from './protocol.js';

/** Most sub-responses one `results` message carries. */
export const MAX_GROUPED_RESULTS = 512;

/**
 * The sub-responses of one request that became final in the same turn of the event loop, sent
 * together as one `results` message (one frame and one socket write instead of one per item).
 * A group is sent when the batch lets go of the loop, when it holds {@link MAX_GROUPED_RESULTS},
 * and before the request's final `response` ({@link flush}); so every result is still streamed.
 */
export class ResultGroup {
  #items: Array<{ index: number; item: unknown }> = [];
  #scheduled = false;
  #pending: Promise<void> | undefined;
  readonly #onTurnEnd = () => {
    this.#scheduled = false;
    void this.flush();
  };

  constructor(
    private readonly id: CorrelationId,
    private readonly send: (message: ResultsMessage) => Promise<void> | undefined,
  ) {}

  /** Adds a final sub-response; it is sent at the end of this turn at the latest. */
  add(index: number, item: unknown): void {
    this.#items.push({ index, item });
    if (this.#items.length >= MAX_GROUPED_RESULTS) void this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
  }

  /**
   * While a group waits to be sent (for a drain or for room in the send budget), a promise that
   * settles once it has gone; `undefined` otherwise. The batch waits for it, as it waits for each
   * ungrouped result, so results never pile up behind the budget.
   */
  get pending(): Promise<void> | undefined {
    return this.#pending;
  }

  /** Sends what is waiting now, if anything; the promise settles once it was handed to the socket (after a drain). */
  flush(): Promise<void> | undefined {
    if (this.#items.length === 0) return undefined;
    const items = this.#items;
    this.#items = [];
    const sent = this.send({ id: this.id, type: 'results', items });
    if (sent === undefined) return undefined;
    this.#pending = sent;
    const done = () => {
      if (this.#pending === sent) this.#pending = undefined;
    };
    sent.then(done, done);
    return sent;
  }
}
