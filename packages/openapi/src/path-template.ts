import type { RouteDescription } from '@restbatch/core';

/** A path parameter's value: plain characters, or a reference `${…}` that may hold slashes. */
const PARAM = '(?:\\$\\{[^}]*\\}|[^/?#])+';

/** `/rest/Roles/:id` → `/rest/Roles/{id}`. */
export function toTemplate(path: string): string {
  return path.replace(/\/:([A-Za-z_][A-Za-z0-9_]*)/g, '/{$1}');
}

/** A readable name for a route's schemas: `/Roles/:id` → `Roles.id`. */
export function routeLabel(pattern: string): string {
  return pattern.slice(1).replace(/:/g, '').replace(/\//g, '.');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * The regular expression (no anchors, no leading `/`) of the paths that reach `route` among
 * `routes`. A parameter excludes the literal segments that other routes of the same method and
 * shape hold at its place, as the router prefers them: so no path matches two routes' patterns,
 * and a `oneOf` of batch items stays exclusive.
 */
export function pathPattern(route: RouteDescription, routes: readonly RouteDescription[]): string {
  const segments = route.pattern.slice(1).split('/');
  const shape = (s: string) => (s.startsWith(':') ? ':' : s);
  const siblings = routes
    .filter((r) => r !== route && r.method === route.method)
    .map((r) => r.pattern.slice(1).split('/'))
    .filter((other) => other.length === segments.length);
  return segments
    .map((segment, i) => {
      if (!segment.startsWith(':')) return escapeRegExp(segment);
      const literals = siblings
        .filter((other) => !other[i]!.startsWith(':') && other.every((s, k) => k === i || shape(s) === shape(segments[k]!)))
        .map((other) => escapeRegExp(other[i]!));
      return literals.length === 0 ? PARAM : `(?!(?:${[...new Set(literals)].join('|')})(?:[/?#]|$))${PARAM}`;
    })
    .join('/');
}
