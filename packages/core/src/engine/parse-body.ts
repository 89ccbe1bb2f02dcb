import { RestBatchError } from '../errors/restbatch-error.js';
import { JsonBody, NOT_WITHIN } from '../json/json-body.js';
import { parseJson } from '../json/parse-json.js';
import type { Headers } from '../model/canonical.js';
import type { EngineLimits } from './engine-options.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** How an endpoint reads its body. */
export interface BodyRules {
  /** Read the body as JSON whatever its Content-Type says. */
  anyContentType: boolean;
  /** Accept single-quoted strings. */
  singleQuotedJson: boolean;
}

/**
 * Reads a request body as JSON for any transport: the byte limit (a backstop for transports that
 * cannot refuse earlier), the Content-Type rule, then the limited, prototype-safe parser.
 * `undefined` when there is no body. A {@link JsonBody} certainly within the limits is already the
 * value the parser would make; any other is read as its text, with the same answers.
 */
export function parseBody(
  body: string | Uint8Array | JsonBody | undefined,
  headers: Headers,
  limits: EngineLimits,
  rules: BodyRules,
): unknown {
  let raw = body;
  if (raw instanceof JsonBody) {
    const value = raw.within(limits);
    if (value !== NOT_WITHIN) {
      checkContentType(headers, rules);
      return value;
    }
    raw = raw.text;
  }
  if (raw === undefined || raw.length === 0) return undefined;
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes > limits.maxBodyBytes) {
    throw new RestBatchError('PAYLOAD_TOO_LARGE', `The body holds ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  checkContentType(headers, rules);
  return parseJson(raw, { maxDepth: limits.maxDepth, maxStringLength: limits.maxStringLength, singleQuotes: rules.singleQuotedJson });
}

function checkContentType(headers: Headers, rules: BodyRules): void {
  const type = headers['content-type'];
  if (type !== undefined && !rules.anyContentType && !JSON_TYPE.test(type)) {
    throw new RestBatchError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type} is not accepted; send application/json`);
  }
}
