import { RestBatchError } from '../../errors/restbatch-error.js';
import { acceptWeight } from '../../headers/accept-weight.js';
import type { Headers, Query } from '../../model/canonical.js';

/**
 * Refuses a batch whose `Accept` names no format the service writes, or whose `$format` is not
 * JSON, with 406 `NOT_ACCEPTABLE` before anything runs (OData 4.01 Protocol §7: "If the service
 * does not support the requested format, it replies with a 406 Not Acceptable error response").
 * The formats are its JSON and the NDJSON stream restbatch adds, each weighed as RFC 9110 §12.5.1
 * says (see `acceptWeight`): `application/x-ndjson;q=0` refuses the stream, `application/json;q=0,
 * *\/*` refuses JSON and accepts the stream. No `Accept` accepts anything.
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
  if (acceptWeight(accept, 'application/json').q > 0 || acceptWeight(accept, 'application/x-ndjson').q > 0) return;
  throw new RestBatchError(
    'NOT_ACCEPTABLE',
    `Accept: ${String(accept).slice(0, 200)} names no format this service writes; accept application/json (or application/x-ndjson)`,
  );
}
