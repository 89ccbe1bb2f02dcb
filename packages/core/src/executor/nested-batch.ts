import type { CompiledEndpoint } from '../engine/compiled-api.js';

// Anything a router or a proxy might read differently from the plain text: escapes, dot segments,
// doubled, trailing or back slashes, a fragment (the router stops at `#`).
const NEEDS_CANONICAL = /[%.\\#]|\/\/|\/$/;

/** Decodes `%XX` escapes of ASCII characters (what endpoint paths are made of); others stay as written. */
function decodeAscii(path: string): string {
  return path.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * The path as a lenient server would read it: ASCII escapes decoded (`%62atch` is `batch`, `%2F` a
 * slash), cut at `#`, empty and `.` segments dropped, `..` resolved, `\` read as `/`. Linear in
 * the path.
 */
export function canonicalPath(path: string): string {
  if (!NEEDS_CANONICAL.test(path)) return path;
  const decoded = decodeAscii(path);
  const fragment = decoded.indexOf('#');
  const segments: string[] = [];
  for (const segment of (fragment < 0 ? decoded : decoded.slice(0, fragment)).split(/[/\\]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * Tells whether a sub-request path names one of an API's batch endpoints, however it is spelled:
 * the paths are compared in their canonical form, so no spelling of a batch endpoint slips through.
 */
export class BatchEndpoints {
  readonly #paths = new Set<string>();

  constructor(endpoints: Iterable<CompiledEndpoint>) {
    for (const endpoint of endpoints) this.#paths.add(canonicalPath(endpoint.path));
  }

  /** Whether `path` (a sub-request's path below the API base) names a batch endpoint. */
  has(path: string): boolean {
    return this.#paths.has(canonicalPath(path));
  }
}
