import { createEngine, type Engine, type HandlerContext, odataDialect, Reply } from '@restbatch/core';

/**
 * An OData API at `/api` (batch at `/api/$batch`) whose `GET items/:id` answers 304 to
 * `If-None-Match: "v1"`, `GET items/old/:id` 303, `DELETE items/:id` 204, and whose
 * `POST items/log` pushes its body to `logged`: what ran, for the dependency tests.
 */
export function odataItemsEngine(logged: unknown[]): Engine {
  return createEngine({
    logger: { error: () => undefined },
    apis: [
      {
        base: '/api',
        resources: [
          {
            name: 'items',
            routes: [
              {
                method: 'GET',
                path: ':id',
                handle: (ctx: HandlerContext) =>
                  ctx.headers['if-none-match'] === '"v1"'
                    ? new Reply(304, undefined, { etag: '"v1"' })
                    : new Reply(200, { id: ctx.params.id }, { etag: '"v1"' }),
              },
              {
                method: 'GET',
                path: 'old/:id',
                handle: (ctx: HandlerContext) => new Reply(303, undefined, { location: `/api/items/${ctx.params.id}` }),
              },
              { method: 'DELETE', path: ':id', handle: () => new Reply(204, undefined) },
              {
                method: 'POST',
                path: 'log',
                handle: (ctx: HandlerContext) => {
                  logged.push(ctx.body);
                  return new Reply(201, { logged: ctx.body });
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
