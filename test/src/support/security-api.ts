import 'reflect-metadata';
import {
  type ApiOptions,
  createEngine,
  type Engine,
  type EngineOptions,
  exagoApi,
  type HandlerContext,
  odataDialect,
  type ResourceHandler,
} from '@restbatch/core';
import { claimApi } from '@restbatch/example-server';
import { EXAMPLE_CONFIGS } from './exago-engine.js';

/** The secret that the `Boom` handler puts in its error message; it must never reach a client. */
export const SECRET = 'db-password=hunter2 at /work/app/secret.ts:12';

/** A plain copy of a prototype-free object, for handler answers. */
function plain(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value));
}

function echo(ctx: HandlerContext): unknown {
  return {
    params: plain(ctx.params),
    query: plain(ctx.query),
    headers: plain(ctx.headers),
    body: ctx.body ?? null,
    identity: ctx.identity ?? null,
  };
}

/** Resources of the security suites, as plain handler objects. */
export const SECURITY_RESOURCES: readonly ResourceHandler[] = [
  {
    name: 'Echo',
    routes: [
      { method: 'GET', path: ':id', handle: echo },
      { method: 'POST', path: '', handle: echo },
      { method: 'PATCH', path: ':id', handle: echo },
    ],
  },
  {
    name: 'Login',
    routes: [
      { method: 'POST', path: '', handle: (ctx) => ({ ok: (ctx.body as { password?: unknown } | undefined)?.password === 'right' }) },
    ],
  },
  { name: 'Admin', batchable: false, routes: [{ method: 'GET', path: '', handle: () => ({ admin: true }) }] },
  {
    name: 'Files',
    routes: [
      { method: 'GET', path: ':name', handle: (ctx) => ({ name: ctx.params.name }) },
      { method: 'DELETE', path: ':name', batchable: false, handle: () => undefined },
    ],
  },
  { name: 'Secrets', routes: [{ method: 'GET', path: '', handle: () => ({ secret: 42 }) }] },
  {
    name: 'Boom',
    routes: [
      {
        method: 'GET',
        path: '',
        handle: () => {
          throw new Error(SECRET);
        },
      },
    ],
  },
  { name: 'Hang', routes: [{ method: 'GET', path: '', handle: () => new Promise(() => undefined) }] },
];

/** The security API: the resources above under `/api`, batched in the OData dialect at `/api/$batch`. */
export function securityApi(maxSubRequests = 100): ApiOptions {
  return { base: '/api', resources: SECURITY_RESOURCES, batch: [{ path: '$batch', dialect: odataDialect({ maxSubRequests }) }] };
}

/**
 * A fresh engine with the security API (`/api`, OData), the Exago API (`/rest`) and the example
 * claim API (`/rest/claim/v1`, Guidewire and OData); errors are logged into `logged`.
 */
export function securityEngine(options: Partial<EngineOptions> = {}): { engine: Engine; logged: Array<Record<string, unknown>> } {
  const logged: Array<Record<string, unknown>> = [];
  const engine = createEngine({
    apis: [securityApi(), exagoApi({ configs: EXAMPLE_CONFIGS }), claimApi()],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
    ...options,
  });
  return { engine, logged };
}
