import type { Query } from '../model/canonical.js';

/**
 * The query of a URL without one, shared and frozen: `Object.create(null)` makes an object in
 * dictionary mode (about 200 bytes), and a batch of 10000 kept one per sub-request until its end.
 */
export const NO_QUERY: Query = Object.freeze(Object.create(null));

/**
 * Splits `path?query#fragment` into the path and a prototype-free query object (repeated names ->
 * arrays). The fragment is cut first: it ends the URI (RFC 3986 §3.5: the query is terminated "by a
 * number sign ("#") character or by the end of the URI") and is never sent to a server, so `a?x=1#y&z=2`
 * has the query `x=1` and `a#y?z=2` none. node:http hands a target with a `#` to the engine as it came,
 * and the router already stopped at `#`: an ordinary call and the same URL in a batch read alike.
 */
export function parseUrl(url: string): { path: string; query: Query } {
  const hash = url.indexOf('#');
  const target = hash < 0 ? url : url.slice(0, hash);
  const mark = target.indexOf('?');
  if (mark < 0) return { path: target, query: NO_QUERY };
  const path = target.slice(0, mark);
  const query: Query = Object.create(null);
  for (const [name, value] of new URLSearchParams(target.slice(mark + 1))) {
    const prev = query[name];
    // Appended, not copied: the array is this loop's own, and a name repeated n times costs O(n), not O(n²).
    if (prev === undefined) query[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else query[name] = [prev, value];
  }
  return { path, query };
}
