import { parseUrl } from '../../engine/parse-url.js';
import type { Query } from '../../model/canonical.js';
import { SYSTEM_RESOURCES } from '../../model/system-resources.js';
import { excerpt, quoted } from '../../errors/excerpt.js';

/** A sub-request URL read as an address in the API, or the reason it addresses none (that item fails). */
export type OdataAddress = { path: string; query: Query; outside?: undefined } | { outside: string };

const ABSOLUTE_URI = /^[a-z][a-z0-9+.-]*:/i;

/** `path` below `base`, or undefined when it is not under it. */
function below(path: string, base: string): string | undefined {
  if (base === '') return path;
  if (path === base) return '/';
  return path.startsWith(base) && path.charCodeAt(base.length) === 47 ? path.slice(base.length) : undefined;
}

/**
 * Reads a sub-request `url` in the forms of OData JSON 4.01 §19.1 and of Microsoft Graph:
 * - a relative path (`claims/cc:22`, `$1/notes`) is relative to the service root, the API's base;
 * - an absolute path that starts with the API's base (`/rest/claim/v1/claims`) is that resource,
 *   as the spec's examples and the Graph JS client (which strips scheme and host) write it;
 * - any other absolute path (`/claims`) is relative to the API, as Graph's own URLs (`/me`) are;
 * - an absolute URI (`http://host/rest/claim/v1/claims`) must name this service: the origin of the
 *   batch request (its `Host` header) and a path under the base. Anything else is `outside`.
 * Dot segments are removed (RFC 3986 §5.2.4: by `URL` for an absolute URI, else in the API, see
 * `withoutDotSegments`); a `..` that climbs above the service root is `outside`.
 */
export function odataAddress(url: string, base: string | undefined, host: string | undefined): OdataAddress {
  const root = base ?? '';
  if (ABSOLUTE_URI.test(url) || url.startsWith('//')) {
    let parsed: URL;
    try {
      parsed = new URL(url.startsWith('//') ? `http:${url}` : url);
    } catch {
      return { outside: `url ${quoted(url)} is not a valid absolute URI` };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      return { outside: `url scheme ${excerpt(parsed.protocol)} is not http or https` };
    // Without a Host header (an in-process caller) no absolute URI can be shown to name this service.
    if (host === undefined || parsed.host !== hostAsUrlHas(host, parsed.protocol)) {
      return { outside: `url names another origin (${excerpt(parsed.host)}); a batch addresses only the service it was sent to` };
    }
    const rest = below(parsed.pathname, root);
    if (rest === undefined) return { outside: `url ${excerpt(parsed.pathname)} is outside the API at ${root}` };
    return parseUrl(`${rest}${parsed.search}`);
  }
  const { path, query } = parseUrl(url.startsWith('/') ? url : `/${url}`);
  const inApi = url.startsWith('/') ? (below(path, root) ?? path) : path;
  const resolved = withoutDotSegments(inApi);
  if (resolved === undefined) return { outside: `url ${quoted(url)} climbs with .. above the service root ${root || '/'}` };
  return { path: resolved, query };
}

/**
 * A path in the API (from `/`, below the service root) with its `.` and `..` segments removed, as
 * RFC 3986 §5.2.4 (remove_dot_segments) does once §19.1 has said a relative path "is resolved
 * relative to the batch request URL": `/./claims/a/../cc:22` is `/claims/cc:22`. Undefined when a
 * `..` climbs above the service root, which no URL of this service does. A first segment `$<id>`
 * stands for an entity's URL, known only once its request ran: a `..` that climbs above it is left
 * as written (the engine then refuses the path, 400 `INVALID_PATH`). Only the literal `.` and `..`
 * are dot segments here: `%2e` stays encoded and is refused as in an ordinary call. The path itself
 * when it has no dot segment (the common case, one indexOf).
 */
function withoutDotSegments(path: string): string | undefined {
  if (path.indexOf('/.') < 0) return path;
  const segments = path.split('/');
  // `segments[0]` is the empty text before the leading `/`.
  const first = segments[1] as string;
  const floor = first.charCodeAt(0) === 36 && !SYSTEM_RESOURCES.has(first) ? 1 : 0;
  const out: string[] = floor === 1 ? [first] : [];
  for (let i = floor + 1; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    if (segment === '.') {
      if (last) out.push('');
    } else if (segment === '..') {
      if (out.length === floor) return floor === 1 ? path : undefined;
      out.pop();
      if (last) out.push('');
    } else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/**
 * The Host header as a URL of `protocol` writes it (lower case, the scheme's default port left out:
 * `Host: claims.example:80` names `http://claims.example/`); '' when it is no host.
 */
function hostAsUrlHas(host: string, protocol: string): string {
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return '';
  }
}
