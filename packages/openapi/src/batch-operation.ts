import {
  type ApiDescription,
  bodyMediaTypes,
  type BatchEndpointDescription,
  type JsonSchema,
  type OpenApiEndpointContext,
  SUMMARY_HEADER,
} from '@restbatch/core';
import { type BuildContext, errorResponse, operationId } from './build-context.js';
import type { OpenApiOperation } from './openapi-types.js';
import { pathPattern, routeLabel, toTemplate } from './path-template.js';
import { payloadRef } from './route-operation.js';

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
 * The request item schema of a batch endpoint: one variant per batchable route its dialect can
 * carry, each with the route's payload schema (`oneOf`: the path patterns keep them exclusive).
 */
function itemSchema(context: BuildContext, api: ApiDescription, endpoint: BatchEndpointDescription): JsonSchema {
  const describe = endpoint.dialect.openapi!;
  const batchable = api.routes.filter((r) => r.batchable);
  const variants: JsonSchema[] = [];
  for (const route of batchable) {
    const item = describe.requestItem({
      method: route.method,
      template: toTemplate(route.pattern),
      pathPattern: pathPattern(route, batchable),
      payload: payloadRef(context, route),
      schema: route.schema as JsonSchema | undefined,
      base: api.base,
    });
    const hint = `${endpoint.dialect.name}.${routeLabel(route.pattern)}.${route.method}.item`;
    if (item !== undefined) variants.push(context.registry.ref(item, hint));
  }
  // No route can appear: a batch can hold no item (`not: {}` matches nothing).
  return variants.length === 0 ? { not: {} } : { oneOf: variants };
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
  const request =
    describe === undefined
      ? {}
      : registry.ref(describe.request(itemSchema(context, api, endpoint), endpointContext), `${dialect.name}.request`);
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
        headers: { [SUMMARY_HEADER]: SUMMARY },
        content: { 'application/json': { schema: response } },
      },
      default: errorResponse(context, { ...api, errors: dialect }),
    },
  };
  const parameters = describe?.parameters?.(endpointContext) ?? [];
  if (parameters.length > 0) operation.parameters = parameters;
  return operation;
}
