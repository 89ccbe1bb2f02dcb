import { declaredStatusProblem } from '../executor/handler-answer.js';
import type { Ajv } from 'ajv';
import Router from 'find-my-way';
import { type DependencyContainer, Lifecycle } from 'tsyringe';
import { getResourceRecord } from '../decorators/resource.js';
import { getRouteRecords } from '../decorators/routes.js';
import { allowWithHead } from '../engine/head-as-get.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import { HTTP_METHODS, type HttpMethod } from '../model/http-method.js';
import type { HandlerContext } from '../resource/handler-context.js';
import type {
  ResourceHandler,
  RouteDefinition,
  RouteDocs,
  RouteHeaderDoc,
  RouteQueryDoc,
  SessionRequirement,
} from '../resource/resource-handler.js';
import { compileSchema, type PayloadValidator } from '../validation/compile-schema.js';
import { resolveResource } from './resolve-resource.js';
import { routeRegistrationError } from './route-registration-error.js';
import { LITERAL_SEGMENT, MAX_PARAM_LENGTH, type TemplateRoute, templateRouteOf } from './template-route.js';
import { excerpt } from '../errors/excerpt.js';
import { withCode } from '../errors/setup-error-codes.js';

/** A class decorated with `@Resource`. */
export type ResourceClass = new (...args: never[]) => object;

/** What an API registers: handler objects or decorated classes. */
export type ResourceInput = ResourceHandler | ResourceClass;

/** A route ready to run: everything checked and compiled once. */
export interface CompiledRoute {
  readonly resource: string;
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly session: SessionRequirement;
  readonly batchable: boolean;
  readonly status: number | undefined;
  readonly validate: PayloadValidator | undefined;
  /** The payload's JSON Schema as declared (for descriptions; `validate` is what runs). */
  readonly schema: object | undefined;
  /** What the route says about itself, for descriptions. */
  readonly docs: Readonly<RouteDocs>;
  readonly handle: (context: HandlerContext) => unknown;
  /** Whether the pattern's first segment is a parameter (`/:name...`): such a route could take any path. */
  readonly paramFirst: boolean;
}

/** A route lookup's outcome. */
export interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
}

