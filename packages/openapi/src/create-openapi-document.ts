import type { Engine, JsonSchema } from '@restbatch/core';
import { batchOperation } from './batch-operation.js';
import type { BuildContext } from './build-context.js';
import type { OpenApiDocument, OpenApiInfo, OpenApiOperation, OpenApiSecurityRequirement, OpenApiServer } from './openapi-types.js';
import { toTemplate } from './path-template.js';
import { routeOperation } from './route-operation.js';
import { SchemaRegistry } from './schema-registry.js';

/** Options of {@link createOpenApiDocument}. */
export interface OpenApiOptions {
  info: OpenApiInfo;
  /** Where the API is served (default: the document's own origin). */
  servers?: OpenApiServer[];
  /** Only the APIs at these bases (default: every API of the engine). */
  bases?: readonly string[];
  /**
   * Security schemes the app's `authenticate` hook accepts, by name (OpenAPI Security Scheme
   * Objects): the engine cannot see inside the hook, so the app declares them.
   */
  securitySchemes?: Record<string, JsonSchema>;
  /** Requirements applied to every operation (default: each scheme alone, when schemes are given). */
  security?: OpenApiSecurityRequirement[];
}

/**
 * An OpenAPI 3.1 document of an engine's APIs: every ordinary route with its path parameters,
 * payload schema as declared and responses, and every batch endpoint in its dialect's envelope
 * (item variants per route, limits, the summary header). Schemas are deduplicated into
 * `components.schemas`. Built fresh on each call; nothing in it is shared with the engine.
 */
export function createOpenApiDocument(engine: Engine, options: OpenApiOptions): OpenApiDocument {
  const context: BuildContext = { registry: new SchemaRegistry(), operationIds: new Set() };
  const paths: OpenApiDocument['paths'] = {};
  const add = (path: string, method: string, operation: OpenApiOperation) => {
    paths[path] ??= {};
    paths[path][method] = operation;
  };
  const apis = engine.routes().filter((api) => options.bases === undefined || options.bases.includes(api.base));
  for (const api of apis) {
    for (const route of api.routes) add(toTemplate(route.path), route.method.toLowerCase(), routeOperation(context, api, route));
    for (const endpoint of api.batch) add(endpoint.path, 'post', batchOperation(context, api, endpoint));
  }
  const document: OpenApiDocument = { openapi: '3.1.0', info: options.info, paths, components: { schemas: context.registry.schemas } };
  if (options.servers !== undefined) document.servers = options.servers;
  if (options.securitySchemes !== undefined) {
    document.components.securitySchemes = options.securitySchemes;
    document.security = options.security ?? Object.keys(options.securitySchemes).map((name) => ({ [name]: [] }));
  } else if (options.security !== undefined) {
    document.security = options.security;
  }
  // A plain copy: the caller may change it, and the options' objects stay the caller's own.
  return JSON.parse(JSON.stringify(document)) as OpenApiDocument;
}
