import {
  type DialectOpenApi,
  type JsonSchema,
  type OpenApiEndpointContext,
  type OpenApiItemRoute,
  type OpenApiRequestVariant,
  payloadRequired,
} from '../dialect-openapi.js';

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
 * A query without a `sid` parameter: calls run in the batch's session, and the decoder refuses a
 * `sid` (400 BATCH_RULE_VIOLATION). It reads the query as URLSearchParams does, so a name is `sid`
 * however its letters are percent-encoded (`%73id`), with or without a value.
 */
const NO_SID = '(?!(?:[^&]*&)*(?:s|%73)(?:i|%69)(?:d|%64)(?:[=&]|$))';

/** The route that creates a batch's session, as `SessionsResource` registers it. */
function createsSession(route: OpenApiItemRoute): boolean {
  return route.method === 'POST' && route.template === '/Sessions';
}

/** One `{ReturnCode, ResponseContent}`: a fresh object each time, since documents are their callers' to change. */
function responseItem(): JsonSchema {
  return {
    type: 'object',
    required: ['ReturnCode', 'ResponseContent'],
    additionalProperties: false,
    properties: {
      ReturnCode: { type: 'string', pattern: '^[1-5][0-9]{2}$', description: 'The call\u2019s HTTP status, as a string' },
      ResponseContent: {
        description: 'The answer (200, 201), {StatusCode: 204, StatusDescription: null} (204), or the error body (4xx, 5xx)',
      },
    },
  };
}

/**
 * The Exago envelope in OpenAPI: an array of `{Url, Method, Payload}`, one variant per route
 * (`oneOf`), answered by an array of `{ReturnCode, ResponseContent}`. Methods are described in
 * any case, as the decoder reads them (the vendor writes upper case). When the API has POST
 * Sessions, the batch rules are in the schema (`allOf`): the first item is POST Sessions (`prefixItems`) and
 * no other is (`items`); a batch that may run in an existing session (`?sid=`) may start with any
 * call, yet still names POST Sessions nowhere else.
 */
export const exagoOpenApi: DialectOpenApi = {
  description:
    'A JSON array of calls {Url, Method, Payload}, run in order in a new session; the first call must be POST Sessions, ' +
    'and no other call may be (400 BATCH_RULE_VIOLATION). ' +
    'The answer holds one {ReturnCode, ResponseContent} per call, in the same order.',

  requestItem(route: OpenApiItemRoute): JsonSchema | undefined {
    // The decoder takes resource names that begin with a capital letter and these four methods only.
    if (!METHODS.has(route.method) || !/^\/[A-Z]/.test(route.template)) return undefined;
    const properties: JsonSchema = {
      Url: {
        type: 'string',
        pattern: `^${route.pathPattern}(?:\\?${NO_SID}.*)?$`,
        description: `${route.template.slice(1)} (the path after /rest/)`,
      },
      Method: anyCase(route.method),
    };
    const required = ['Url', 'Method'];
    if (route.method === 'POST' || route.method === 'PATCH') {
      // A call without one hands its handler `{}`, which this route's schema refuses (400 VALIDATION_FAILED).
      if (payloadRequired(route.schema)) {
        required.push('Payload');
        properties.Payload = route.payload ?? {};
      } else if (route.payload === undefined) properties.Payload = {};
      // A null Payload is none on every method (serializers that write null members send it).
      else properties.Payload = { anyOf: [route.payload, { type: 'null', description: 'No payload' }] };
    }
    // A null Payload is none on GET and DELETE (serializers that write null members send it).
    else properties.Payload = { type: 'null', description: 'No payload: a GET or DELETE may name it null' };
    return { type: 'object', required, additionalProperties: false, properties };
  },

  request(item: JsonSchema, context: OpenApiEndpointContext, variants: readonly OpenApiRequestVariant[]): JsonSchema {
    const create = variants.filter((v) => createsSession(v.route));
    if (create.length === 0) return { type: 'array', minItems: 1, maxItems: context.maxItems, items: item };
    const others = variants.filter((v) => !createsSession(v.route)).map((v) => v.schema);
    // `not: {}` matches nothing: a batch of POST Sessions alone, when no other route can be carried.
    const rest = others.length === 0 ? { not: {} } : { oneOf: others };
    const first = context.allowExistingSession && context.sessionParam !== undefined ? item : oneOrAll(create.map((v) => v.schema));
    // Under `allOf`, next to `items: item`: the same rule for validators, and generators that read
    // `prefixItems` as a whole tuple (openapi-typescript 7 drops `items` then) still see an array of items.
    return { type: 'array', minItems: 1, maxItems: context.maxItems, items: item, allOf: [{ prefixItems: [first], items: rest }] };
  },

  response(): JsonSchema {
    return { type: 'array', items: responseItem() };
  },

  responseItem,

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

function oneOrAll(schemas: readonly JsonSchema[]): JsonSchema {
  return schemas.length === 1 ? schemas[0]! : { oneOf: [...schemas] };
}
