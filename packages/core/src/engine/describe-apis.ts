import type { Dialect } from '../dialects/dialect.js';
import type { HttpMethod } from '../model/http-method.js';
import type { RouteDocs, SessionRequirement } from '../resource/resource-handler.js';
import type { CompiledApi } from './compiled-api.js';
import type { ErrorEncoder } from '../errors/error-encoder.js';

/** One route of an API, as `engine.routes()` lists it. */
export interface RouteDescription extends Readonly<RouteDocs> {
  readonly resource: string;
  readonly method: HttpMethod;
  /** The full path with `:name` parameters: `/rest/Roles/:id`. */
  readonly path: string;
  /** The path below the API base: `/Roles/:id`. */
  readonly pattern: string;
  /** The path parameters' names, in order. */
  readonly params: readonly string[];
  /** The payload's JSON Schema as declared. */
  readonly schema: object | undefined;
  /** The declared status of a successful answer (undefined: POST 201, a value 200, no value 204). */
  readonly status: number | undefined;
  readonly batchable: boolean;
  readonly session: SessionRequirement;
}

/** One batch endpoint, as `engine.routes()` lists it. */
export interface BatchEndpointDescription {
  /** The full path: `/rest/batch`. */
  readonly path: string;
  /** The dialect it speaks (`dialect.name`; `dialect.openapi` describes its envelope). */
  readonly dialect: Dialect;
  /** Most sub-requests of one batch: the endpoint's limit and the engine's, whichever is lower. */
  readonly maxSubRequests: number;
  readonly allowExistingSession: boolean;
  readonly anyContentType: boolean;
  readonly singleQuotedJson: boolean;
}

/** One API of an engine, as `engine.routes()` lists it. */
export interface ApiDescription {
  readonly base: string;
  /** The query parameter naming the session of ordinary calls; undefined for APIs without sessions. */
  readonly sessionParam: string | undefined;
  /** The dialect whose error body ordinary calls answer with. */
  readonly errors: ErrorEncoder;
  readonly routes: readonly RouteDescription[];
  readonly batch: readonly BatchEndpointDescription[];
}

/** Describes compiled APIs, shortest base first; nothing returned shares state the engine changes. */
export function describeApis(apis: readonly CompiledApi[], maxSubRequests: number): ApiDescription[] {
  return [...apis]
    .sort((a, b) => a.base.length - b.base.length)
    .map((api) => ({
      base: api.base,
      sessionParam: api.sessionParam,
      errors: api.errors,
      routes: api.routes.routes.map(
        (route): RouteDescription => ({
          ...route.docs,
          resource: route.resource,
          method: route.method,
          path: `${api.base}${route.pattern}`,
          pattern: route.pattern,
          params: route.pattern
            .split('/')
            .filter((s) => s.startsWith(':'))
            .map((s) => s.slice(1)),
          schema: route.schema,
          status: route.status,
          batchable: route.batchable,
          session: route.session,
        }),
      ),
      batch: [...api.endpoints.values()].map((ep) => ({
        path: `${api.base}${ep.path}`,
        dialect: ep.dialect,
        maxSubRequests: Math.min(ep.maxSubRequests, maxSubRequests),
        allowExistingSession: ep.allowExistingSession,
        anyContentType: ep.anyContentType,
        singleQuotedJson: ep.singleQuotedJson,
      })),
    }));
}
