import type { DecodedBatch } from './dialect.js';

/**
 * A private mark on a decoded batch: a symbol-keyed member that only the module holding the mark
 * can set or read. A plain store, not `defineProperty` (every batch that gets one pays it); a copy
 * of the batch made by spreading it carries it.
 */
export class BatchMark {
  readonly #key: symbol;

  constructor(description: string) {
    this.#key = Symbol(description);
  }

  /** Marks `batch` and returns it. */
  set<T extends DecodedBatch>(batch: T): T {
    (batch as unknown as Record<symbol, boolean>)[this.#key] = true;
    return batch;
  }

  /** Whether {@link BatchMark.set} marked `batch`. */
  has(batch: DecodedBatch): boolean {
    return (batch as unknown as Record<symbol, boolean | undefined>)[this.#key] === true;
  }
}
