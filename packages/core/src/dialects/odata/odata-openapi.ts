import { SYSTEM_RESOURCES } from '../../model/system-resources.js';
import { HTTP_METHODS, type HttpMethod } from '../../model/http-method.js';
import {
  BATCH_SUMMARY_SCHEMA,
  type DialectOpenApi,
  type JsonSchema,
  type OpenApiEndpointContext,
  type OpenApiItemRoute,
  payloadRequired,
  takesPayload,
} from '../dialect-openapi.js';

const HEADERS = { type: 'object', additionalProperties: { type: 'string' } };
const DEPENDS_ON = { type: 'array', items: { type: 'string' } };
// OData 4.01 §19.1: a condition such as `$1/$succeeded` or `not $1/$succeeded`.
const CONDITION = { type: 'string', minLength: 1 };
// §19.1: a first segment `$<id>` is the entity a preceding request returned, unless it names a system resource.
const SYSTEM_NAMES = [...SYSTEM_RESOURCES].map((name) => name.slice(1)).join('|');
const ID_PREFIXED_URL = `^\\$(?!(?:${SYSTEM_NAMES})(?:[/?]|$))[^/?{}$]+(?:[/?].*)?$`;

/** `text` as a regular expression that matches it literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `method` as the spec writes it (`get`, §19.1) and as Graph does (`GET`). The decoder takes any
 * case ("These literals are case-insensitive"); an enum keeps the generated types literal.
 */
function spellings(method: HttpMethod): JsonSchema {
  return { enum: [method, method.toLowerCase()] };
}

/** One `{id, status, headers, body}` of the answer (and one line of a streamed answer). */
function responseItem(): JsonSchema {
  return {
    type: 'object',
    required: ['id', 'status', 'headers'],
    properties: { id: { type: 'string' }, status: { type: 'integer' }, headers: HEADERS, body: {} },
  };
}

/**
 * The OData JSON batch envelope in OpenAPI: `{requests: [{id, method, url, headers, body,
 * dependsOn, atomicityGroup, if}]}` plus instance annotations (`@Core.Description`), one item
 * variant per route (`oneOf`) or a `$<id>`-prefixed URL, answered by `{"@restbatch.summary",
 * responses}`. Methods are upper or lower case (the decoder takes any case); URLs are relative,
 * absolute paths under the API base, or absolute URIs, as the decoder reads them.
 */
export const odataOpenApi: DialectOpenApi = {
  description:
    'An OData 4.01 JSON batch {requests: [{id, method, url, headers, body, dependsOn, atomicityGroup, if}]}; ' +
    'every request is processed according to its dependencies unless Prefer: continue-on-error=false, which stops the batch at the first failure. ' +
    'The answer holds the responses in request order.',

  requestItem(route: OpenApiItemRoute): JsonSchema {
    // Relative (`claims/cc:22`), absolute (`/claims/cc:22`), under the base (`/rest/claim/v1/claims/cc:22`)
    // or an absolute URI (`http://host/rest/claim/v1/claims/cc:22`), as `odataAddress` reads them.
    const base = route.base === undefined || route.base === '' ? '' : `(?:(?:https?://[^/?#]+)?${literal(route.base)})?`;
    const properties: Record<string, unknown> = {
      id: { type: 'string', minLength: 1 },
      method: spellings(route.method),
      url: { type: 'string', pattern: `^(?:${base}/)?${route.pathPattern}(?:\\?.*)?$`, description: route.template },
      headers: HEADERS,
      dependsOn: DEPENDS_ON,
      atomicityGroup: { type: 'string', minLength: 1 },
      if: CONDITION,
    };
    const required = ['id', 'method', 'url'];
    if (takesPayload(route.method)) {
      properties.body = route.payload ?? {};
      // Without a body the handler gets `{}`, which this route's schema refuses (400 VALIDATION_FAILED).
      if (payloadRequired(route.schema)) required.push('body');
    }
    return { type: 'object', required, additionalProperties: false, properties };
  },

  request(item: JsonSchema, context: OpenApiEndpointContext): JsonSchema {
    // An item whose URL starts with `$<id>` names whatever that request returned: no route can be told.
    const idPrefixed = {
      type: 'object',
      required: ['id', 'method', 'url'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', minLength: 1 },
        method: { enum: HTTP_METHODS.flatMap((m) => [m, m.toLowerCase()]) },
        url: { type: 'string', pattern: ID_PREFIXED_URL },
        headers: HEADERS,
        body: {},
        dependsOn: DEPENDS_ON,
        atomicityGroup: { type: 'string', minLength: 1 },
        if: CONDITION,
      },
    };
    return {
      type: 'object',
      required: ['requests'],
      additionalProperties: false,
      // §19.1: the batch "MAY contain annotations"; the decoder ignores them.
      patternProperties: { '^@': {} },
      // No minItems: an empty batch is answered 200 with no responses (Protocol §11.7), unlike Guidewire's.
      properties: { requests: { type: 'array', maxItems: context.maxItems, items: { anyOf: [item, idPrefixed] } } },
    };
  },

  responseItem,

  response() {
    return {
      type: 'object',
      required: ['@restbatch.summary', 'responses'],
      properties: {
        '@restbatch.summary': BATCH_SUMMARY_SCHEMA,
        responses: {
          type: 'array',
          items: responseItem(),
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
            details: {
              type: 'array',
              items: {
                type: 'object',
                required: ['code', 'message'],
                properties: { code: { type: 'string' }, message: { type: 'string' }, target: { type: 'string' } },
              },
            },
            innererror: {
              type: 'object',
              properties: { correlationId: { type: 'string' }, stacktrace: { type: 'string' }, details: { type: 'array' } },
            },
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
        description:
          'continue-on-error=false stops the batch at the first failure; without it (or with continue-on-error, =true) every request is processed according to its dependencies (OData JSON 4.01 §19.4)',
        schema: { type: 'string' },
      },
    ];
  },
};
