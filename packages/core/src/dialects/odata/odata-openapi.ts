import {
  BATCH_SUMMARY_SCHEMA,
  type DialectOpenApi,
  type JsonSchema,
  type OpenApiItemRoute,
  requestsEnvelope,
  takesPayload,
} from '../dialect-openapi.js';

const HEADERS = { type: 'object', additionalProperties: { type: 'string' } };

/**
 * The OData JSON batch envelope in OpenAPI: `{requests: [{id, method, url, headers, body,
 * dependsOn, atomicityGroup}]}`, one item variant per route (`oneOf`), answered by
 * `{"@restbatch.summary", responses}`. Methods are described in upper case (the decoder takes any).
 */
export const odataOpenApi: DialectOpenApi = {
  description:
    'An OData 4.01 JSON batch {requests: [{id, method, url, headers, body, dependsOn, atomicityGroup}]}; ' +
    'without Prefer: continue-on-error the batch stops at the first failure. The answer holds the responses in request order.',

  requestItem(route: OpenApiItemRoute): JsonSchema {
    const properties: Record<string, unknown> = {
      id: { type: 'string', minLength: 1 },
      method: { const: route.method },
      url: { type: 'string', pattern: `^/?${route.pathPattern}(?:\\?.*)?$`, description: route.template },
      headers: HEADERS,
      dependsOn: { type: 'array', items: { type: 'string' } },
      atomicityGroup: { type: 'string', minLength: 1 },
      // OData 4.01 §19.1: a condition such as `$1/$succeeded` or `not $1/$succeeded`.
      if: { type: 'string', minLength: 1 },
    };
    if (takesPayload(route.method)) properties.body = route.payload ?? {};
    return { type: 'object', required: ['id', 'method', 'url'], additionalProperties: false, properties };
  },

  request: requestsEnvelope,

  response() {
    return {
      type: 'object',
      required: ['@restbatch.summary', 'responses'],
      properties: {
        '@restbatch.summary': BATCH_SUMMARY_SCHEMA,
        responses: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'status', 'headers'],
            properties: { id: { type: 'string' }, status: { type: 'integer' }, headers: HEADERS, body: {} },
          },
        },
      },
    };
  },

  error() {
    return {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', description: 'A restbatch error code (docs/errors.md)' },
            message: { type: 'string' },
            details: { type: 'array' },
            innererror: { type: 'object', properties: { correlationId: { type: 'string' }, stacktrace: { type: 'string' } } },
          },
        },
      },
    };
  },

  parameters() {
    return [
      {
        name: 'Prefer',
        in: 'header',
        description: 'continue-on-error runs every request whatever fails; without it the batch stops at the first failure',
        schema: { type: 'string' },
      },
    ];
  },
};
