import { RestBatchError } from '../errors/restbatch-error.js';
import { HEADER_NAME } from '../headers/check-header-syntax.js';
import type { Headers, SubRequest, SubResult } from '../model/canonical.js';
import { NO_HEADERS } from './sub-results.js';

/**
 * Headers that belong to one connection or frame the message (RFC 9110 §7.6.1, RFC 9112 §6.1 and
 * §7.4): the transport writes its own, and a handler's would reach the wire beside them (RFC 9112
 * §6.2: "A sender MUST NOT send a Content-Length header field in any message that contains a
 * Transfer-Encoding header field"; a proxy reading one and a server the other is request smuggling).
 * A handler's are dropped; so are the names its `Connection` lists.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer']);

/**
 * What a header value may hold: HTAB, SP and visible ASCII (RFC 9110 §5.5 field-vchar without
 * obs-text). A field value is octets: a character above U+007F says no octets of its own (node
 * would send U+00E9 as one Latin-1 byte, fetch refuses anything above U+00FF), so a handler encodes
 * it itself (RFC 8187's `filename*=UTF-8''price-5%E2%82%AC.pdf`, percent-encoding).
 */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** What a handler's answer breaks: the sub-request then fails with 500 `INTERNAL`, its message logged. */
class AnswerProblem extends Error {}

/** Whether a handler's answer may have this status: an integer from 200 to 599 (RFC 9110 §15: 1xx are not final answers). */
export function isAnswerStatus(status: unknown): boolean {
  return typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599;
}

/**
 * What is wrong with a route's declared status (undefined: nothing), checked when the engine is
 * created: the status of a successful answer, as for a reply.
 */
export function declaredStatusProblem(status: unknown): string | undefined {
  if (status === undefined || isAnswerStatus(status)) return undefined;
  return `its status ${describe(status)} is not an integer from 200 to 599`;
}

/**
 * The headers a handler set (on a reply or an error), as an answer carries them: a copy without
 * hop-by-hop and framing headers. Throws when a name is not a token (RFC 9110 §5.1) or a value is
 * not text of HTAB, SP and visible ASCII.
 */
export function handlerHeaders(headers: Headers): Headers {
  const out: Headers = {};
  let listed: string | undefined;
  for (const given in headers) {
    const value = headers[given];
    // RFC 9110 §5.1: names are case-insensitive (a reply's are lower case already, an error's may not be).
    const name = given.toLowerCase();
    if (!HEADER_NAME.test(name))
      throw new AnswerProblem(`answered a header name ${JSON.stringify(name.slice(0, 64))} that is not an HTTP token`);
    if (typeof value !== 'string') throw new AnswerProblem(`answered header ${name} as ${describe(value)}, not a string`);
    if (!HEADER_VALUE.test(value)) {
      throw new AnswerProblem(
        `answered header ${name} with a character that is not visible ASCII, space or tab (CR, LF, NUL and non-ASCII text are refused: encode it, as RFC 8187 does)`,
      );
    }
    if (name === 'connection') listed = value;
    if (!HOP_BY_HOP.has(name)) out[name] = value;
  }
  // RFC 9110 §7.6.1: the names Connection lists are hop-by-hop too.
  if (listed !== undefined) for (const name of listed.split(',')) delete out[name.trim().toLowerCase()];
  return out;
}

/**
 * The headers and snapshot of a handler's answer, as the result keeps them. Throws when the answer
 * breaks a rule: a status outside 200–599 (an error's status is checked where it becomes a
 * result), headers {@link handlerHeaders} refuses, a body JSON cannot write.
 */
export function checkedAnswer(result: SubResult, take: (body: unknown) => unknown): { headers: Headers; body: unknown } {
  checkAnswerStatus(result);
  const headers = result.headers === NO_HEADERS ? NO_HEADERS : handlerHeaders(result.headers);
  return { headers, body: result.body === undefined ? undefined : take(result.body) };
}

/** Throws when a result without an error has a status a reply may not answer (see {@link isAnswerStatus}). */
export function checkAnswerStatus(result: SubResult): void {
  if (result.error === undefined && !isAnswerStatus(result.status)) {
    throw new AnswerProblem(`answered status ${describe(result.status)}; a reply's status is an integer from 200 to 599`);
  }
}

/**
 * The error of a sub-request whose answer broke a rule ({@link checkedAnswer}) or that failed with
 * an error breaking one ({@link errorProblem}): 500 `INTERNAL`, whose logged cause names the
 * request, its route and what was wrong.
 */
export function unanswerable(sub: SubRequest, route: string | undefined, thrown: unknown): RestBatchError {
  let reason: string;
  let cause: unknown;
  try {
    if (thrown instanceof AnswerProblem) reason = thrown.message;
    else {
      reason = `answered a value JSON cannot write (${describe(thrown)})`;
      cause = thrown instanceof Error ? thrown : undefined;
    }
  } catch {
    reason = 'answered a value that cannot be read';
  }
  const where = route === undefined ? `${sub.method} ${sub.path}` : `${sub.method} ${sub.path} (route ${route})`;
  return new RestBatchError('INTERNAL', 'Internal server error', {
    cause: new Error(`${where}: the handler ${reason}`, cause === undefined ? undefined : { cause }),
    expose: false,
  });
}

/** What is wrong with an error a sub-request failed with (undefined: nothing): its status must be an error's, 400–599. */
export function errorProblem(error: RestBatchError): AnswerProblem | undefined {
  const status = error.status;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) return undefined;
  return new AnswerProblem(
    `failed with error ${error.code} of status ${describe(status)}; an error's status is an integer from 400 to 599`,
  );
}

/** A short description of a value for a log line; never throws. */
function describe(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === 'bigint') return `${value}n`;
    const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
    return text === undefined ? typeof value : text.slice(0, 64);
  } catch {
    return 'a value that cannot be read';
  }
}
