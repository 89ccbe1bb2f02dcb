import type { JsonSchema } from '@restbatch/core';

/** The `info` of an OpenAPI document. */
export interface OpenApiInfo {
  title: string;
  version: string;
  summary?: string;
  description?: string;
  [extension: `x-${string}`]: unknown;
}

/** A server the document's paths are relative to. */
export interface OpenApiServer {
  url: string;
  description?: string;
}

/** A security requirement: scheme names to scopes. */
export type OpenApiSecurityRequirement = Record<string, string[]>;

/** One operation of a path. */
export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  parameters?: JsonSchema[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, JsonSchema>;
}

/** An OpenAPI 3.1 document, as {@link createOpenApiDocument} builds it. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: OpenApiInfo;
  servers?: OpenApiServer[];
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes?: Record<string, JsonSchema> };
  security?: OpenApiSecurityRequirement[];
}
