import { isSafePath } from '../executor/path-safety.js';
import type { HttpMethod } from '../model/http-method.js';
import type { RouteTable } from '../routing/route-table.js';

/**
 * Whether the ordinary call `method path` reaches a route whose session requirement is `none`:
 * its session parameter is then ignored, never opened, so an ended session does not make it
 * answer 401 (a client that adds its kept `sid` to every call still reads `openapi.json`). A path
 * the executor would refuse, or one with no route, opens the session as before.
 */
export function takesNoSession(routes: RouteTable, method: HttpMethod, path: string): boolean {
  if (!isSafePath(path)) return false;
  try {
    return routes.match(method, path).route.session === 'none';
  } catch {
    // ROUTE_NOT_FOUND or METHOD_NOT_ALLOWED: the executor answers it, after the session as before.
    return false;
  }
}
