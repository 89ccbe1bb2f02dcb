import type { HttpMethod } from '../model/http-method.js';
import type { HandlerContext } from './handler-context.js';

/** Whether a resource needs a session: `required` answers 401 without one. */
export type SessionRequirement = 'required' | 'optional' | 'none';

/** A query parameter a route reads, as API descriptions show it (the handler still reads `ctx.query`). */
export interface RouteQueryDoc {
  description?: string;
  /** Default false. */
  required?: boolean;
  /** JSON Schema of the parameter's value (default `{type: 'string'}`). */
  schema?: object;
}

/**
 * A request header a route reads, as API descriptions show it (the handler still reads
 * `ctx.headers`, by lower-case name). The same shape as {@link RouteQueryDoc}.
 */
export interface RouteHeaderDoc {
  description?: string;
  /** Default false. */
  required?: boolean;
  /** JSON Schema of the header's value (default `{type: 'string'}`). */
  schema?: object;
}

/**
 * What a route says about itself for API descriptions (OpenAPI): recorded, never enforced; only
 * `response`, the `query` and the `headers` schemas are compiled when the engine is created, so that an invalid
 * schema fails there.
 */
export interface RouteDocs {
  /** One line on what the route does. */
  summary?: string;
  /** A longer description (CommonMark). */
  description?: string;
  /** Groups the route with others in generated documents. */
  tags?: readonly string[];
  deprecated?: boolean;
  /** JSON Schema of a successful answer's body. */
  response?: object;
  /** The query parameters the route reads, by name (the API's session parameter is described already). */
  query?: Readonly<Record<string, RouteQueryDoc>>;
  /**
   * The request headers the route reads, by name as documents show it (`GW-Checksum`, `If-Match`);
   * a name must be an RFC 9110 token and not `Accept`, `Content-Type` or `Authorization`, which
   * OpenAPI describes elsewhere.
   */
  headers?: Readonly<Record<string, RouteHeaderDoc>>;
}

/** One route of a resource: what the executor calls for a method and a path. */
export interface RouteDefinition extends RouteDocs {
  method: HttpMethod;
  /** Path below the resource, with `:name` parameters (`''`, `':id'`, `':id/notes'`). */
  path: string;
  /** JSON Schema of the payload, compiled once when the engine is created. */
  schema?: object;
  /** Status of a successful answer (default: POST 201, a value 200, no value 204). */
  status?: number;
  /** False keeps the route out of batches (it stays callable alone). */
  batchable?: boolean;
  /** Overrides the resource's session requirement for this route. */
  session?: SessionRequirement;
  handle(context: HandlerContext): unknown;
}

/**
 * The low-level contract the executor calls: a named resource and its routes. Decorated classes
 * are turned into one; any object of this shape can be registered directly.
 */
export interface ResourceHandler {
  /** The first path segment (`Roles`, `claims`); case-sensitive. */
  readonly name: string;
  readonly routes: readonly RouteDefinition[];
  /** Default `optional`. */
  readonly session?: SessionRequirement;
  /** False keeps every route of the resource out of batches. */
  readonly batchable?: boolean;
}
