import { RestBatchError } from '../errors/restbatch-error.js';
import type { Headers } from '../model/canonical.js';

/**
 * The conditional request headers (RFC 9110 §13.1) and Guidewire's `GW-Checksum` (a stale checksum
 * answers 409): each one is a precondition of one operation.
 */
export const PRECONDITION_HEADERS: readonly string[] = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'gw-checksum',
];

/**
 * Refuses a batch whose outer request carries a precondition its sub-requests do not inherit
 * (`inherited`, the headers they start from): run anyway, a write the caller made conditional would
 * apply unconditionally. A precondition is never ignored silently; the caller puts it on the
 * sub-request it is meant for. Throws 400 `INVALID_HEADER` before anything runs. `ignored`: the
 * headers a vendor's contract drops without refusing (see `DialectDefaults.ignoredOuterHeaders`).
 */
export function checkOuterPreconditions(outer: Headers, inherited: Headers, ignored: readonly string[] = []): void {
  for (const name of PRECONDITION_HEADERS) {
    if (outer[name] === undefined || inherited[name] !== undefined || ignored.includes(name)) continue;
    throw new RestBatchError(
      'INVALID_HEADER',
      `The batch request carries ${name}, a precondition of one operation that sub-requests do not inherit; ` +
        `put it on the sub-request it is meant for (nothing ran)`,
      { details: { header: name } },
    );
  }
}
