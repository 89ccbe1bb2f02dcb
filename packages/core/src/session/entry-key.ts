import { RestBatchError } from '../errors/restbatch-error.js';
import { excerpt, quoted } from '../errors/excerpt.js';

// A UTF-16 unit of a surrogate pair that is not part of one (a lone surrogate).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * `String.prototype.isWellFormed` (ES2024; Node 20 has it) answers the same question natively, at
 * once for a string of one-byte units (nearly every key): every write checks two strings, and the
 * regex's search cost more than the rest of a small write. Runtimes without it use the regex.
 */
const IS_WELL_FORMED = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * Whether `text` is well-formed Unicode (no lone surrogate): what a store can keep as a key. A
 * key leaves the process as UTF-8 (Redis), where a lone surrogate has no encoding: `"\ud800"` and
 * `"\udfff"` would both become U+FFFD and name one entry.
 */
export function isWellFormedKey(text: string): boolean {
  return IS_WELL_FORMED === undefined ? !LONE_SURROGATE.test(text) : IS_WELL_FORMED.call(text);
}

/**
 * Refuses a session write whose entry key or collection name is not well-formed Unicode (see
 * {@link isWellFormedKey}): 400 `VALIDATION_FAILED`. Every store checks it on every write, so a
 * key is refused alike whichever store the app runs on; no entry can have such a key, so reads
 * of one find nothing.
 */
export function checkEntryKey(collection: string, key: string): void {
  if (isWellFormedKey(key) && isWellFormedKey(collection)) return;
  const what = isWellFormedKey(collection)
    ? `The key ${quoted(key)} of ${excerpt(collection)}`
    : `The collection name ${quoted(collection)}`;
  throw new RestBatchError(
    'VALIDATION_FAILED',
    `${what} is not well-formed Unicode (it holds a lone surrogate); a session entry cannot have it`,
  );
}
