import type { Attributes } from '@opentelemetry/api';
import { sessionSegment } from './redact-path.js';

// Bounds a cache that sub-request methods fill (a batch may name any method): past it, strings are made per use.
const MAX_METHODS = 16;

/**
 * The strings and attribute sets of one route, made on first use and kept: a sub-request's span
 * name and its duration attributes cost a lookup, not a concatenation and an object each time.
 */
export class RouteNames {
  readonly #names = new Map<string, string>();
  readonly #durations = new Map<string, Attributes[]>();
  /** Where the route reads the API's session parameter (see `sessionSegment`), -1 when it does not. */
  readonly sessionSegment: number;

  /** `route` is the full route pattern (base included), or '' for a sub-request that reached none. */
  constructor(
    readonly route: string,
    sessionParam?: string,
  ) {
    this.sessionSegment = sessionSegment(route, sessionParam);
  }

  /** The span name `<METHOD> <route>`. */
  name(method: string): string {
    let name = this.#names.get(method);
    if (name === undefined) {
      name = `${method} ${this.route}`;
      if (this.#names.size < MAX_METHODS) this.#names.set(method, name);
    }
    return name;
  }

  /** The attributes of a duration measurement: method, route (when there is one) and status class (`2xx` ...). */
  duration(method: string, status: number): Attributes {
    const kind = Math.min(9, Math.max(0, Math.floor(status / 100)));
    let byClass = this.#durations.get(method);
    if (byClass === undefined) {
      byClass = new Array<Attributes>(10);
      if (this.#durations.size < MAX_METHODS) this.#durations.set(method, byClass);
    }
    let attributes = byClass[kind];
    if (attributes === undefined) {
      // A sub-request that reached no route has no route attribute (an empty label helps no one).
      attributes =
        this.route === ''
          ? { 'http.request.method': method, 'restbatch.status_class': `${kind}xx` }
          : { 'http.request.method': method, 'http.route': this.route, 'restbatch.status_class': `${kind}xx` };
      byClass[kind] = attributes;
    }
    return attributes;
  }
}

/** The {@link RouteNames} of an API's routes, by pattern (below the API's base). */
export class ApiRouteNames {
  readonly #routes = new Map<string, RouteNames>();
  /** For sub-requests that reached no route. */
  readonly none = new RouteNames('');

  /** `sessionParam`: the API's session parameter, undefined for an API without sessions. */
  constructor(
    readonly base: string,
    readonly sessionParam: string | undefined,
  ) {}

  of(pattern: string | undefined): RouteNames {
    if (pattern === undefined) return this.none;
    let names = this.#routes.get(pattern);
    if (names === undefined) {
      names = new RouteNames(`${this.base}${pattern}`, this.sessionParam);
      this.#routes.set(pattern, names);
    }
    return names;
  }
}
