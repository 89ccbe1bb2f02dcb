import { RestBatchError } from '../../errors/restbatch-error.js';
import type { Headers, Query } from '../../model/canonical.js';

/** Media ranges an OData batch answer satisfies: its JSON, and the NDJSON stream restbatch adds. */
const WRITTEN = /^(?:\*\/\*|application\/\*|application\/json|application\/x-ndjson)$/;

/**
 * Refuses a batch whose `Accept` names no format the service writes, or whose `$format` is not
 * JSON, with 406 `NOT_ACCEPTABLE` before anything runs (OData 4.01 Protocol §7: "If the service
 * does not support the requested format, it replies with a 406 Not Acceptable error response").
 * A media range with `q=0` accepts nothing; no `Accept` accepts anything.
 */
export function refuseUnacceptable(headers: Readonly<Headers>, query: Readonly<Query>): void {
  const format = query.$format;
  if (format !== undefined) {
    const asked = (Array.isArray(format) ? format : [format]).map((f) => f.split(';', 1)[0]!.trim().toLowerCase());
    const unknown = asked.find((f) => f !== 'json' && f !== 'application/json');
    if (unknown !== undefined)
      throw new RestBatchError(
        'NOT_ACCEPTABLE',
        `$format=${unknown.slice(0, 100)} is not supported; this service writes JSON ($format=json)`,
      );
  }
  const accept = headers.accept;
  if (accept === undefined || accept.trim() === '') return;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';');
    const weight = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (weight !== undefined && Number(weight.slice(2)) === 0) continue;
    if (WRITTEN.test(type.trim().toLowerCase())) return;
  }
  throw new RestBatchError(
    'NOT_ACCEPTABLE',
    `Accept: ${accept.slice(0, 200)} names no format this service writes; accept application/json (or application/x-ndjson)`,
  );
}
