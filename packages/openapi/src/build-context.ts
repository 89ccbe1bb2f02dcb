import type { ApiDescription, JsonSchema } from '@restbatch/core';
import type { SchemaRegistry } from './schema-registry.js';

/** What operations of one document share while it is built. */
export interface BuildContext {
  readonly registry: SchemaRegistry;
  /** operationIds given so far (each must be unique in a document). */
  readonly operationIds: Set<string>;
}

/** A fresh operationId from `words`: `get` `/rest/Roles/:id` → `getRestRolesById`, numbered when taken. */
export function operationId(context: BuildContext, verb: string, path: string, suffix = ''): string {
  const words = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith(':') ? `By${capital(s.slice(1))}` : capital(s.replace(/[^A-Za-z0-9]/g, ''))));
  const base = `${verb}${words.join('')}${capital(suffix)}`;
  let id = base;
  for (let n = 2; context.operationIds.has(id); n++) id = `${base}${n}`;
  context.operationIds.add(id);
  return id;
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The `default` response of an API's operations: its error body, as its error dialect shapes it. */
export function errorResponse(context: BuildContext, api: ApiDescription): JsonSchema {
  const describe = api.errors.openapi;
  const schema = describe === undefined ? {} : context.registry.ref(describe.error(), `${api.errors.name ?? 'api'}.error`);
  const type = api.errors.errorContentType ?? 'application/json';
  return { description: 'An error, with its code (docs/errors.md)', content: { [type]: { schema } } };
}
