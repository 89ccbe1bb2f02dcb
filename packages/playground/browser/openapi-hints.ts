import type { Dialect, Endpoint } from './check-batch.js';
import { stringSample } from './string-sample.js';

/** A JSON schema, as far as completion reads it. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number | boolean;
  minItems?: number;
  items?: Schema;
}

interface Parameter {
  name?: string;
  in?: string;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
  schema?: Schema;
}

/** A route a batch item can call, relative to its endpoint's API. */
export interface RouteHint {
  readonly method: string;
  /**
   * As the item writes it, parameters filled from the document's examples or the example server's
   * sample ids where known; any other stays a `{parameter}` the editor flags before sending.
   */
  readonly path: string;
  /** The path with its `{parameters}`. */
  readonly template: string;
  readonly payload: Schema | undefined;
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

const SAMPLES: Record<string, string> = { claimId: 'cc:22', activityId: 'cc:55' };
const BY_RESOURCE: Record<string, string> = { Roles: 'MyRole', Parameters: 'MyParameter' };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The routes of `endpoint`'s API in the OpenAPI document, with their payload schemas resolved. */
export function routeHints(doc: unknown, endpoint: Endpoint): RouteHint[] {
  const document = doc as OpenApiDocument;
  const hints: RouteHint[] = [];
  for (const [template, operations] of Object.entries(document.paths ?? {})) {
    if (!template.startsWith(endpoint.apiBase) || /\/(batch|\$batch|openapi\.json)$/.test(template)) continue;
    const relative = template.slice(endpoint.apiBase.length);
    // Exago's batch refuses Sessions/{sid}; the claim API lives under its own base.
    if (endpoint.dialect === 'exago' && (relative.startsWith('claim/') || relative.startsWith('Sessions/'))) continue;
    const documented = examplesOf(Object.values(operations).flatMap((o) => o?.parameters ?? []));
    const path = relative.replace(/\{([^}]+)\}/g, (whole, name: string) => {
      const resource = relative.split('/')[0] ?? '';
      return documented[name] ?? SAMPLES[name] ?? (name === 'id' ? BY_RESOURCE[resource] : undefined) ?? whole;
    });
    for (const method of METHODS) {
      const operation = operations[method];
      if (operation === undefined) continue;
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      hints.push({
        method: method.toUpperCase(),
        path,
        template: relative,
        payload: schema === undefined ? undefined : resolve(document, schema),
      });
    }
  }
  return hints;
}

/** The path parameters' examples, as the document gives them (`example`, `examples`, or their schema's). */
function examplesOf(parameters: readonly Parameter[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const p of parameters) {
    if (p.in !== 'path' || p.name === undefined || found[p.name] !== undefined) continue;
    const value = p.example ?? Object.values(p.examples ?? {})[0]?.value ?? p.schema?.example ?? p.schema?.examples?.[0];
    if (typeof value === 'string' || typeof value === 'number') found[p.name] = encodeURIComponent(String(value));
  }
  return found;
}

/** Follows `$ref`s (local ones) until a schema with content. */
export function resolve(doc: unknown, schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let hops = 0; current?.$ref !== undefined && hops < 16; hops++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = (doc as OpenApiDocument).components?.schemas?.[name];
  }
  return current;
}

/** A new item for `route` in `dialect`, its payload filled with the required fields' sample values. */
export function itemFor(route: RouteHint, dialect: Dialect, doc: unknown, index: number): Record<string, unknown> {
  const payload = route.payload === undefined ? undefined : sampleOf(doc, route.payload, 0);
  if (dialect === 'exago') return { Url: route.path, Method: route.method, ...(payload === undefined ? {} : { Payload: payload }) };
  if (dialect === 'guidewire') {
    const data = (payload as { data?: unknown } | undefined)?.data;
    return { method: route.method.toLowerCase(), path: route.path, ...(data === undefined ? {} : { data }) };
  }
  return {
    id: String(index + 1),
    method: route.method,
    url: route.path,
    ...(payload === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: payload }),
  };
}

function sampleOf(doc: unknown, schema: Schema, depth: number): unknown {
  const s = resolve(doc, schema) ?? {};
  if (s.default !== undefined) return s.default;
  if (s.example !== undefined) return s.example;
  if (s.examples?.[0] !== undefined) return s.examples[0];
  if (s.enum !== undefined) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties !== undefined) {
    const out: Record<string, unknown> = {};
    if (depth > 6) return out;
    const props = s.properties ?? {};
    const names = s.required ?? [];
    // Nothing required (a PATCH): one field to show the shape, not the id (which must match the path's).
    const hint = Object.keys(props).find((name) => !/^id$/i.test(name));
    for (const name of names.length > 0 ? names : hint === undefined ? [] : [hint]) out[name] = sampleOf(doc, props[name] ?? {}, depth + 1);
    return out;
  }
  if (type === 'boolean') return true;
  if (type === 'integer' || type === 'number') {
    const min = s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 0);
    return type === 'integer' ? Math.ceil(min) : min;
  }
  if (type === 'array') {
    const count = s.minItems ?? 0;
    return Array.from({ length: count }, () => sampleOf(doc, s.items ?? {}, depth + 1));
  }
  return stringSample(s);
}
