import { RestBatchError } from '../errors/restbatch-error.js';
import type { Headers } from '../model/canonical.js';
import { quoted } from '../errors/excerpt.js';

/** The header a client sets on a batch whose strings are all to be taken as written (`RestBatch-References: none`). */
export const REFERENCES_HEADER = 'restbatch-references';

/**
 * Whether the batch request says `RestBatch-References: none`: no string of it is read for a
 * reference (`${…}`, `$ref:`, an escape, a dialect's own `$<id>`), so text a client's users wrote
 * reaches the handlers exactly as written. Throws `INVALID_HEADER` for any other value.
 */
export function referencesOff(headers: Headers): boolean {
  const value = headers[REFERENCES_HEADER];
  if (value === undefined) return false;
  if (value.trim().toLowerCase() === 'none') return true;
  throw new RestBatchError(
    'INVALID_HEADER',
    `${REFERENCES_HEADER} takes one value, none (every string of the batch is taken as written), not ${quoted(value)}`,
    { details: { header: REFERENCES_HEADER } },
  );
}
