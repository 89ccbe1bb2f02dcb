import { BatchMark } from '../dialects/batch-mark.js';
import type { DecodedBatch } from '../dialects/dialect.js';

const NONE = new BatchMark('restbatch.noReferences');

/**
 * Marks a batch in which no path, query or header value, or payload string (the places references
 * are read from; keys and query names are not) holds a `$`: no reference, escape or `$<id>` prefix
 * can be in it, so the pre-pass skips its walk for references (see `checkBatch`). Set by the engine
 * only, on a batch it decoded from a caller's value and whose every string it read (`prepareBatch`):
 * no one else can give a batch the mark.
 */
export function markNoReferences<T extends DecodedBatch>(batch: T): T {
  return NONE.set(batch);
}

/** Whether {@link markNoReferences} marked `batch`. */
export function hasNoReferences(batch: DecodedBatch): boolean {
  return NONE.has(batch);
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
