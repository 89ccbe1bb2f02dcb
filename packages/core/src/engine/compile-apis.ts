import type { Ajv } from 'ajv';
import type { DependencyContainer } from 'tsyringe';
import { problemDetails } from '../errors/problem-details.js';
import { withCode } from '../errors/setup-error-codes.js';
import { RouteTable } from '../routing/route-table.js';
import type { CompiledApi, CompiledEndpoint } from './compiled-api.js';
import type { ApiOptions } from './engine-options.js';

/**
 * Compiles every API once, when the engine is created: batch endpoints with their dialect's
 * defaults and the engine's overrides resolved, routes and schemas checked and compiled. Returns
 * them longest base first, so that `/rest/claim/v1` is matched before `/rest`.
 */
export function compileApis(apis: readonly ApiOptions[], ajv: Ajv, container: DependencyContainer): CompiledApi[] {
  const compiled = apis.map((api) => compileApi(api, ajv, container)).sort((a, b) => b.base.length - a.base.length);
  const seen = new Set<string>();
  for (const api of compiled) {
    if (seen.has(api.base)) throw withCode(new Error(`API base ${api.base} is mounted twice`), 'INVALID_API');
    seen.add(api.base);
  }
  return compiled;
}

function compileApi(api: ApiOptions, ajv: Ajv, container: DependencyContainer): CompiledApi {
  const base = normalizeBase(api.base);
  const endpoints = new Map<string, CompiledEndpoint>();
  for (const ep of api.batch ?? []) {
    const path = `/${ep.path.replace(/^\/+/, '')}`;
    if (endpoints.has(path)) throw withCode(new Error(`Batch endpoint ${base}${path} is declared twice`), 'INVALID_API');
    const d = ep.dialect.defaults;
    endpoints.set(path, {
      path,
      dialect: ep.dialect,
      maxSubRequests: ep.maxSubRequests ?? d.maxSubRequests,
      anyContentType: ep.anyContentType ?? d.anyContentType ?? false,
      singleQuotedJson: d.singleQuotedJson ?? false,
      allowEmpty: d.allowEmpty ?? false,
      allowExistingSession: ep.allowExistingSession ?? false,
      nonInheritedHeaders: (d.nonInheritedHeaders ?? []).map((h) => h.toLowerCase()),
      ignoredOuterHeaders: (d.ignoredOuterHeaders ?? []).map((h) => h.toLowerCase()),
    });
  }
  api.register?.(container);
  // A plain REST API (no batch endpoint, no dialect named) answers errors as RFC 9457 problem details.
  const errors = api.errors ?? api.batch?.[0]?.dialect ?? problemDetails;
  return {
    base,
    routes: new RouteTable(api.resources, ajv, container),
    endpoints,
    errors,
    sessionParam: api.sessions === false || api.sessions === undefined ? undefined : (api.sessions.param ?? 'sid'),
    errorDetail: api.errorDetail ?? (() => false),
    prechecks: api.prechecks ?? [],
  };
}

function normalizeBase(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (trimmed !== '' && !trimmed.startsWith('/'))
    throw withCode(new Error(`API base ${JSON.stringify(base)} must start with /`), 'INVALID_API');
  return trimmed;
}
