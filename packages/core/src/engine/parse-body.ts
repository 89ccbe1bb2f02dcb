import { RestBatchError } from '../errors/restbatch-error.js';
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
 * `undefined` when there is no body.
 */
export function parseBody(raw: string | Uint8Array | undefined, headers: Headers, limits: EngineLimits, rules: BodyRules): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes > limits.maxBodyBytes) {
    throw new RestBatchError('PAYLOAD_TOO_LARGE', `The body holds ${bytes} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  const type = headers['content-type'];
  if (type !== undefined && !rules.anyContentType && !JSON_TYPE.test(type)) {
    throw new RestBatchError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type} is not accepted; send application/json`);
  }
  return parseJson(raw, { maxDepth: limits.maxDepth, maxStringLength: limits.maxStringLength, singleQuotes: rules.singleQuotedJson });
}
