import type { DialectOpenApi, JsonSchema, OpenApiEndpointContext, OpenApiItemRoute } from '../dialect-openapi.js';

const METHODS = new Set(['POST', 'PATCH', 'GET', 'DELETE']);

/**
 * `Method` as the decoder takes it: the method's name in any case (`POST`, `post`, `Post`). A
 * pattern, not an enum: every mix of cases is read, and ECMA-262 patterns have no `i` flag.
 */
function anyCase(method: string): JsonSchema {
  const letters = [...method].map((c) => `[${c}${c.toLowerCase()}]`).join('');
  return { type: 'string', pattern: `^${letters}$`, description: `${method}, in any case`, examples: [method] };
}

/**
 * The Exago envelope in OpenAPI: an array of `{Url, Method, Payload}`, one variant per route
 * (`oneOf`), answered by an array of `{ReturnCode, ResponseContent}`. Methods are described in
 * any case, as the decoder reads them (the vendor writes upper case).
 */
export const exagoOpenApi: DialectOpenApi = {
  description:
    'A JSON array of calls {Url, Method, Payload}, run in order in a new session; the first call must be POST Sessions. ' +
    'The answer holds one {ReturnCode, ResponseContent} per call, in the same order.',

  requestItem(route: OpenApiItemRoute): JsonSchema | undefined {
    // The decoder takes resource names that begin with a capital letter and these four methods only.
    if (!METHODS.has(route.method) || !/^\/[A-Z]/.test(route.template)) return undefined;
    const properties: JsonSchema = {
      Url: {
        type: 'string',
        pattern: `^${route.pathPattern}(?:\\?.*)?$`,
        description: `${route.template.slice(1)} (the path after /rest/)`,
      },
      Method: anyCase(route.method),
    };
    if (route.method === 'POST' || route.method === 'PATCH') properties.Payload = route.payload ?? {};
    // A null Payload is none on GET and DELETE (serializers that write null members send it).
    else properties.Payload = { type: 'null', description: 'No payload: a GET or DELETE may name it null' };
    return { type: 'object', required: ['Url', 'Method'], additionalProperties: false, properties };
  },

  request(item: JsonSchema, context: OpenApiEndpointContext): JsonSchema {
    return { type: 'array', minItems: 1, maxItems: context.maxItems, items: item };
  },

  response(): JsonSchema {
    return {
      type: 'array',
      items: {
        type: 'object',
        required: ['ReturnCode', 'ResponseContent'],
        additionalProperties: false,
        properties: {
          ReturnCode: { type: 'string', pattern: '^[1-5][0-9]{2}$', description: 'The call\u2019s HTTP status, as a string' },
          ResponseContent: {
            description: 'The answer (200, 201), {StatusCode: 204, StatusDescription: null} (204), or the error body (4xx, 5xx)',
          },
        },
      },
    };
  },

  error(): JsonSchema {
    return {
      type: 'object',
      required: ['reason', 'stacktrace', 'code'],
      properties: {
        reason: { type: 'string' },
        stacktrace: { type: ['string', 'null'] },
        code: { type: 'string', description: 'A restbatch error code (docs/errors.md)' },
        details: {},
        correlationId: { type: 'string' },
      },
    };
  },

  parameters(context: OpenApiEndpointContext): JsonSchema[] {
    const parameters: JsonSchema[] = [
      {
        name: 'config',
        in: 'query',
        description: 'The configuration the batch\u2019s session is created with',
        schema: { type: 'string' },
      },
      {
        name: 'onFail',
        in: 'query',
        description: 'Failure policy (restbatch extension; default continue)',
        schema: { type: 'string', enum: ['continue', 'stop', 'atomic'] },
      },
    ];
    if (context.allowExistingSession && context.sessionParam !== undefined) {
      parameters.push({
        name: context.sessionParam,
        in: 'query',
        description: 'Runs the batch in this existing session instead of a new one',
        schema: { type: 'string' },
      });
    }
    return parameters;
  },
};
