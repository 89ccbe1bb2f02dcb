import { RestBatchError } from '../errors/restbatch-error.js';
import type { SubRequest } from '../model/canonical.js';
import type { ResultPool } from './result-pool.js';
import { jsonSize } from './snapshot.js';
import { subRequestName } from './sub-request-name.js';

/**
 * What one batch may cost beyond its input: the characters its references expand to and the
 * characters of its results. Both are charged before the value is built or kept, so a budget
 * refuses work instead of measuring memory already spent. The results are charged to the engine's
 * {@link ResultPool} too, and given back to it by {@link BatchBudget.release}.
 */
export class BatchBudget {
  #resolvedLeft: number;
  #resultsLeft: number;
  // The size of each shared value is walked once per batch, however many references place it
  // (made on the first whole-value reference: a batch without one pays nothing).
  #sizes: WeakMap<object, number> | undefined;
  readonly #pool: ResultPool;
  #released = false;

  constructor(
    readonly maxResolvedBytes: number,
    readonly maxResultBytes: number,
    pool: ResultPool,
  ) {
    this.#resolvedLeft = maxResolvedBytes;
    this.#resultsLeft = maxResultBytes;
    this.#pool = pool;
  }

  /** Charges `size` characters of expanded references to `sub`; throws REFERENCES_TOO_LARGE past the budget. */
  chargeResolved(size: number, sub: SubRequest): void {
    if (size <= this.#resolvedLeft) {
      this.#resolvedLeft -= size;
      return;
    }
    throw new RestBatchError(
      'REFERENCES_TOO_LARGE',
      `Sub-request ${subRequestName(sub.id, sub.index)}: its references expand to more than the ${this.maxResolvedBytes} characters a batch may resolve`,
      { details: { index: sub.index, limit: this.maxResolvedBytes } },
    );
  }

  /**
   * Takes `size` characters of a result from the budget and from the engine's pool; false (nothing
   * taken) when they do not fit in either (see {@link BatchBudget.resultError}). Two compares and
   * two adds: it runs for every result.
   */
  takeResult(size: number): boolean {
    const pool = this.#pool;
    if (size > this.#resultsLeft || size > pool.max - pool.used) return false;
    this.#resultsLeft -= size;
    pool.used += size;
    return true;
  }

  /** Characters of results the batch may still hold (its own budget; the engine's pool may leave less). */
  get resultsLeft(): number {
    return this.#resultsLeft;
  }

  /** Characters of results the batch holds (what it took from its budget). */
  get resultChars(): number {
    return this.maxResultBytes - this.#resultsLeft;
  }

  /**
   * Gives every character this batch took back to the engine's pool (its results are no longer
   * held by the engine: the answer went to the transport, or the run failed). Once; nothing is
   * taken after it.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pool.used -= this.resultChars;
  }

  /** {@link BatchBudget.release} now, or once `written` settles (the transport wrote or dropped the answer). */
  releaseWhen(written: PromiseLike<unknown> | undefined): void {
    if (written === undefined) this.release();
    else {
      const release = () => this.release();
      written.then(release, release);
    }
  }

  /** The engine's sizes of deeply frozen values (see `ResultPool.frozenSizes`). */
  get frozenSizes(): WeakMap<object, number> {
    return this.#pool.frozenSizes;
  }

  /** The JSON size of a value a reference places, measured once per object. */
  sizeOf(value: unknown): number {
    if (value === null || typeof value !== 'object') return jsonSize(value);
    this.#sizes ??= new WeakMap();
    let size = this.#sizes.get(value);
    if (size === undefined) {
      size = jsonSize(value);
      this.#sizes.set(value, size);
    }
    return size;
  }

  /**
   * The error that replaces a result {@link BatchBudget.takeResult} refused: RESULTS_TOO_LARGE (507)
   * when the batch's own budget is spent (retrying will not help), else RESULTS_BUSY (503, Retry-After)
   * when the engine's pool is held by other batches now. `over`: the result was measured only
   * until it passed what the batch has left, and `size` is how far that went.
   */
  resultError(sub: SubRequest, size: number, over = false): RestBatchError {
    if (!over && size <= this.#resultsLeft) {
      const max = this.#pool.max;
      return new RestBatchError(
        'RESULTS_BUSY',
        `Sub-request ${subRequestName(sub.id, sub.index)}: its result (${size} characters) does not fit in what is left of the ${max} characters of results the server holds for all batches at once; retry later`,
        { details: { index: sub.index, size, limit: max }, headers: { 'retry-after': '1' } },
      );
    }
    const measured = over ? `more than the ${this.#resultsLeft} characters left` : `${size} characters`;
    return new RestBatchError(
      'RESULTS_TOO_LARGE',
      `Sub-request ${subRequestName(sub.id, sub.index)}: its result (${measured}) does not fit in the ${this.maxResultBytes} characters of results a batch may hold`,
      { details: { index: sub.index, size, limit: this.maxResultBytes } },
    );
  }
}
