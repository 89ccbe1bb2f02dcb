import { RestBatchError } from '../../errors/restbatch-error.js';
import type { BatchResult, FailurePolicy, Query, SubRequest, SubResult } from '../../model/canonical.js';
import { type HttpMethod, upperMethod } from '../../model/http-method.js';
import { NO_QUERY, parseUrl } from '../../engine/parse-url.js';
import type { ValueReader } from '../../json/json-copy.js';
import { ownKeysOnly } from '../../json/own-keys-only.js';
import { NO_HEADERS } from '../../executor/sub-results.js';
import { checkBatchSize } from '../check-batch-size.js';
import type { DecodeContext, DecodedBatch, Dialect, ErrorView } from '../dialect.js';
import { notInherited } from '../not-inherited.js';
import { exagoOpenApi } from './exago-openapi.js';
import { quoted } from '../../errors/excerpt.js';

/** One item of an Exago batch response. */
export interface ExagoResponseItem {
  ReturnCode: string;
  ResponseContent: unknown;
}

const METHODS: Record<string, HttpMethod> = { POST: 'POST', PATCH: 'PATCH', GET: 'GET', DELETE: 'DELETE' };

function reject(code: 'BATCH_MALFORMED' | 'BATCH_RULE_VIOLATION', index: number | undefined, reason: string): never {
  const where = index === undefined ? '' : `Call ${index}: `;
  throw new RestBatchError(code, `${where}${reason}`, { details: index === undefined ? undefined : { index } });
}

/**
 * The method a call names, its ASCII letters in any case (as the document's pattern says); the
 * upper-case spelling skips the conversion.
 */
function methodOf(name: string): HttpMethod | undefined {
  switch (name) {
    case 'POST':
    case 'PATCH':
    case 'GET':
    case 'DELETE':
      return name;
    default:
      return METHODS[upperMethod(name)];
  }
}

/** Refuses a field a call does not have; true for `Payload`. */
function checkField(key: string, index: number): boolean {
  // Compared, not looked up in a set: keys from JSON are internalized, so each test is one pointer compare.
  if (key === 'Payload') return true;
  if (key !== 'Url' && key !== 'Method')
    reject('BATCH_MALFORMED', index, `unknown field ${quoted(key)}; a call has Url, Method and Payload`);
  return false;
}

/** What {@link scanUrl} returns for a Url with a leading slash or a host. */
const BAD_URL = -2;

/**
 * Where the path of `url` ends (its `?` or `#`), -1 when it is all path, {@link BAD_URL} for a
 * leading `/` or a `://` in the path. Only the path is the vendor's "REST endpoint URL (following
 * /rest/)": a `://` in the query is a parameter's value (`Roles?ReturnUrl=http://example.com/x`),
 * which the same call made alone takes, and one in the fragment is cut before the query is read.
 */
function scanUrl(url: string): number {
  if (url.charCodeAt(0) === 47) return BAD_URL;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 || c === 35) return i;
    if (c === 58 && url.charCodeAt(i + 1) === 47 && url.charCodeAt(i + 2) === 47) return BAD_URL;
  }
  return -1;
}

/** What decoding one batch carries from call to call. */
interface Decoding {
  /** A for-in lists own keys only (see ownKeysOnly), read once per batch. */
  readonly ownKeys: boolean;
  /** The last Url without a query, and the path made of it. */
  url: string | undefined;
  path: string;
}

/** Refuses a call that is not an object. */
function checkCall(item: unknown, index: number): asserts item is object {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    reject('BATCH_MALFORMED', index, 'each call must be an object {Url, Method, Payload}');
  }
}

function decodeItem(item: unknown, index: number, config: string | string[] | undefined, decoding: Decoding): SubRequest {
  checkCall(item, index);
  const call = item as Record<string, unknown>;
  // for-in makes no array of keys per call.
  let hasPayload = false;
  if (decoding.ownKeys) {
    for (const key in call) hasPayload = checkField(key, index) || hasPayload;
  } else for (const key of Object.keys(call)) hasPayload = checkField(key, index) || hasPayload;
  return subRequest(index, call.Url, call.Method, hasPayload, call.Payload, config, decoding);
}

/**
 * {@link decodeItem} of a caller's own call object (see `Dialect.decodeValue`): each member read
 * once, through the reader, which copies the payload; anything unusual throws, and the engine then
 * decodes a copy of the whole body instead.
 */
