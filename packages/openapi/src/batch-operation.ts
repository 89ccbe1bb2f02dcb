import {
  type ApiDescription,
  BATCH_SUMMARY_SCHEMA,
  bodyMediaTypes,
  type BatchEndpointDescription,
  type JsonSchema,
  type OpenApiEndpointContext,
  type OpenApiRequestVariant,
  SUMMARY_HEADER,
} from '@restbatch/core';
import { type BuildContext, errorResponse, operationId } from './build-context.js';
import type { OpenApiOperation } from './openapi-types.js';
import { pathPattern, routeLabel, toTemplate } from './path-template.js';
import { batchRequestHeaders, idempotencyResponseHeaders } from './batch-headers.js';
import { admitReferences, inPayload, payloadSchema, relocate } from './admit-references.js';
import { toPrefixItems } from './prefix-items.js';

const SUMMARY = {
  description: 'The batch\u2019s summary',
  schema: { type: 'string', pattern: '^succeeded=[0-9]+, failed=[0-9]+, skipped=[0-9]+$' },
};

/**
 * What the operation says of the Content-Type, from the list the engine's own check is built on:
 * the first type is JSON, which also covers `+json` types and a body without a Content-Type.
 */
function mediaTypeNote(types: readonly string[]): string {
  const others = types.slice(1);
  const also = others.length === 0 ? '' : `; also ${others.join(', ')}, whose body is read as JSON text all the same`;
  return (
    `Content-Type: ${types[0]} (or another application/*+json type, or none)${also}; ` +
    'any other type is refused (415 UNSUPPORTED_MEDIA_TYPE).'
  );
}

/**
 * The request item variants of a batch endpoint: one per batchable route its dialect can carry,
 * each with the route's payload schema, where any value may also be a whole-value reference.
 */
function itemVariants(context: BuildContext, api: ApiDescription, endpoint: BatchEndpointDescription): OpenApiRequestVariant[] {
  const describe = endpoint.dialect.openapi!;
  const batchable = api.routes.filter((r) => r.batchable);
  const variants: OpenApiRequestVariant[] = [];
  for (const route of batchable) {
    // An item's payload may hold whole-value references where the ordinary call's may not.
    // In 2020-12 first (the registry's form), so pointers made absolute below follow `prefixItems`.
    let payload: JsonSchema | undefined;
    let schema: JsonSchema | undefined;
    if (route.schema !== undefined) {
      const admitted = admitReferences(toPrefixItems(route.schema));
      const hint = `${routeLabel(route.pattern)}.${route.method}.batchPayload`;
      payload = context.registry.ref(payloadSchema(admitted) as object, hint);
      // The dialect may copy parts of the schema into its item's component: pointers made absolute resolve there too.
      schema = relocate(admitted, payload.$ref as string, inPayload(admitted)) as JsonSchema;
    }
    const itemRoute = {
      method: route.method,
      template: toTemplate(route.pattern),
      pathPattern: pathPattern(route, batchable),
      payload,
      schema,
      base: api.base,
    };
    const item = describe.requestItem(itemRoute);
    const itemHint = `${endpoint.dialect.name}.${routeLabel(route.pattern)}.${route.method}.item`;
    if (item !== undefined) variants.push({ route: itemRoute, schema: context.registry.ref(item, itemHint) });
  }
  return variants;
}

/** The schema every item matches (`oneOf`: the path patterns keep the variants exclusive). */
function itemSchema(variants: readonly OpenApiRequestVariant[]): JsonSchema {
  // No route can appear: a batch can hold no item (`not: {}` matches nothing).
  return variants.length === 0 ? { not: {} } : { oneOf: variants.map((v) => v.schema) };
}

/**
 * One line of a streamed answer (`Accept: application/x-ndjson`): a sub-response in the dialect's
 * item shape, then a last line `{summary}`, or `{error, status}` when the batch failed after lines
 * were sent (packages/http, "Streaming results").
 */
function ndjsonLine(item: JsonSchema, error: JsonSchema): JsonSchema {
  return {
    description:
      'One line of the stream: one line per sub-response, in the order they became final, then a last line ' +
      '{"summary": {succeeded, failed, skipped}}, or {"error", "status"} when the batch failed after lines were sent',
    anyOf: [
      item,
      { type: 'object', required: ['summary'], additionalProperties: false, properties: { summary: BATCH_SUMMARY_SCHEMA } },
      {
        type: 'object',
        required: ['error', 'status'],
        additionalProperties: false,
        properties: { error: error, status: { type: 'integer', minimum: 400, maximum: 599 } },
      },
    ],
  };
}

/** The operation of a batch endpoint, in its dialect's envelope (a generic one when the dialect has no description). */
export function batchOperation(context: BuildContext, api: ApiDescription, endpoint: BatchEndpointDescription): OpenApiOperation {
  const dialect = endpoint.dialect;
  const describe = dialect.openapi;
  const endpointContext: OpenApiEndpointContext = {
    maxItems: endpoint.maxSubRequests,
    sessionParam: api.sessionParam,
    allowExistingSession: endpoint.allowExistingSession,
  };
  const { registry } = context;
  const variants = describe === undefined ? [] : itemVariants(context, api, endpoint);
  const request =
    describe === undefined
      ? {}
      : registry.ref(describe.request(itemSchema(variants), endpointContext, variants), `${dialect.name}.request`);
  const response = describe === undefined ? {} : registry.ref(describe.response(), `${dialect.name}.response`);
  const types = bodyMediaTypes(endpoint);
  const notes = [
    describe?.description,
    `At most ${endpoint.maxSubRequests} sub-requests.`,
    endpoint.singleQuotedJson ? 'Single-quoted JSON strings are accepted.' : undefined,
    mediaTypeNote(types),
  ];
  const content: Record<string, { schema: JsonSchema }> = {};
  // The same schema under every type: each is read as JSON text.
  for (const type of types) content[type] = { schema: request };
  const operation: OpenApiOperation = {
    operationId: operationId(context, 'batch', endpoint.path, dialect.name),
    summary: `Runs a batch (${dialect.name})`,
    description: notes.filter((s) => s !== undefined).join(' '),
    tags: ['batch'],
    requestBody: { required: true, content },
    responses: {
      '200': {
        description: 'The batch ran: one result per sub-request, in order',
        headers: { [SUMMARY_HEADER]: SUMMARY, ...idempotencyResponseHeaders() },
        content: answerContent(context, dialect.name, response, describe?.responseItem?.(), describe?.error()),
      },
      // A refusal kept under an Idempotency-Key is replayed with its headers too.
      default: { ...errorResponse(context, { ...api, errors: dialect }), headers: idempotencyResponseHeaders() },
    },
  };
  // The dialect's own, then the engine's on every batch endpoint.
  operation.parameters = [...(describe?.parameters?.(endpointContext) ?? []), ...batchRequestHeaders()];
  return operation;
}

/** The 200 answer's media types: JSON, and NDJSON (`Accept: application/x-ndjson`) when the dialect describes its items. */
function answerContent(
  context: BuildContext,
  dialect: string,
  response: JsonSchema,
  item: JsonSchema | undefined,
  error: JsonSchema | undefined,
): Record<string, { schema: JsonSchema }> {
  const content: Record<string, { schema: JsonSchema }> = { 'application/json': { schema: response } };
  if (item === undefined) return content;
  const { registry } = context;
  const line = ndjsonLine(registry.ref(item, `${dialect}.responseItem`), registry.ref(error ?? {}, `${dialect}.error`));
  content['application/x-ndjson'] = { schema: registry.ref(line, `${dialect}.ndjsonLine`) };
  return content;
}
