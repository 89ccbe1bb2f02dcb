/**
 * What a session id is replaced by where the engine shows a path or URL (span attributes and names,
 * log lines): the word OpenTelemetry's HTTP semantic conventions use for a scrubbed credential.
 */
export const REDACTED = 'REDACTED';

const SESSION_ID = /^[0-9a-f]{32}$/;

/** Whether one path segment, percent-decoded, reads as a session id (32 lower-case hex digits). */
function isSessionSegment(segment: string): boolean {
  if (segment.length === 32) return SESSION_ID.test(segment);
  // `%61` is `a`: the router decodes a segment before a handler reads it, so a session id may come encoded.
  if (segment.length < 34 || !segment.includes('%')) return false;
  try {
    return SESSION_ID.test(decodeURIComponent(segment));
  } catch {
    return false;
  }
}

/**
 * Where a route pattern reads the API's session parameter: the index of its `:<param>` segment in
 * `pattern.split('/')`, or -1 (also when the API has no sessions). A path the pattern matched has
 * its segments at the same places.
 */
export function sessionSegment(pattern: string | undefined, sessionParam: string | undefined): number {
  if (pattern === undefined || sessionParam === undefined) return -1;
  return pattern.split('/').indexOf(`:${sessionParam}`);
}

/**
 * `path` as spans and logs may show it. OpenTelemetry's HTTP semantic conventions: "Sensitive
 * content provided in url.path SHOULD be scrubbed when instrumentations can identify it". In an API
 * with sessions (`sessionParam`) a session id is a credential (whoever holds it holds the session),
 * and the engine identifies it two ways: the segment at `segment`, where the route that matched
 * the path reads the session parameter (`:sid` of `/Sessions/:sid`, whatever it holds: a mistyped
 * id still gives most of a real one away), and any segment that reads as a session id. Each is
 * replaced by {@link REDACTED}. Unchanged (the same string) when nothing is.
 */
export function redactPath(path: string, sessionParam: string | undefined, segment = -1): string {
  if (sessionParam === undefined || (segment < 0 && path.length < 32)) return path;
  const segments = path.split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    if (i === segment || isSessionSegment(segments[i] as string)) {
      segments[i] = REDACTED;
      changed = true;
    }
  }
  return changed ? segments.join('/') : path;
}

/**
 * A query string (without its `?`) as logs may show it: the value of every `sessionParam`
 * parameter replaced by {@link REDACTED}, the rest as it was.
 */
export function redactQuery(query: string, sessionParam: string | undefined): string {
  if (sessionParam === undefined || query === '') return query;
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded: string;
      try {
        decoded = decodeURIComponent(name.replaceAll('+', ' '));
      } catch {
        return pair;
      }
      return decoded === sessionParam ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}
