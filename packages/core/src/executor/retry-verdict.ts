import type { SubResult } from '../model/canonical.js';

/**
 * Whether a batch may simply run again: none of its sub-requests changed anything, and at least one
 * failed for a reason that passes (the store unreachable, a rate limit). An idempotency key must
 * not keep such an answer: a replay would repeat the failure the answer asks to retry (see
 * docs/idempotency.md, "What is stored").
 *
 * A sub-request changed nothing when it never ran (skipped, a dependency or reference failed),
 * when it was refused before its handler was called (route, validation, session rule, the
 * caller's policy), when its writes were rolled back (`ROLLED_BACK`, the undo confirmed), or when
 * it answered 503 `STORE_UNAVAILABLE` (docs/several-nodes.md, "What a 503 means": nothing of it
 * was applied, and nothing will be). Any other answer of a handler that was called may have
 * changed something, a success first of all, but also a 500, a 504 mid-handler, a handler's own
 * 4xx, and `RESULTS_BUSY`, `RESULTS_TOO_LARGE` or `ROLLBACK_PENDING` (the handler ran; its writes
 * stand, or are still being undone).
 */
export class RetryVerdict {
  /** 1 at the position of each sub-request whose handler was called. */
  readonly #reached: Uint8Array;
  #changed = false;
  #transient = false;

  constructor(count: number) {
    this.#reached = new Uint8Array(count);
  }

  /** The handler of the sub-request at `index` is about to be called. */
  reach(index: number): void {
    if (index >= 0) this.#reached[index] = 1;
  }

  /** Counts the final result of the sub-request at position `index`. */
  count(index: number, result: SubResult): void {
    if (this.#changed) return;
    if (result.status < 400) {
      this.#changed = true;
      return;
    }
    const code = result.error?.code;
    if (code === 'STORE_UNAVAILABLE') this.#transient = true;
    else if (result.skipped === true || code === 'ROLLED_BACK') return;
    else if (this.#reached[index] === 1) this.#changed = true;
    else if (code === 'RATE_LIMITED') this.#transient = true;
  }

  /** True when nothing the batch did changed anything and a retry may succeed. */
  get retryable(): boolean {
    return this.#transient && !this.#changed;
  }
}
