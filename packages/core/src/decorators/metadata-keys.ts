import type { HttpMethod } from '../model/http-method.js';
import type { RouteDocs, SessionRequirement } from '../resource/resource-handler.js';

/** Where `@Resource` records its options on a class. */
export const RESOURCE_METADATA = Symbol.for('restbatch.resource');
/** Where route decorators record their routes on a class. */
export const ROUTES_METADATA = Symbol.for('restbatch.routes');

/** Options of `@Resource`. */
export interface ResourceOptions {
  session?: SessionRequirement;
  batchable?: boolean;
  /** `engine` (default): one instance per engine; `batch`: one per batch or call. */
  lifetime?: 'engine' | 'batch';
}

/** What `@Resource` records. */
export interface ResourceRecord extends ResourceOptions {
  name: string;
}

/** Options of the route decorators; the {@link RouteDocs} fields only describe the route. */
export interface RouteOptions extends RouteDocs {
  schema?: object;
  status?: number;
  batchable?: boolean;
  /** Overrides the resource's session requirement for this route. */
  session?: SessionRequirement;
}

/** What one route decorator records. */
export interface RouteRecord extends RouteOptions {
  method: HttpMethod;
  path: string;
  propertyKey: string | symbol;
}
