import type { CompiledRoute, RouteMatch } from './route-table.js';

/** A static path segment as routes may declare it. */
export const LITERAL_SEGMENT = /^[A-Za-z0-9_.~-]+$/;

/** The router's limit on one parameter (its `maxParamLength`): a longer value matches no route. */
export const MAX_PARAM_LENGTH = 100;

/** One parameter of a template route: its name and, for a literal segment, its fixed value. */
export interface TemplateParam {
  readonly name: string;
  /** The literal segment's text; undefined for a segment that a reference fills. */
  readonly literal: string | undefined;
}

/**
 * The route of a path whose values are not known yet (references), found when the batch is
 * checked: every value that fills one of its open segments reaches this route, because no other
 * route of the method could capture it. `bind` then builds the match from the values with no
 * router lookup.
 */
export class TemplateRoute {
  constructor(
    readonly route: CompiledRoute,
    /** The route's parameters in the order the router sets them. */
    private readonly params: readonly TemplateParam[],
    /** The prototype the router gives its params objects, so that handlers get the same kind of object. */
    private readonly paramsPrototype: object | null,
    /** Whether the router matches the resolved path (a reference fills part of a segment): `bind` then gives nothing. */
    private readonly byRouter = false,
  ) {}

  /**
   * The same route for paths whose open segments a reference fills only part of (`a${...}`): each
   * such segment is still one parameter's value, so no value reaches another route, but the
   * values are not the segments, so the router matches the resolved path.
   */
  matchedByRouter(): TemplateRoute {
    return new TemplateRoute(this.route, this.params, this.paramsPrototype, true);
  }

  /**
   * The match for a path whose open segments hold `values` (in order, each one encoded segment),
   * with exactly the params the router would give; undefined when the router must decide: a
   * percent-encoded value (the router decodes it) or one over its length limit.
   */
  bind(values: readonly string[]): RouteMatch | undefined {
    if (this.byRouter) return undefined;
    const slots = this.params;
    const params = Object.create(this.paramsPrototype) as Record<string, string>;
    let open = 0;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k] as TemplateParam;
      let value = slot.literal;
      if (value === undefined) {
        value = values[open++] as string;
        // Without `%` the router decodes nothing, so the parameter is the segment's text as is.
        if (value.length > MAX_PARAM_LENGTH || value.indexOf('%') >= 0) return undefined;
      }
      params[slot.name] = value;
    }
    return { route: this.route, params };
  }
}

/** A route with its pattern's segments (`:name` for a parameter). */
export interface PatternRoute {
  readonly route: CompiledRoute;
  readonly segments: readonly string[];
}

/**
 * The route every path of this shape reaches, whatever its open (undefined) segments hold, among
 * `routes` (those of one method); `find` asks the router. Undefined unless exactly one route can
 * match and it has a parameter at each open segment (a static route there could capture some
 * value), or when a literal segment is not a plain one (the router or the path check would judge it).
 */
export function templateRouteOf(
  routes: readonly PatternRoute[],
  find: (path: string) => { store: unknown; params: unknown } | null,
  segments: readonly (string | undefined)[],
): TemplateRoute | undefined {
  let only: PatternRoute | undefined;
  for (const candidate of routes) {
    if (candidate.segments.length !== segments.length) continue;
    let possible = true;
    let certain = true;
    for (let k = 0; k < segments.length && possible; k++) {
      const want = segments[k];
      const have = candidate.segments[k] as string;
      const param = have.charCodeAt(0) === 58;
      if (want === undefined) certain &&= param;
      else possible = param ? want.length <= MAX_PARAM_LENGTH : want === have;
    }
    if (!possible) continue;
    if (!certain || only !== undefined) return undefined;
    only = candidate;
  }
  if (only === undefined) return undefined;
  for (const segment of segments) {
    if (segment !== undefined && (!LITERAL_SEGMENT.test(segment) || segment === '.' || segment === '..')) return undefined;
  }
  // The router has the last word: a sample path must reach the same route.
  const found = find(`/${segments.map((segment) => segment ?? 'x').join('/')}`);
  if (found === null || found.store !== only.route) return undefined;
  const params: TemplateParam[] = [];
  only.segments.forEach((segment, k) => {
    if (segment.charCodeAt(0) === 58) params.push({ name: segment.slice(1), literal: segments[k] });
  });
  return new TemplateRoute(only.route, params, Object.getPrototypeOf(found.params) as object | null);
}
