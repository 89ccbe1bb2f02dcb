import { isSafePath } from '../executor/path-safety.js';
import { isHttpMethod } from '../model/http-method.js';
import type { RouteTable } from '../routing/route-table.js';
import { redactPath, sessionSegment } from './redact-path.js';

/**
 * The route pattern an ordinary call's span and metrics are named after, looked up as soon as the
 * call is routed (before its session is loaded and its body parsed), so that a call refused there
 * (401, 400) keeps its route. The lookup is the one the executor makes next: the route table keeps
 * it, and the executor's own finds it at once. A method with no route at the path (405) takes the
 * pattern the path's routes share, when they share one; a path with no route (404) or one that is
 * not a plain resource path gets none.
 */
export function callRoute(routes: RouteTable, method: string, path: string): string | undefined {
  if (!isSafePath(path)) return undefined;
  if (isHttpMethod(method)) {
    try {
      return routes.match(method, path).route.pattern;
    } catch {
      // METHOD_NOT_ALLOWED or ROUTE_NOT_FOUND: the path's other routes tell, below.
    }
  }
  let pattern: string | undefined;
  for (const other of routes.allowedMethods(path)) {
    const found = routes.match(other, path).route.pattern;
    if (pattern !== undefined && found !== pattern) return undefined;
    pattern = found;
  }
  return pattern;
}

/**
 * A path below an API's base as logs show it, its session ids scrubbed (see {@link redactPath}):
 * the route the path reaches (by `method`, or the one its methods share) says which segment holds
 * the session parameter. An error path's cost: it looks the route up.
 */
export function redactedPath(routes: RouteTable, sessionParam: string | undefined, method: string, path: string): string {
  if (sessionParam === undefined) return path;
  return redactPath(path, sessionParam, sessionSegment(callRoute(routes, method, path), sessionParam));
}
