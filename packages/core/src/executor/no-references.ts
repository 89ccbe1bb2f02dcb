import type { DecodedBatch } from '../dialects/dialect.js';
import { NO_QUERY } from '../engine/parse-url.js';
import type { SubRequest } from '../model/canonical.js';
import { NO_HEADERS } from './sub-results.js';

/** The mark: a symbol-keyed member only this module sets or reads (a plain store: every marked batch pays it). */
const NONE: unique symbol = Symbol('restbatch.noReferences');

/**
 * Marks a batch in which no path, query or header value, or payload string (the places references
 * are read from; keys and query names are not) holds a `$`: no reference, escape or `$<id>` prefix
 * can be in it, so the pre-pass skips its walk for references (see `checkBatch`). Set by the engine
 * only: on a batch it decoded from a caller's value and whose every string it read (`prepareBatch`),
 * and on a batch whose request says `RestBatch-References: none` (its strings are all text as
 * written, whatever they hold: see `referencesOff`). No one else can give a batch the mark.
 */
export function markNoReferences<T extends DecodedBatch>(batch: T): T {
  (batch as { [NONE]?: boolean })[NONE] = true;
  return batch;
}

/** Whether {@link markNoReferences} marked `batch`. */
export function hasNoReferences(batch: DecodedBatch): boolean {
  return (batch as { [NONE]?: boolean })[NONE] === true;
}

/**
 * Whether a sub-request's query or headers hold a `$` in a value: those a dialect may have decoded
 * (`%24` in a Url's query is a `$`) or taken from the outer request, which a reader of the body's
 * strings did not see. Most sub-requests share the frozen empties: one compare each.
 */
export function decodedValuesHoldDollar(batch: DecodedBatch): boolean {
  const requests = batch.requests;
  // Indexed, not for-of: run once per batch, a large one's loop may run as baseline code, where
  // for-of calls the array iterator's next() for each sub-request (about 130 instructions each).
  for (let i = 0; i < requests.length; i++) {
    const sub = requests[i] as SubRequest;
    if (sub.query !== NO_QUERY && recordHoldsDollar(sub.query)) return true;
    if (sub.headers !== NO_HEADERS && recordHoldsDollar(sub.headers)) return true;
  }
  return false;
}

/** Whether a decoded query or header record (few values, usually none) holds a `$` in a value. */
function recordHoldsDollar(record: Readonly<Record<string, string | string[] | undefined>>): boolean {
  for (const name in record) {
    const value = record[name];
    if (typeof value === 'string' ? value.indexOf('$') >= 0 : Array.isArray(value) && value.some((item) => item.indexOf('$') >= 0))
      return true;
  }
  return false;
}
