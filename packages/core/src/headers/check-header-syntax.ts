import { RestBatchError } from '../errors/restbatch-error.js';
import { excerpt } from '../errors/excerpt.js';
import { normalizeHeaders } from './normalize-headers.js';

/** An RFC 7230 token, lower-case: header names are checked after they are lower-cased. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/**
 * Control characters other than tab, as node:http's parser refuses them in a field value (RFC 9110
 * §5.5: a value is visible characters, space and tab; CR and LF would split the line, NUL end it).
 * Characters from U+0080 are let through, as node reads each byte of a value as one of them.
 */
export const BAD_HEADER_VALUE = /[\0-\x08\n-\x1f\x7f]/;

/**
 * Rejects headers that no HTTP parser has seen (a WebSocket message's, a direct call's) when a
 * name is not a token or a value holds a control character other than tab: `INVALID_HEADER`. Names must already be
 * lower-case.
 */
export function checkHeaderSyntax(headers: Readonly<Record<string, string>>): void {
  const error = syntaxError(headers);
  if (error !== undefined) throw error;
}

/**
 * Why an in-process caller's outer headers (a direct call's, `inject`'s) could not have come over
 * HTTP, as {@link checkHeaderSyntax} judges a WebSocket message's (`INVALID_HEADER`), or undefined.
 * Names may be in any case and a value may be an array: they are judged as the engine reads them,
 * lower-cased and folded. A value that is not text is left to `checkHeaderLimits`, which
 * refuses it as it refuses any transport's.
 */
export function headerSyntaxError(headers: Readonly<Record<string, unknown>> | undefined): RestBatchError | undefined {
  return headers === undefined ? undefined : syntaxError(normalizeHeaders(headers));
}

function syntaxError(headers: Readonly<Record<string, string>>): RestBatchError | undefined {
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name)) {
      return new RestBatchError('INVALID_HEADER', `Header name ${JSON.stringify(name.slice(0, 64))} is not an HTTP token`);
    }
    const value = headers[name];
    if (typeof value !== 'string' || BAD_HEADER_VALUE.test(value)) {
      return new RestBatchError(
        'INVALID_HEADER',
        `Header ${excerpt(name)} has an invalid value: control characters other than tab (CR, LF, NUL, ...) are not allowed`,
      );
    }
  }
  return undefined;
}
