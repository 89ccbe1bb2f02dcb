import type { HandlerContext } from './handler-context.js';
import type { RouteDefinition } from './resource-handler.js';
import type { PathParams, SchemaBody } from './route-types.js';

/** A {@link RouteDefinition} whose handler's body and params are typed from its schema and path. */
export interface TypedRouteDefinition<P extends string, S extends object | undefined, Identity = unknown>
  extends Omit<RouteDefinition, 'path' | 'schema' | 'handle'> {
  path: P;
  schema?: S;
  handle(context: HandlerContext<SchemaBody<S>, PathParams<P>, Identity>): unknown;
}

/**
 * Defines a route of a handler object with types end to end: write the schema as a literal and
 * `context.body` is the type it validates, `context.params` has exactly the path's parameters.
 * Returns the route unchanged (types only).
 */
export function defineRoute<const P extends string, const S extends object | undefined = undefined, Identity = unknown>(
  route: TypedRouteDefinition<P, S, Identity>,
): RouteDefinition {
  return route as RouteDefinition;
}
