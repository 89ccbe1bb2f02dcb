import type { SubResult } from '../model/canonical.js';

// What is known of one sub-request (bits of `RetryVerdict`'s marks).
const REACHED = 1; // its handler was called
const WROTE = 2; // a write of it was acknowledged by the store, or it declared a compensation step
const UNDONE = 4; // an atomic run's rollback undid its writes, confirmed

/**
 * Whether a batch may simply run again: none of its sub-requests changed anything, and at least one
 * failed for a reason that passes (the store unreachable, a rate limit). An idempotency key must
 * not keep such an answer: a replay would repeat the failure the answer asks to retry (see
 * docs/idempotency.md, "What is stored").
 *
 * A sub-request changed nothing when it never ran (skipped, a dependency or reference failed),
 * when it was refused before its handler was called (route, validation, session rule, the
 * caller's policy), when its writes were rolled back (`ROLLED_BACK`, the undo confirmed), or when
 * it answered 503 `STORE_UNAVAILABLE` before any write of its own was applied (docs/several-nodes.md,
 * "What a 503 means": the write that failed was not applied, and will not be). A 503 after one of
 * its writes was acknowledged (a handler that wrote, then failed on its next write, or threw the
 * error itself), or after it declared a compensation step (`ctx.onRollback`: a change outside the
 * store), changed something, unless an atomic run's rollback undid it. Any other answer of a
 * handler that was called may have changed something, a success first of all, but also a 500, a
 * 504 mid-handler, a handler's own 4xx, and `RESULTS_BUSY`, `RESULTS_TOO_LARGE` or
 * `ROLLBACK_PENDING` (the handler ran; its writes stand, or are still being undone).
 */
export class RetryVerdict {
  /** What is known of each sub-request, by position (REACHED, WROTE, UNDONE). */
  readonly #marks: Uint8Array;
  #changed = false;
  #transient = false;

  constructor(count: number) {
    this.#marks = new Uint8Array(count);
  }

  /** The handler of the sub-request at `index` is about to be called. */
  reach(index: number): void {
    if (index >= 0) this.#marks[index]! |= REACHED;
  }

  /**
   * A write of the sub-request at `index` was acknowledged by the store (it stands unless a
   * rollback undoes it), or its handler declared a compensation step (a change outside the store).
   */
  wrote(index: number): void {
    if (index >= 0 && index < this.#marks.length) this.#marks[index]! |= WROTE;
  }

  /** Marks as written each sub-request whose handler was called and for which `applied` says so. */
  wroteWhere(applied: (index: number) => boolean): void {
    const marks = this.#marks;
    for (let i = 0; i < marks.length; i++) if ((marks[i]! & REACHED) !== 0 && applied(i)) marks[i]! |= WROTE;
  }

  /** An atomic run's rollback undid every change of the sub-requests from `start` to `end`, confirmed. */
  undone(start: number, end: number): void {
    for (let i = start; i <= end && i < this.#marks.length; i++) this.#marks[i]! |= UNDONE;
  }

  /** Counts the final result of the sub-request at position `index`. */
  count(index: number, result: SubResult): void {
    if (this.#changed) return;
    if (result.status < 400) {
      this.#changed = true;
      return;
    }
    const code = result.error?.code;
    const marks = this.#marks[index] ?? 0;
    if (code === 'STORE_UNAVAILABLE') {
      if ((marks & (WROTE | UNDONE)) === WROTE) this.#changed = true;
      else this.#transient = true;
    } else if (result.skipped === true || code === 'ROLLED_BACK') return;
    else if ((marks & REACHED) !== 0) this.#changed = true;
    else if (code === 'RATE_LIMITED') this.#transient = true;
  }

  /** True when nothing the batch did changed anything and a retry may succeed. */
  get retryable(): boolean {
    return this.#transient && !this.#changed;
  }
}