/** Most shapes {@link RouteTable.matchTemplate} keeps, and the most characters a kept shape's key may have. */
const MAX_TEMPLATES = 1024;
const MAX_TEMPLATE_KEY = 256;
/** Most paths {@link RouteTable.match} keeps, and the longest it keeps. */
const MAX_CACHED_MATCHES = 4096;
const MAX_CACHED_PATH = 256;
const RESOURCE_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const PARAM_SEGMENT = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/** The routes of one API, compiled when the engine is created. */
export class RouteTable {
  readonly #router = Router({
    caseSensitive: true,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    // Stated, not left to the default: a route found ahead (TemplateRoute) applies the same limit.
    maxParamLength: MAX_PARAM_LENGTH,
  });
  readonly #resources = new Map<string, CompiledRoute[]>();
  /**
   * Paths matched so far, each with its matches by method: a batch names the same paths again and
   * again (and so do its clients), often several methods of one path in a row. Bounded: emptied
   * when full, so paths an attacker invents cost O(1) each and a fixed amount of memory; found
   * matches only (a path that fails keeps none).
   */
  readonly #matches = new Map<string, PathMatches>();
  /** The path looked up last and its entry: the next lookup of the same path needs no hashing. */
  #lastPath: string | undefined;
  #lastEntry: PathMatches | undefined;
  /**
   * The answers of `matchTemplate` so far, by method and shape (null: only the router can tell),
   * least recently used first. Shapes come from clients: only short ones are kept, at most
   * `MAX_TEMPLATES`, the least recently used making room, so an attacker's shapes cost a fixed
   * amount of memory and never keep a real one out for good.
   */
  readonly #templates = new Map<string, TemplateRoute | null>();
  /** The longest literal segment any shape can match: a static segment of a pattern, or a parameter's value. */
  #longestSegment = MAX_PARAM_LENGTH;
  /** Each method's routes with their pattern's segments, for `matchTemplate`. */
  readonly #segments = new Map<HttpMethod, Array<{ route: CompiledRoute; segments: string[] }>>();

  constructor(inputs: readonly ResourceInput[], ajv: Ajv, container: DependencyContainer) {
    for (const input of inputs) this.#add(toHandler(input, container), ajv);
  }

  /** Resource names, in registration order. */
  get resourceNames(): string[] {
    return [...this.#resources.keys()];
  }

  /** Every route, by resource in registration order, each resource's routes in declaration order. */
  get routes(): CompiledRoute[] {
    return [...this.#resources.values()].flat();
  }

  /**
   * Finds the route for `method` and `path` (below the API base). Throws `ROUTE_NOT_FOUND` or
   * `METHOD_NOT_ALLOWED` (with the allowed methods).
   */
  match(method: HttpMethod, path: string): RouteMatch {
    let entry = path === this.#lastPath ? this.#lastEntry : this.#matches.get(path);
    const known = entry?.get(method);
    if (known !== undefined) {
      this.#lastPath = path;
      this.#lastEntry = entry;
      return known;
    }
    const found = this.#find(method, path);
    if (found !== null) {
      // Shared by every later call of the same path: its params are frozen (handlers see them read-only).
      const match: RouteMatch = { route: found.store as CompiledRoute, params: Object.freeze(found.params) as Record<string, string> };
      if (path.length <= MAX_CACHED_PATH) {
        if (entry === undefined) {
          if (this.#matches.size >= MAX_CACHED_MATCHES) this.#matches.clear();
          entry = new PathMatches();
          this.#matches.set(path, entry);
        }
        entry.set(method, match);
        this.#lastPath = path;
        this.#lastEntry = entry;
      }
      return match;
    }
    throw this.refusal(method, path);
  }

  /**
   * Why `method` finds no route at `path`: 405 `METHOD_NOT_ALLOWED` with the path's other methods
   * (`details.allowed` and `Allow`, with `HEAD` wherever `GET` is when `head`), or 404
   * `ROUTE_NOT_FOUND` when no method has one. `method` may be one no route can have (`OPTIONS`).
   */
  refusal(method: string, path: string, head = false): RestBatchError {
    const allowed = this.allowedMethods(path).filter((m) => m !== method);
    if (allowed.length === 0) return new RestBatchError('ROUTE_NOT_FOUND', `No resource at ${excerpt(path)}`);
    const allow = { allow: allowed.join(', ') };
    return new RestBatchError(
      'METHOD_NOT_ALLOWED',
      `${excerpt(method)} is not allowed on ${excerpt(path)}; allowed: ${allowed.join(', ')}`,
      {
        details: { allowed },
        headers: head ? allowWithHead(allow) : allow,
      },
    );
  }

  /** The methods that have a route at `path` (below the API base), in the order of `HTTP_METHODS`. */
  allowedMethods(path: string): HttpMethod[] {
    return HTTP_METHODS.filter((m) => this.#find(m, path) !== null);
  }

  /**
   * The router's match, refused when a parameter is empty: find-my-way matches an empty segment
   * (`/Widgets/`, `/Widgets//parts`) for a parameter, and `:id` then names nothing. With
   * `ignoreTrailingSlash` off, `/Widgets/` is not `/Widgets` either, so such a path has no route.
   */
  #find(method: HttpMethod, path: string): Router.FindResult<Router.HTTPVersion.V1> | null {
    const found = this.#router.find(method, path);
    if (found === null) return null;
    const params = found.params;
    for (const name in params) if (params[name] === '') return null;
    return found;
  }

  /**
   * The route every path of this shape reaches, whatever the open (undefined) segments hold; the
   * others are the path's literal segments, after its leading `/`. Undefined unless exactly one
   * route of `method` can match and it has a parameter at each open segment: a static route at an
   * open segment could capture some value, so the router must decide at run time. Undefined too
   * for a literal segment that is not a plain one (the router or the path check would judge it).
   */
  matchTemplate(method: HttpMethod, segments: readonly (string | undefined)[]): TemplateRoute | undefined {
    // What the key would hold, before it is made: a literal segment longer than any a route can
    // match reaches none, and a long shape is worked out each time (linear in it), never kept.
    let length = method.length + 2 + segments.length * 5;
    for (const segment of segments) {
      if (segment === undefined) continue;
      if (segment.length > this.#longestSegment) return undefined;
      length += segment.length;
    }
    if (length > MAX_TEMPLATE_KEY) return this.#templateOf(method, segments);
    const key = `${method} ${JSON.stringify(segments)}`;
    const templates = this.#templates;
    const known = templates.get(key);
    if (known !== undefined) {
      // Used again: moved to the end of the map's order, the last to make room.
      templates.delete(key);
      templates.set(key, known);
      return known ?? undefined;
    }
    const route = this.#templateOf(method, segments);
    if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value as string);
    templates.set(key, route ?? null);
    return route;
  }

  #templateOf(method: HttpMethod, segments: readonly (string | undefined)[]): TemplateRoute | undefined {
    return templateRouteOf(this.#segments.get(method) ?? [], (path) => this.#find(method, path), segments);
  }

  #add(handler: ResourceHandler, ajv: Ajv): void {
    const name = handler.name;
    if (typeof name !== 'string' || !RESOURCE_NAME.test(name)) {
      throw withCode(
        new Error(`Invalid resource name ${JSON.stringify(name)}: use letters, digits, _, . or -, starting with a letter`),
        'INVALID_RESOURCE',
      );
    }
    if (this.#resources.has(name)) throw withCode(new Error(`Resource ${name} is registered twice`), 'INVALID_RESOURCE');
    const compiled: CompiledRoute[] = [];
    checkSession(handler.session, `Resource ${name}`, 'INVALID_RESOURCE');
    for (const def of handler.routes) {
      const pattern = routePattern(name, def);
      const where = `${def.method} ${pattern}`;
      checkSession(def.session, `Route ${where}`, 'INVALID_ROUTE');
      const badStatus = declaredStatusProblem(def.status);
      if (badStatus !== undefined) throw withCode(new Error(`Route ${where}: ${badStatus}`), 'INVALID_ROUTE');
      const route: CompiledRoute = {
        resource: name,
        method: def.method,
        pattern,
        session: def.session ?? handler.session ?? 'optional',
        batchable: handler.batchable !== false && def.batchable !== false,
        status: def.status,
        validate: def.schema === undefined ? undefined : compileSchema(ajv, def.schema, where),
        schema: def.schema,
        docs: docsOf(def, ajv, where),
        handle: def.handle,
        paramFirst: pattern.charCodeAt(1) === 58,
      };
      if (this.#router.hasRoute(def.method, pattern)) {
        throw withCode(new Error(`Duplicate route ${where}`), 'ROUTE_CONFLICT');
      }
      try {
        this.#router.on(def.method, pattern, noop, route);
      } catch (error) {
        throw routeRegistrationError(where, error);
      }
      compiled.push(route);
      const routes = this.#segments.get(def.method) ?? [];
      const segments = pattern.slice(1).split('/');
      for (const segment of segments) if (segment.length > this.#longestSegment) this.#longestSegment = segment.length;
      routes.push({ route, segments });
      this.#segments.set(def.method, routes);
    }
    this.#resources.set(name, compiled);
  }
}

function noop(): void {}

/** The matches of one path, by method (one field each: no map per path). */
class PathMatches {
  GET: RouteMatch | undefined;
  POST: RouteMatch | undefined;
  PUT: RouteMatch | undefined;
  PATCH: RouteMatch | undefined;
  DELETE: RouteMatch | undefined;

  get(method: HttpMethod): RouteMatch | undefined {
    switch (method) {
      case 'GET':
        return this.GET;
      case 'POST':
        return this.POST;
      case 'PUT':
        return this.PUT;
      case 'PATCH':
        return this.PATCH;
      default:
        return this.DELETE;
    }
  }

  set(method: HttpMethod, match: RouteMatch): void {
    switch (method) {
      case 'GET':
        this.GET = match;
        break;
      case 'POST':
        this.POST = match;
        break;
      case 'PUT':
        this.PUT = match;
        break;
      case 'PATCH':
        this.PATCH = match;
        break;
      default:
        this.DELETE = match;
    }
  }
}

const SESSION_REQUIREMENTS: readonly unknown[] = ['required', 'optional', 'none', undefined];

// A misspelt `required` must not leave a session-only route open.
function checkSession(session: unknown, where: string, code: 'INVALID_RESOURCE' | 'INVALID_ROUTE'): void {
  if (!SESSION_REQUIREMENTS.includes(session)) {
    throw withCode(new Error(`${where}: session must be 'required', 'optional' or 'none', not ${JSON.stringify(session)}`), code);
  }
}

/** A frozen copy of a route's query parameter docs, each schema compiled once so that a bad one fails here. */
function queryDocsOf(query: Readonly<Record<string, RouteQueryDoc>>, ajv: Ajv, where: string): Readonly<Record<string, RouteQueryDoc>> {
  const copy: Record<string, RouteQueryDoc> = {};
  for (const [name, doc] of Object.entries(query)) {
    if (name === '') throw withCode(new Error(`Route ${where}: a query parameter needs a name`), 'INVALID_ROUTE');
    if (doc.schema !== undefined) compileSchema(ajv, doc.schema, `the query parameter ${name} of ${where}`);
    copy[name] = Object.freeze({ ...doc });
  }
  return Object.freeze(copy);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// OpenAPI ignores header parameters of these names: it describes them with the media types and security.
const UNDOCUMENTED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/** A frozen copy of a route's header docs, each name checked and each schema compiled once so that a bad one fails here. */
function headerDocsOf(
  headers: Readonly<Record<string, RouteHeaderDoc>>,
  ajv: Ajv,
  where: string,
): Readonly<Record<string, RouteHeaderDoc>> {
  const copy: Record<string, RouteHeaderDoc> = {};
  const seen = new Set<string>();
  for (const [name, doc] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name))
      throw withCode(new Error(`Route ${where}: header ${JSON.stringify(name)} is not a header name (an RFC 9110 token)`), 'INVALID_ROUTE');
    if (UNDOCUMENTED_HEADERS.has(lower))
      throw withCode(new Error(`Route ${where}: header ${name} cannot be documented as a parameter (OpenAPI ignores it)`), 'INVALID_ROUTE');
    if (seen.has(lower))
      throw withCode(new Error(`Route ${where}: header ${name} is named twice (header names are case-insensitive)`), 'INVALID_ROUTE');
    seen.add(lower);
    if (doc.schema !== undefined) compileSchema(ajv, doc.schema, `the header ${name} of ${where}`);
    copy[name] = Object.freeze({ ...doc });
  }
  return Object.freeze(copy);
}

/** The route's descriptive fields; a `response` schema is compiled once so that a bad one fails here. */
function docsOf(def: RouteDefinition, ajv: Ajv, where: string): Readonly<RouteDocs> {
  const { summary, description, tags, deprecated, response, query, headers } = def;
  if (response !== undefined) compileSchema(ajv, response, `the response of ${where}`);
  const docs: RouteDocs = {};
  if (summary !== undefined) docs.summary = summary;
  if (description !== undefined) docs.description = description;
  if (tags !== undefined) docs.tags = Object.freeze([...tags]);
  if (deprecated !== undefined) docs.deprecated = deprecated;
  if (response !== undefined) docs.response = response;
  if (query !== undefined) docs.query = queryDocsOf(query, ajv, where);
  if (headers !== undefined) docs.headers = headerDocsOf(headers, ajv, where);
  return Object.freeze(docs);
}

function routePattern(resource: string, def: RouteDefinition): string {
  if (!HTTP_METHODS.includes(def.method))
    throw withCode(new Error(`Resource ${resource}: unsupported method ${String(def.method)}`), 'INVALID_ROUTE');
  if (typeof def.handle !== 'function')
    throw withCode(new Error(`Resource ${resource}: route ${def.method} ${def.path} has no handler`), 'INVALID_ROUTE');
  const path = def.path.replace(/^\/+|\/+$/g, '');
  if (path === '') return `/${resource}`;
  const segments = path.split('/');
  for (const segment of segments) {
    // `.` and `..` fit the literal pattern but no safe request path can ever reach them.
    if ((!LITERAL_SEGMENT.test(segment) && !PARAM_SEGMENT.test(segment)) || segment === '.' || segment === '..') {
      throw withCode(
        new Error(`Resource ${resource}: bad path ${JSON.stringify(def.path)} (segment ${JSON.stringify(segment)})`),
        'INVALID_ROUTE',
      );
    }
  }
  return `/${resource}/${segments.join('/')}`;
}

function toHandler(input: ResourceInput, container: DependencyContainer): ResourceHandler {
  if (typeof input !== 'function') return input;
  const record = getResourceRecord(input);
  if (record === undefined) throw withCode(new Error(`Class ${input.name} is not decorated with @Resource`), 'INVALID_RESOURCE');
  const routes = getRouteRecords(input);
  if (routes.length === 0) throw withCode(new Error(`Resource ${record.name} (${input.name}) has no routes`), 'INVALID_RESOURCE');
  const perBatch = record.lifetime === 'batch';
  if (perBatch) container.register(input as never, { useClass: input as never }, { lifecycle: Lifecycle.ContainerScoped });
  const instance = perBatch ? undefined : (resolveResource(container, input) as Record<string | symbol, unknown>);
  return {
    name: record.name,
    session: record.session,
    batchable: record.batchable,
    routes: routes.map((r): RouteDefinition => {
      const key = r.propertyKey;
      if (!perBatch && typeof instance![key] !== 'function') {
        throw withCode(new Error(`Resource ${record.name} (${input.name}): route ${r.method} ${r.path} is not a method`), 'INVALID_ROUTE');
      }
      const handle = perBatch
        ? (context: HandlerContext) => {
            const target = resolveResource(context.scope, input) as Record<string | symbol, (c: HandlerContext) => unknown>;
            return target[key]!(context);
          }
        : // Bound once: each call is a bound call, not a keyed lookup of the method (one call site for every route) and a `call`.
          (instance![key] as (c: HandlerContext) => unknown).bind(instance);
      const { method, path, schema, status, batchable, session, summary, description, tags, deprecated, response, query, headers } = r;
      return { method, path, schema, status, batchable, session, summary, description, tags, deprecated, response, query, headers, handle };
    }),
  };
}
