import {
  type ApiDescription,
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
  const notes = [
    describe?.description,
    `At most ${endpoint.maxSubRequests} sub-requests.`,
    endpoint.singleQuotedJson ? 'Single-quoted JSON strings are accepted.' : undefined,
    endpoint.anyContentType ? 'The body is read as JSON whatever its Content-Type.' : undefined,
  ];
  const operation: OpenApiOperation = {
    operationId: operationId(context, 'batch', endpoint.path, dialect.name),
    summary: `Runs a batch (${dialect.name})`,
    description: notes.filter((s) => s !== undefined).join(' '),
    tags: ['batch'],
    requestBody: { required: true, content: { 'application/json': { schema: request } } },
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
