// Public API of @restbatch/openapi. What is not exported here is private.
export { createOpenApiDocument, type OpenApiOptions } from './create-openapi-document.js';
export type {
  OpenApiDocument,
  OpenApiInfo,
  OpenApiOperation,
  OpenApiSecurityRequirement,
  OpenApiServer,
} from './openapi-types.js';