function decodeValueItem(
  item: unknown,
  index: number,
  config: string | string[] | undefined,
  decoding: Decoding,
  reader: ValueReader,
): SubRequest {
  checkCall(item, index);
  // Also refuses a prototype other than Object's or null's, or one with enumerable keys: for-in lists own keys.
  reader.object(item, 1);
  const call = item as Record<string, unknown>;
  let url: unknown;
  let method: unknown;
  let payload: unknown;
  let hasPayload = false;
  for (const key in call) {
    const value = call[key];
    // Members JSON drops are not in the copy `decode` reads either.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    reader.key(key);
    if (checkField(key, index)) {
      hasPayload = true;
      payload = reader.copy(value, 2);
    } else if (key === 'Url') url = reader.copy(value, 2);
    else method = reader.copy(value, 2);
  }
  return subRequest(index, url, method, hasPayload, payload, config, decoding);
}

/** The sub-request of one call's fields (the keys checked). */
function subRequest(
  index: number,
  url: unknown,
  callMethod: unknown,
  hasPayload: boolean,
  payload: unknown,
  config: string | string[] | undefined,
  decoding: Decoding,
): SubRequest {
  if (typeof url !== 'string' || url === '') reject('BATCH_MALFORMED', index, 'Url is required: the path after /rest/, such as "Sessions"');
  // The same Url as the call before passed every check of a Url then.
  const known = url === decoding.url;
  // One pass for three questions: a leading slash, a host (`://` in the path), and where the path ends.
  const mark = known ? -1 : scanUrl(url);
  if (mark === BAD_URL)
    reject('BATCH_MALFORMED', index, 'Url is the path after /rest/, such as "Roles/MyRole", without a leading slash or host');
  const method = typeof callMethod === 'string' ? methodOf(callMethod) : undefined;
  if (method === undefined)
    reject('BATCH_MALFORMED', index, `Method must be one of POST, PATCH, GET, DELETE, not ${quoted(callMethod ?? null)}`);
  // A null Payload is none, on every method: serializers that write every member (.NET's, by
  // default) send `"Payload": null` for "no payload" (the seed: "Optional payload for POST and PATCH").
  if (payload === null) hasPayload = false;
  else if (hasPayload && method !== 'POST' && method !== 'PATCH')
    reject('BATCH_MALFORMED', index, `Payload is only taken by POST and PATCH calls, not ${method}`);
  // Most Urls have no query or fragment: their path is made without parsing (and without a parsed-URL object);
  // calls in a row often name the same resource (create it, then read or change it): they share
  // one path string, which is kept once and hashed once by the route lookup.
  if (known) return { index, method, path: decoding.path, query: NO_QUERY, headers: NO_HEADERS, body: hasPayload ? payload : undefined };
  let path: string;
  let query: Query;
  if (mark >= 0) {
    const parsed = parseUrl(`/${url}`);
    path = parsed.path;
    query = parsed.query;
  } else {
    path = `/${url}`;
    query = NO_QUERY;
  }
  // A spelling check only: which resource a call reaches (Sessions rules) is decided on its route.
  const first = url.charCodeAt(0);
  if (!(first >= 65 && first <= 90))
    reject('BATCH_RULE_VIOLATION', index, `resource names begin with a capital letter (Url ${quoted(url)}); Urls are case-sensitive`);
  if (query !== NO_QUERY && query.sid !== undefined)
    reject('BATCH_RULE_VIOLATION', index, "calls in a batch run in the batch's session; remove the sid parameter");
  if (query === NO_QUERY) {
    decoding.url = url;
    decoding.path = path;
  }
  // The batch's `?config=` belongs to its first call, which the Exago rules require to be POST Sessions.
  // (A copy: a Url without a query shares one frozen empty query.)
  if (index === 0 && config !== undefined) query = Object.assign(Object.create(null), query, { config });
  // One shape for every call (body always present), so the executor's reads of it stay monomorphic;
  // the executor's own empty headers, which it recognises without counting them.
  return { index, method, path, query, headers: NO_HEADERS, body: hasPayload ? payload : undefined };
}

/** Exago's envelope has no room for a failure policy, so restbatch reads `?onFail=` on the batch URL. */
function failurePolicy(value: string | string[] | undefined): FailurePolicy | undefined {
  if (value === undefined) return undefined;
  if (value === 'continue' || value === 'stop' || value === 'atomic') return value;
  reject('BATCH_MALFORMED', undefined, `onFail must be continue, stop or atomic, not ${quoted(value)}`);
}

function responseContent(result: SubResult): unknown {
  if (result.error !== undefined) {
    const content: Record<string, unknown> = {
      reason: result.error.message,
      stacktrace: result.error.stack ?? null,
      code: result.error.code,
    };
    // Same extras as encodeError, so a batch item and the same call made alone carry the same facts.
    if (result.error.details !== undefined) content.details = result.error.details;
    if (result.error.correlationId !== undefined) content.correlationId = result.error.correlationId;
    return content;
  }
  if (result.status === 204) return { StatusCode: 204, StatusDescription: null };
  return result.body === undefined ? null : result.body;
}

