import { RestBatchError } from '../errors/restbatch-error.js';
import { withCode } from '../errors/setup-error-codes.js';
import { JsonBody, NOT_WITHIN } from '../json/json-body.js';
import { parseJson } from '../json/parse-json.js';
import type { Headers } from '../model/canonical.js';
import type { EngineLimits } from './engine-options.js';
import type { InputCharge } from './input-charge.js';
import { PreparedBody } from './prepared-body.js';
import { utf8Length } from '../json/utf8-length.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Whether a Content-Type names JSON: `application/json` or any `application/…+json`, with parameters. */
export function isJsonMediaType(type: string): boolean {
  return JSON_TYPE.test(type);
}
/** The type curl's `-d` sends: the lenient endpoint reads its body as JSON text all the same. */
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/** How an endpoint reads its body. */
export interface BodyRules {
  /**
   * Also read a body sent as `application/x-www-form-urlencoded` as JSON (Exago's curl example).
   * Any other non-JSON type is still refused: the name is kept from when every type was read.
   */
  anyContentType: boolean;
  /** Accept single-quoted strings. */
  singleQuotedJson: boolean;
}

/**
 * Reads a request body as JSON for any transport: the byte limit (a backstop for transports that
 * cannot refuse earlier), the Content-Type rule, then the limited, prototype-safe parser.
 * `undefined` when there is no body. A {@link JsonBody} certainly within the limits is already the
 * value the parser would make; any other is read as its text, with the same answers. The value a
 * text makes is charged to `input` once the text passed the limits, before it is parsed (503
 * `INPUT_BUSY` when it does not fit).
 */
export function parseBody(
  body: string | Uint8Array | JsonBody | PreparedBody | undefined,
  headers: Headers,
  limits: EngineLimits,
  rules: BodyRules,
  input?: InputCharge,
): unknown {
  if (body instanceof PreparedBody)
    throw withCode(new Error('PreparedBody: a prepared batch body was sent to a path that is not its batch endpoint'), 'BODY_MISUSED');
  let raw = body;
  if (raw instanceof JsonBody) {
    // Taken, not only read: the body keeps no copy of what the engine now holds.
    const value = raw.take(limits);
    if (value !== NOT_WITHIN) {
      checkContentType(headers, rules);
      return value;
    }
    raw = raw.text;
  }
  if (raw === undefined || raw.length === 0) return undefined;
  const bytes = typeof raw === 'string' ? utf8Length(raw) : raw.byteLength;
  if (bytes > limits.maxBodyBytes) {
    throw new RestBatchError('PAYLOAD_TOO_LARGE', `The body holds ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  // Bytes as sent: a coding would make them unreadable (a body given as a value has none).
  if (!(body instanceof JsonBody)) checkContentEncoding(headers);
  checkContentType(headers, rules);
  return parseJson(raw, {
    maxDepth: limits.maxDepth,
    maxStringLength: limits.maxStringLength,
    singleQuotes: rules.singleQuotedJson,
    admit: input === undefined ? undefined : (shape) => input.takeParsed(bytes, shape),
  });
}

/**
 * Refuses a body sent with a content coding (`gzip`, `br`, ...): its bytes are not JSON text, and
 * restbatch decodes none. RFC 9110 §8.4.1 allows 415 for "a content coding that is not acceptable",
 * and §12.5.3 has the answer name what is accepted (`Accept-Encoding: identity`).
 */
function checkContentEncoding(headers: Headers): void {
  const coding = headers['content-encoding'];
  if (coding === undefined) return;
  const text = coding.trim().toLowerCase();
  if (text === '' || text === 'identity') return;
  throw new RestBatchError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Encoding ${text.slice(0, 100)} is not supported; send the body uncompressed`,
    { headers: { 'accept-encoding': 'identity' } },
  );
}

const JSON_ONLY: readonly string[] = Object.freeze(['application/json']);
const JSON_OR_FORM: readonly string[] = Object.freeze(['application/json', 'application/x-www-form-urlencoded']);

/**
 * The media types an endpoint with these rules reads, as a document names them: `application/json`
 * (which also stands for any `application/…+json` type and for a body sent without a Content-Type),
 * then `application/x-www-form-urlencoded` when `anyContentType` is on, its body read as JSON text
 * all the same. Every other type is refused with `UNSUPPORTED_MEDIA_TYPE`.
 */
export function bodyMediaTypes(rules: Pick<BodyRules, 'anyContentType'>): readonly string[] {
  return rules.anyContentType ? JSON_OR_FORM : JSON_ONLY;
}

/** Refuses a Content-Type the endpoint does not read as JSON (`UNSUPPORTED_MEDIA_TYPE`). */
export function checkContentType(headers: Headers, rules: BodyRules): void {
  const type = headers['content-type'];
  if (type === undefined || isJsonMediaType(type)) return;
  if (rules.anyContentType && FORM_TYPE.test(type)) return;
  const accepted = bodyMediaTypes(rules).join(' or ');
  throw new RestBatchError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type.slice(0, 100)} is not accepted; send ${accepted}`);
}
