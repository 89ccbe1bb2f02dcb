import { createEngine, type Engine, type HandlerContext, odataDialect, reply } from '@restbatch/core';
import { createDirectCaller, type DirectResponse } from '@restbatch/direct';

/**
 * An engine with an OData batch endpoint at `/service/$batch` and one resource, Things: GET `:id`
 * answers with ETag `"5"`; PATCH `:id` succeeds under `If-Match: "5"` (or any If-None-Match) and
 * otherwise answers 412 with the If-Match it was sent; POST makes `/service/Things/n1` (its
 * Location); GET `:id/notes` names the thing it is under. `onPatch` runs on every PATCH.
 */
export function etagThingsEngine(onPatch: () => void = () => undefined): Engine {
  return createEngine({
    apis: [
      {
        base: '/service',
        resources: [
          {
            name: 'Things',
            routes: [
              { method: 'GET', path: ':id', handle: (ctx: HandlerContext) => reply(200, { id: ctx.params.id }, { ETag: '"5"' }) },
              { method: 'GET', path: ':id/notes', handle: (ctx: HandlerContext) => ({ of: ctx.params.id }) },
              { method: 'POST', path: '', handle: () => reply(201, { made: true }, { location: '/service/Things/n1' }) },
              {
                method: 'PATCH',
                path: ':id',
                handle: (ctx: HandlerContext) => {
                  onPatch();
                  return ctx.headers['if-match'] === '"5"' || ctx.headers['if-none-match'] !== undefined
                    ? { patched: true }
                    : reply(412, { sent: ctx.headers['if-match'] ?? null });
                },
              },
            ],
          },
        ],
        batch: [{ path: '$batch', dialect: odataDialect() }],
      },
    ],
  });
}

/** Sends `requests` to `engine` as one OData 4.01 batch (`/service/$batch`), in process. */
export function odataBatch(engine: Engine, requests: unknown[]): Promise<DirectResponse> {
  return createDirectCaller(engine)({ url: '/service/$batch', headers: { 'odata-version': '4.01' }, body: { requests } });
}
