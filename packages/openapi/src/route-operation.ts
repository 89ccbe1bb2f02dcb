import {
  type ApiDescription,
  type JsonSchema,
  payloadRequired,
  type RouteDescription,
  type RouteHeaderDoc,
  type RouteQueryDoc,
  takesPayload,
} from '@restbatch/core';
import { type BuildContext, errorResponse, operationId } from './build-context.js';
import type { OpenApiOperation } from './openapi-types.js';
import { routeLabel } from './path-template.js';

const NO_CONTENT = { description: 'No content' };

function json(description: string, schema: JsonSchema): JsonSchema {
  return { description, content: { 'application/json': { schema } } };
}

/** The success responses: the declared status, else 201 for POST and 200 for others, plus 204 when nothing says otherwise. */
function successResponses(route: RouteDescription, response: JsonSchema | undefined): Record<string, JsonSchema> {
  if (route.status === 204) return { '204': NO_CONTENT };
  const status = String(route.status ?? (route.method === 'POST' ? 201 : 200));
  if (route.status !== undefined || response !== undefined) return { [status]: json('Success', response ?? {}) };
  return { [status]: json('Success, when the handler answers a value', {}), '204': { description: 'Success, when it answers nothing' } };
}

function parameters(route: RouteDescription, api: ApiDescription): JsonSchema[] {
  const list: JsonSchema[] = route.params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } }));
  if (api.sessionParam !== undefined && route.session !== 'none') {
    list.push({
      name: api.sessionParam,
      in: 'query',
      required: route.session === 'required',
      description: 'The session the call runs in',
      schema: { type: 'string' },
    });
  }
  for (const [name, doc] of Object.entries(route.query ?? {})) list.push(documented(name, 'query', doc));
  for (const [name, doc] of Object.entries(route.headers ?? {})) list.push(documented(name, 'header', doc));
  return list;
}

/** A parameter the route documented (`RouteQueryDoc`, `RouteHeaderDoc`): schema default `{type: 'string'}`. */
function documented(name: string, where: 'query' | 'header', doc: RouteQueryDoc | RouteHeaderDoc): JsonSchema {
  const parameter: JsonSchema = { name, in: where, required: doc.required ?? false };
  if (doc.description !== undefined) parameter.description = doc.description;
  // A copy: the document is the caller's to change, the route's docs are frozen.
  parameter.schema = doc.schema === undefined ? { type: 'string' } : structuredClone(doc.schema);
  return parameter;
}

/** The schema of a route's payload in an ordinary call (batch items admit references too: admitReferences). */
function payloadRef(context: BuildContext, route: RouteDescription): JsonSchema | undefined {
  return route.schema === undefined
    ? undefined
    : context.registry.ref(route.schema, `${routeLabel(route.pattern)}.${route.method}.payload`);
}

/** The operation of an ordinary call of `route`. */
export function routeOperation(context: BuildContext, api: ApiDescription, route: RouteDescription): OpenApiOperation {
  const label = routeLabel(route.pattern);
  const response = route.response === undefined ? undefined : context.registry.ref(route.response, `${label}.${route.method}.response`);
  const operation: OpenApiOperation = {
    operationId: operationId(context, route.method.toLowerCase(), route.path),
    tags: route.tags === undefined ? [route.resource] : [...route.tags],
    responses: { ...successResponses(route, response), default: errorResponse(context, api) },
  };
  if (route.summary !== undefined) operation.summary = route.summary;
  const notes = route.batchable ? [] : ['Not allowed in batches.'];
  const description = [route.description, ...notes].filter((s) => s !== undefined).join('\n\n');
  if (description !== '') operation.description = description;
  if (route.deprecated === true) operation.deprecated = true;
  const params = parameters(route, api);
  if (params.length > 0) operation.parameters = params;
  if (route.schema !== undefined || takesPayload(route.method)) {
    const schema = payloadRef(context, route) ?? {};
    // A missing payload of an object schema is taken as `{}`: batch items say the same (payloadRequired).
    operation.requestBody = {
      required: payloadRequired(route.schema as JsonSchema | undefined),
      content: { 'application/json': { schema } },
    };
  }
  return operation;
}
