import { RestBatchError } from '../errors/restbatch-error.js';
import type { SubRequest } from '../model/canonical.js';
import { jsonSize } from './snapshot.js';

/**
 * What one batch may cost beyond its input: the characters its references expand to and the
 * characters of its results. Both are charged before the value is built or kept, so a budget
 * refuses work instead of measuring memory already spent.
 */
export class BatchBudget {
  #resolvedLeft: number;
  #resultsLeft: number;
  // The size of each shared value is walked once per batch, however many references place it
  // (made on the first whole-value reference: a batch without one pays nothing).
  #sizes: WeakMap<object, number> | undefined;

  constructor(
    readonly maxResolvedBytes: number,
    readonly maxResultBytes: number,
  ) {
    this.#resolvedLeft = maxResolvedBytes;
    this.#resultsLeft = maxResultBytes;
  }

  /** Charges `size` characters of expanded references to `sub`; throws REFERENCES_TOO_LARGE past the budget. */
  chargeResolved(size: number, sub: SubRequest): void {
    if (size <= this.#resolvedLeft) {
      this.#resolvedLeft -= size;
      return;
    }
    throw new RestBatchError(
      'REFERENCES_TOO_LARGE',
      `Sub-request ${sub.id ?? sub.index}: its references expand to more than the ${this.maxResolvedBytes} characters a batch may resolve`,
      { details: { index: sub.index, limit: this.maxResolvedBytes } },
    );
  }

  /** Takes `size` characters of a result from the budget; false (nothing taken) when they do not fit. */
  takeResult(size: number): boolean {
    if (size > this.#resultsLeft) return false;
    this.#resultsLeft -= size;
    return true;
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

  /** The error that replaces a result too large for what is left of the budget. */
  resultError(sub: SubRequest, size: number): RestBatchError {
    return new RestBatchError(
      'RESULTS_TOO_LARGE',
      `Sub-request ${sub.id ?? sub.index}: its result (${size} characters) does not fit in the ${this.maxResultBytes} characters of results a batch may hold`,
      { details: { index: sub.index, size, limit: this.maxResultBytes } },
    );
  }
}
