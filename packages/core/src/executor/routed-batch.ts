import type { HttpMethod } from '../model/http-method.js';
import type { RouteMatch, RouteTable } from '../routing/route-table.js';
import type { TemplateRoute } from '../routing/template-route.js';

/** A route as batch rules see it. */
export interface BatchRoute {
  /** The resource's registered name, such as `Sessions`. */
  readonly resource: string;
  readonly method: HttpMethod;
  /** The route's pattern below the API base, such as `/Sessions/:sid`. */
  readonly pattern: string;
  readonly batchable: boolean;
}

/**
 * What the pre-pass knows of a batch's routes, for rules about which resource a sub-request
 * names: those are decided on the route the router matches (after it decodes the path), never on
 * the path's text, so `Session%73` and `Sessions` are the same call.
 */
export interface RoutedBatch {
  /** `existing` when the batch runs in an existing session, as its dialect asked. */
  readonly session: 'new' | 'existing' | undefined;
  /**
   * The route sub-request `index` reaches; undefined when it reaches none (it then fails alone)
   * or when references in its path pick the route only as the batch runs (see `deferred`).
   */
  route(index: number): BatchRoute | undefined;
  /**
   * The route of sub-request `index` or, when its method has none there, a route of another method
   * at the same path: which resource the path names (`GET Sessions` names Sessions).
   */
  routeAtPath(index: number): BatchRoute | undefined;
  /** Whether references in the path of sub-request `index` pick its route only as the batch runs. */
  deferred(index: number): boolean;
}

/** What the pre-pass found per sub-request; each array is undefined when no sub-request has an entry. */
export interface RouteFindings {
  readonly matches: readonly (RouteMatch | undefined)[];
  /** Routes found ahead for paths that hold references. */
  readonly templates: readonly (TemplateRoute | undefined)[] | undefined;
  /** Whether references in the path choose the route at run time. */
  readonly late: readonly boolean[] | undefined;
  /** For a sub-request that matched no route: a method that has one at its path. */
  readonly otherMethods: readonly (HttpMethod | undefined)[] | undefined;
  /** For such a sub-request: its path once its escapes (`$${`) are read, where that differs from its text. */
  readonly plainPaths?: readonly (string | undefined)[] | undefined;
}

/** The pre-pass's {@link RoutedBatch}: read from the matches it made anyway, so it costs no extra lookup. */
export class PlannedRoutes implements RoutedBatch {
  constructor(
    private readonly routes: RouteTable,
    private readonly requests: readonly { readonly path: string }[],
    private readonly found: RouteFindings,
    readonly session: 'new' | 'existing' | undefined,
  ) {}

  route(index: number): BatchRoute | undefined {
    return this.found.matches[index]?.route ?? this.found.templates?.[index]?.route;
  }

  routeAtPath(index: number): BatchRoute | undefined {
    const route = this.route(index);
    if (route !== undefined) return route;
    const other = this.found.otherMethods?.[index];
    if (other === undefined) return undefined;
    const path = this.found.plainPaths?.[index] ?? (this.requests[index] as { path: string }).path;
    return this.routes.match(other, path).route;
  }

  deferred(index: number): boolean {
    return this.found.late?.[index] === true;
  }
}
