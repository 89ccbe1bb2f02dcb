import {
  BATCH_SUMMARY_SCHEMA,
  type DialectOpenApi,
  type JsonSchema,
  type OpenApiItemRoute,
  payloadRequired,
  requestsEnvelope,
  takesPayload,
} from '../dialect-openapi.js';
import { GUIDEWIRE_BATCH_SCHEMA } from './guidewire-batch-schema.js';

const HEADERS = GUIDEWIRE_BATCH_SCHEMA.definitions.subRequest.properties.headers;
const ANY_DATA = GUIDEWIRE_BATCH_SCHEMA.definitions.data;
/** The envelope's own rule for a `body` (the batch schema's, with its `data` inline). */
const ANY_BODY = {
  type: 'object',
  required: ['data'],
  additionalProperties: false,
  properties: { data: ANY_DATA, included: { type: 'object' } },
};

/**
 * The envelope's rule and the route's together: the server checks the envelope before the route's
 * schema, so a value the route's schema admits (a `$ref:` reference as the whole `data` or its
 * `attributes`) is still refused where the envelope wants an object.
 */
function both(envelope: unknown, route: unknown): unknown {
  return route === envelope ? envelope : { allOf: [envelope, route] };
}

/** The `data` part of a route's `{data: …}` payload schema, when it declares one. */
function dataOf(schema: JsonSchema | undefined): unknown {
  const properties = schema?.properties as Record<string, unknown> | undefined;
  return properties !== null && typeof properties === 'object' && properties.data !== undefined ? properties.data : ANY_DATA;
}

/** Whether the `{data}` a `data` item makes can satisfy the route's schema: an object schema that requires no member but `data`. */
function dataSuffices(schema: JsonSchema | undefined): boolean {
  const s = (schema ?? {}) as { type?: unknown; required?: unknown; minProperties?: unknown };
  if (s.type !== 'object') return false;
  const required = Array.isArray(s.required) ? (s.required as unknown[]) : [];
  return required.every((name) => name === 'data') && !(typeof s.minProperties === 'number' && s.minProperties > 1);
}

/** One `{status, headers, body}` of the answer (and one line of a streamed answer). */
function responseItem(): JsonSchema {
  return {
    type: 'object',
    required: ['status', 'headers'],
    properties: {
      status: { type: 'integer' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: { description: 'The answer, or the error body of a failed sub-request' },
    },
  };
}

/**
 * The Guidewire Cloud API envelope in OpenAPI: `{requests: [{method, path, query, data | body,
 * headers, onFail}]}`, one item variant per route (`oneOf`), answered by `{responses, summary}`.
 */
export const guidewireOpenApi: DialectOpenApi = {
  description:
    'A Guidewire Cloud API batch {requests: [{method, path, query, data | body, headers, onFail}]}, run in order; ' +
    'the answer holds {responses: [{status, headers, body}], summary}, the responses in request order.',

  requestItem(route: OpenApiItemRoute): JsonSchema {
    const properties: Record<string, unknown> = {
      method: { const: route.method.toLowerCase() },
      path: { type: 'string', pattern: `^/?${route.pathPattern}$`, description: route.template },
      query: GUIDEWIRE_BATCH_SCHEMA.definitions.subRequest.properties.query,
      headers: HEADERS,
      onFail: { type: 'string', enum: ['abort', 'ignore'] },
    };
    const item: JsonSchema = { type: 'object', required: ['method', 'path'], additionalProperties: false, properties };
    if (takesPayload(route.method)) {
      // The handler gets `body` as is, or `{data}` for a `data` item: each is held to the route's schema.
      properties.data = both(ANY_DATA, dataOf(route.schema));
      properties.body = route.payload === undefined ? ANY_BODY : both(ANY_BODY, route.payload);
      item.not = { required: ['data', 'body'] };
      // Without either the handler gets `{}`, which this route's schema refuses (400 VALIDATION_FAILED);
      // `data` alone can do only when the schema asks for no member but `data`.
      if (payloadRequired(route.schema)) {
        item.anyOf = dataSuffices(route.schema) ? [{ required: ['data'] }, { required: ['body'] }] : [{ required: ['body'] }];
      }
    }
    return item;
  },

  request: requestsEnvelope,

  responseItem,

  response() {
    return {
      type: 'object',
      required: ['responses', 'summary'],
      properties: {
        responses: {
          type: 'array',
          items: responseItem(),
        },
        summary: BATCH_SUMMARY_SCHEMA,
      },
    };
  },

  error() {
    return {
      type: 'object',
      required: ['status', 'errorCode', 'userMessage', 'developerMessage', 'details'],
      properties: {
        status: { type: 'integer' },
        errorCode: { type: 'string', description: 'A restbatch error code (docs/errors.md)' },
        userMessage: { type: 'string' },
        developerMessage: { type: 'string' },
        details: { type: 'array' },
        correlationId: { type: 'string' },
      },
    };
  },
};