/** The text of the statuses 0-599, made once: a `String(status)` per item measured two builtin calls each. */
const RETURN_CODES: readonly string[] = Array.from({ length: 600 }, (_, status) => String(status));

function encodeResult(result: SubResult): ExagoResponseItem {
  const status = result.status;
  // Only a number indexes the table (an untyped 'length' would read the array's own members).
  const code = typeof status === 'number' ? RETURN_CODES[status] : undefined;
  return { ReturnCode: code ?? String(status), ResponseContent: responseContent(result) };
}

/** The checks of the envelope itself; an array for the batch's sub-requests. */
function calls(body: unknown, context: DecodeContext): SubRequest[] {
  if (!Array.isArray(body)) reject('BATCH_MALFORMED', undefined, 'The batch body must be a JSON array of calls {Url, Method, Payload}');
  if (body.length === 0) throw new RestBatchError('BATCH_EMPTY', 'The batch holds no calls; start it with POST Sessions');
  checkBatchSize(body.length, context.maxSubRequests);
  return new Array<SubRequest>(body.length);
}

function batchOf(requests: SubRequest[], context: DecodeContext): DecodedBatch {
  const batch: DecodedBatch = { requests, session: context.query.sid !== undefined ? 'existing' : 'new' };
  const onFail = failurePolicy(context.query.onFail);
  if (onFail !== undefined) batch.onFail = onFail;
  return batch;
}

function decode(body: unknown, context: DecodeContext): DecodedBatch {
  const requests = calls(body, context);
  const decoding: Decoding = { ownKeys: ownKeysOnly(), url: undefined, path: '' };
  // Read once: the query is a null-prototype dictionary, and a lookup of it per call costs a hash probe.
  const config = context.query.config;
  for (let i = 0; i < requests.length; i++) requests[i] = decodeItem((body as unknown[])[i], i, config, decoding);
  return batchOf(requests, context);
}

/** {@link decode} of a caller's own value (see `ValueDecoder`). */
function decodeValue(body: unknown, context: DecodeContext, reader: ValueReader): DecodedBatch {
  const requests = calls(body, context);
  reader.array(body as unknown[], 0);
  const decoding: Decoding = { ownKeys: true, url: undefined, path: '' };
  const config = context.query.config;
  // A for-in lists own keys only: `reader.object` refuses a prototype with enumerable keys.
  for (let i = 0; i < requests.length; i++) requests[i] = decodeValueItem((body as unknown[])[i], i, config, decoding, reader);
  return batchOf(requests, context);
}

/**
 * Exago's `POST /rest/batch`: a JSON array of `{Url, Method, Payload}`, answered by an array of
 * `{ReturnCode, ResponseContent}` in the same order. The decoder checks the envelope's shape; the
 * Exago API's rules (the first call must be `POST Sessions`, ...) run on the matched routes.
 */
export const exagoDialect: Dialect = notInherited(
  {
    name: 'exago',
    defaults: {
      maxSubRequests: 10_000,
      anyContentType: false,
      singleQuotedJson: true,
      // Guidewire's per-operation precondition, treated as If-Match is: not passed down, so an outer
      // one refuses the batch (checkOuterPreconditions) instead of guarding every call.
      nonInheritedHeaders: ['GW-Checksum'],
    },

    decode,
    valueDecoder: { decode, decodeValue },

    encode(result: BatchResult): ExagoResponseItem[] {
      // A loop, not `map`: the loop's code calls encodeResult inline, where map calls it through a builtin per item.
      const results = result.results;
      const items = new Array<ExagoResponseItem>(results.length);
      for (let i = 0; i < results.length; i++) {
        const one = results[i];
        // A hole stays one, as map leaves it (the engine's results have none).
        if (one !== undefined) items[i] = encodeResult(one);
      }
      return items;
    },

    encodeResult,
    plainResults: encodeResult,
    openapi: exagoOpenApi,

    encodeError(error: ErrorView): unknown {
      const body: Record<string, unknown> = { reason: error.message, stacktrace: error.stack, code: error.code };
      if (error.details !== undefined) body.details = error.details;
      if (error.correlationId !== undefined) body.correlationId = error.correlationId;
      return body;
    },
  },
  // The answer of a large batch is the items encodeResult made as results became final.
  { encoderReadsRequests: false, encodeItems: (items: unknown[]): ExagoResponseItem[] => items as ExagoResponseItem[] },
);
