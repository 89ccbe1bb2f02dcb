import { RestBatchError } from '../../errors/restbatch-error.js';
import type { FailurePolicy, Headers } from '../../model/canonical.js';

// `continue-on-error` (4.01), `odata.continue-on-error` (4.0), optionally `=true` or `=false`.
const CONTINUE_ON_ERROR = /^(?:odata\.)?continue-on-error(?:\s*=\s*"?(true|false)"?)?$/i;

/**
 * The batch's failure policy from the `Prefer` header. OData JSON 4.01 §19.4: "If the preference
 * continue-on-error is not specified, or specified with a value of true, all requests are
 * processed according to their dependencies"; only `continue-on-error=false` stops at the first failure.
 */
export function odataFailurePolicy(prefer: string | undefined): FailurePolicy {
  for (const part of (prefer ?? '').split(',')) {
    const match = CONTINUE_ON_ERROR.exec(part.split(';', 1)[0]!.trim());
    if (match !== null) return match[1]?.toLowerCase() === 'false' ? 'stop' : 'continue';
  }
  return 'continue';
}

/** The one protocol version a JSON batch is written in: the format exists only in OData 4.01. */
export const ODATA_VERSION = '4.01';

/**
 * Refuses an `Isolation` (or, its OData 4.0 name, `OData-Isolation`) request header: OData 4.01
 * Protocol §8.2.6 has a service that cannot give snapshot isolation answer 412. Sub-requests of a
 * batch run one after another with other work in between, so the engine cannot promise what
 * `snapshot` asks; it never pretends.
 */
export function refuseIsolation(headers: Readonly<Headers>): void {
  const name = headers.isolation !== undefined ? 'Isolation' : 'OData-Isolation';
  const isolation = headers.isolation ?? headers['odata-isolation'];
  if (isolation === undefined) return;
  throw new RestBatchError(
    'ISOLATION_UNSUPPORTED',
    `${name}: ${isolation} is not supported: this service cannot run a batch against a snapshot; send the batch without it`,
  );
}

/**
 * Refuses a request whose `OData-Version` is not 4.01: Protocol §8.1.5 has the service "interpret
 * the request payload according to the rules defined in the specified version of the protocol or
 * fail the request with a 4xx response code", and the JSON batch format is defined only in 4.01.
 */
export function refuseVersion(headers: Readonly<Headers>): void {
  const version = headers['odata-version'];
  if (version === undefined || version.trim() === ODATA_VERSION) return;
  throw new RestBatchError(
    'INVALID_HEADER',
    `OData-Version: ${version} is not supported: a JSON batch is OData ${ODATA_VERSION}; send OData-Version: ${ODATA_VERSION} or no OData-Version`,
    { details: [{ code: 'INVALID_HEADER', message: `OData-Version must be ${ODATA_VERSION}`, target: 'OData-Version' }] },
  );
}

/** Whether the outer request comes from an OData client: it names the protocol version it speaks. */
export function isOdataClient(headers: Readonly<Headers>): boolean {
  return headers['odata-version'] !== undefined || headers['odata-maxversion'] !== undefined;
}
