import type { DecodedBatch } from '../dialects/dialect.js';

const NONE: unique symbol = Symbol('restbatch.noReferences');

/**
 * Marks a batch in which no path, query or header value, or payload string (the places references
 * are read from; keys and query names are not) holds a `$`: no reference, escape or `$<id>` prefix
 * can be in it, so the pre-pass skips its walk for references (see `checkBatch`). Set by the engine
 * only, on a batch it decoded from a caller's value and whose every string it read (`prepareBatch`);
 * a symbol-keyed member the batch cannot be given by anyone else.
 */
export function markNoReferences<T extends DecodedBatch>(batch: T): T {
  (batch as { [NONE]?: boolean })[NONE] = true;
  return batch;
}

/** Whether {@link markNoReferences} marked `batch`. */
export function hasNoReferences(batch: DecodedBatch): boolean {
  return (batch as { [NONE]?: boolean })[NONE] === true;
}

/** Whether a decoded query or header record (few values, usually none) holds a `$` in a value. */
export function recordHoldsDollar(record: Readonly<Record<string, string | string[] | undefined>>): boolean {
  for (const name in record) {
    const value = record[name];
    if (typeof value === 'string' ? value.indexOf('$') >= 0 : Array.isArray(value) && value.some((item) => item.indexOf('$') >= 0))
      return true;
  }
  return false;
}
