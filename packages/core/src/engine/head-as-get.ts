import type { Headers } from '../model/canonical.js';

/**
 * The method an ordinary call is routed with: `HEAD` is served as `GET` (RFC 9110 §9.3.2), and the
 * transport sends the GET's status and headers without its body.
 */
export function routedMethod(method: string): string {
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
}

/** The headers of a 405 answer to an ordinary call, with `HEAD` listed in `Allow` wherever `GET` is. */
export function allowWithHead(headers: Headers): Headers {
  const allow = headers.allow;
  if (allow === undefined) return headers;
  const methods = allow.split(',').map((m) => m.trim());
  if (!methods.includes('GET') || methods.includes('HEAD')) return headers;
  methods.splice(methods.indexOf('GET') + 1, 0, 'HEAD');
  return { ...headers, allow: methods.join(', ') };
}
