import { RestBatchError } from '../../errors/restbatch-error.js';
import type { FailurePolicy, Headers } from '../../model/canonical.js';
import { excerpt } from '../../errors/excerpt.js';

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
 * The media type of every JSON answer of OData 4.01 (JSON Format §4.1: "Responses MUST include the
 * metadata parameter to specify the amount of metadata included in the response"). `none`, since
 * the answers carry no control information (no `@context`, no `@type`): §3.1.3 "the service SHOULD
 * omit control information other than nextLink and count". Unprefixed, as §3.1 says of payloads with
 * `OData-Version` 4.01 ("SHOULD NOT include the odata. prefix"); `charset` as every JSON answer of
 * the engine has it.
 */
export const ODATA_JSON_TYPE = 'application/json; metadata=none; charset=utf-8';

/** The same for an answer in OData 4.0, whose clients know the parameter only as `odata.metadata` (§3.1: "MUST include the odata. prefix"). */
const ODATA_40_JSON_TYPE = 'application/json; odata.metadata=none; charset=utf-8';

/**
 * The headers of an ordinary call's answer in an API whose errors are OData's: its `OData-Version`
 * and the `Content-Type` for that version. Protocol §8.2.7 (`OData-MaxVersion`): "the service MUST
 * generate a response with the greatest supported OData-Version less than or equal to the specified
 * OData-MaxVersion", so a client that names 4.0 as its most gets 4.0; any other (no header: §8.1.5
 * "MUST assume ... the maximum version of the protocol that the service understands") gets 4.01.
 * The answers are the same JSON in either version.
 */
export function odataCallHeaders(headers: Readonly<Headers>): Headers {
  const most = Number.parseFloat(headers['odata-maxversion'] ?? '');
  return most < 4.01
    ? { 'odata-version': '4.0', 'content-type': ODATA_40_JSON_TYPE }
    : { 'odata-version': ODATA_VERSION, 'content-type': ODATA_JSON_TYPE };
}

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
    `${name}: ${excerpt(isolation)} is not supported: this service cannot run a batch against a snapshot; send the batch without it`,
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
    `OData-Version: ${excerpt(version)} is not supported: a JSON batch is OData ${ODATA_VERSION}; send OData-Version: ${ODATA_VERSION} or no OData-Version`,
    { details: [{ code: 'INVALID_HEADER', message: `OData-Version must be ${ODATA_VERSION}`, target: 'OData-Version' }] },
  );
}

/** Whether the outer request comes from an OData client: it names the protocol version it speaks. */
export function isOdataClient(headers: Readonly<Headers>): boolean {
  return headers['odata-version'] !== undefined || headers['odata-maxversion'] !== undefined;
}
