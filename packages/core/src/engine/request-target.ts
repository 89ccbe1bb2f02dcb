import { RestBatchError } from '../errors/restbatch-error.js';

/** Returned by {@link originForm} for a target that is neither a path nor an absolute http(s) URL. */
export const BAD_TARGET: unique symbol = Symbol('bad target');

const ABSOLUTE = /^https?:\/\/[^/?#]*/i;

/**
 * The path and query of a request target (RFC 9112 §3.2). An absolute-form target
 * (`POST http://other/rest/batch`, as sent to proxies) is served as its path part, the way Express
 * and most routers read it; its host is dropped, so it is never used or echoed in an answer.
 * Any other form (`*`, `host:port`, a bare word) is refused: no resource lives there. The HTTP
 * transports read every request's target with it, and the WebSocket transport every upgrade's
 * (RFC 9112 §3.2.2: "A server MUST accept the absolute-form in requests").
 */
export function originForm(target: string): string | typeof BAD_TARGET {
  if (target.startsWith('/')) return target;
  const authority = ABSOLUTE.exec(target);
  if (authority === null) return BAD_TARGET;
  const rest = target.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The 400 answer's error for a target {@link originForm} refuses (the target is not echoed). */
export function badTarget(): RestBatchError {
  return new RestBatchError('INVALID_PATH', 'The request target must be a path such as /rest/batch, or an absolute http(s) URL');
}
