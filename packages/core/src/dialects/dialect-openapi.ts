import type { HttpMethod } from '../model/http-method.js';

/** A JSON Schema (2020-12, as OpenAPI 3.1 reads it), as plain data. */
export type JsonSchema = Record<string, unknown>;

/** A route that may appear in a batch, as a dialect's description of its envelope sees it. */
export interface OpenApiItemRoute {
  readonly method: HttpMethod;
  /** The route's path below the API base as a template: `/Roles/{id}`. */
  readonly template: string;
  /**
   * A regular expression (ECMA-262, no anchors) for the paths that reach this route, below the
   * API base and without the leading `/`: `Roles/(?:…)+`. The dialect adds its own anchors,
   * leading slash and query part.
   */
  readonly pathPattern: string;
  /**
   * The schema of a batch item's payload as the document names it (usually a `$ref`): the route's,
   * where the payload and each value in it may also be a whole-value reference (`"$ref:0/body/Id"`);
   * undefined when the route declares none.
   */
  readonly payload: JsonSchema | undefined;
  /**
   * The route's payload schema with references admitted below its root (the root's own keywords,
   * `type` and `required`, as declared), for dialects that carry a part of it or ask what it requires.
   */
  readonly schema: JsonSchema | undefined;
  /** The API's base path (`/rest/claim/v1`), for dialects whose items may name a route with it; undefined when not known. */
  readonly base?: string;
}

/** One request item variant: a route the envelope can carry and the schema of its items (as the document names it). */
export interface OpenApiRequestVariant {
  readonly route: OpenApiItemRoute;
  readonly schema: JsonSchema;
}

/** What a batch endpoint adds to its dialect's description. */
export interface OpenApiEndpointContext {
  /** Most items of one batch (the endpoint's limit and the engine's, whichever is lower). */
  readonly maxItems: number;
  /** The API's session query parameter; undefined for APIs without sessions. */
  readonly sessionParam: string | undefined;
  /** Whether a batch may run in an existing session named by `sessionParam`. */
  readonly allowExistingSession: boolean;
}

/**
 * How a dialect describes its envelope in an OpenAPI document (`@restbatch/openapi` reads it).
 * Pure data builders: every schema returned is JSON Schema 2020-12, every parameter an OpenAPI
 * 3.1 Parameter Object.
 */
export interface DialectOpenApi {
  /**
   * The schema of one request item that names `route`, with the route's payload schema in place;
   * undefined when the envelope cannot carry the route (a method it has no word for).
   */
  requestItem(route: OpenApiItemRoute): JsonSchema | undefined;
  /**
   * The request body around `item` (the schema every item matches), at most `maxItems` items.
   * `variants` are the alternatives of `item`, route by route, for envelopes whose rules tie a
   * route to a position (Exago's first call).
   */
  request(item: JsonSchema, context: OpenApiEndpointContext, variants: readonly OpenApiRequestVariant[]): JsonSchema;
  /** The body of a batch's answer (200). */
  response(): JsonSchema;
  /**
   * One sub-response as the answer carries it, which is also one line of a streamed
   * (`application/x-ndjson`) answer; undefined when the dialect's answer cannot be streamed.
   */
  responseItem?(): JsonSchema;
  /** The dialect's error body, for rejected batches and for ordinary calls of its API. */
  error(): JsonSchema;
  /** Query parameters and headers the batch endpoint reads. */
  parameters?(context: OpenApiEndpointContext): JsonSchema[];
  /** One paragraph on the envelope, for the batch operation's description. */
  readonly description?: string;
}

/** A batch's summary, as every dialect that carries one spells it. */
export const BATCH_SUMMARY_SCHEMA: JsonSchema = Object.freeze({
  type: 'object',
  required: ['succeeded', 'failed', 'skipped'],
  properties: {
    succeeded: { type: 'integer', minimum: 0 },
    failed: { type: 'integer', minimum: 0 },
    skipped: { type: 'integer', minimum: 0 },
  },
});

/** Whether a method carries a payload (POST, PUT, PATCH). */
export function takesPayload(method: HttpMethod): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/**
 * Whether a call of a route with this payload schema must carry a payload. The engine takes a
 * missing payload of an object schema as `{}` (compileSchema): it may be left out only when `{}`
 * is valid as far as the schema's own keywords tell (no `required`, no `minProperties`); a route
 * without a schema takes any payload or none. The ordinary operation's `requestBody.required` and
 * each dialect's batch item say the same.
 */
export function payloadRequired(schema: JsonSchema | undefined): boolean {
  if (schema === undefined) return false;
  const s = schema as { type?: unknown; required?: unknown; minProperties?: unknown };
  if (s.type !== 'object') return true;
  if (Array.isArray(s.required) && s.required.length > 0) return true;
  return typeof s.minProperties === 'number' && s.minProperties > 0;
}

/**
 * A `{"requests": [...]}` envelope (Guidewire's): at least one item (an empty batch is refused
 * with `BATCH_EMPTY`), at most `maxItems`. OData's has its own, which admits an empty one.
 */
export function requestsEnvelope(item: JsonSchema, context: OpenApiEndpointContext): JsonSchema {
  return {
    type: 'object',
    required: ['requests'],
    additionalProperties: false,
    properties: { requests: { type: 'array', minItems: 1, maxItems: context.maxItems, items: item } },
  };
}
